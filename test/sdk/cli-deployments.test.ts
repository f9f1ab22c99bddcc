import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { runCli } from "../support/cli.js";
import { startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

/** `flowgate deployments run NAME [--param k=v] [--params JSON] [--name N]`, against a live server. */
describe("flowgate deployments run", () => {
  let sdk: SdkServer;
  let address: string;
  before(async () => {
    sdk = await startSdkServer();
    address = sdk.server.address;
  });
  after(() => sdk.stop());

  test(
    "starts a SCHEDULED run by full name or id, --param values (JSON when JSON) over --params over the defaults",
    { timeout: 60_000 },
    async () => {
      const { deployment } = await sdk.client.createDeployment({
        name: "nightly",
        flowName: "cli-run-deployment",
        entrypoint: "flows.ts:nightly",
        parameters: { region: "eu", retries: 1, dryRun: false },
      });
      const out = await runCli(address, [
        "deployments",
        "run",
        "cli-run-deployment/nightly",
        "--params",
        '{"region": "us", "limit": 10}',
        "--param",
        "dryRun=true",
        "--param",
        "who=Marvin",
        "--name",
        "from-the-cli",
      ]);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^Started from-the-cli \([0-9a-f-]{36}\), SCHEDULED/);
      const id = /\(([0-9a-f-]{36})\)/.exec(out.stdout)![1]!;
      const run = await sdk.client.getFlowRun(id);
      assert.equal(run.deploymentId, deployment.id);
      assert.equal(run.state?.type, StateType.SCHEDULED);
      assert.deepEqual(run.parameters, { region: "us", retries: 1, dryRun: true, limit: 10, who: "Marvin" });

      const byId = await runCli(address, ["--json", "deployments", "run", deployment.id]);
      assert.equal(byId.code, 0, byId.stderr);
      const json = JSON.parse(byId.stdout) as { id: string; parameters: unknown };
      assert.deepEqual(json.parameters, { region: "eu", retries: 1, dryRun: false });
    },
  );

  test("refuses parameters that are not an object, a malformed --param, and an unknown deployment", { timeout: 60_000 }, async () => {
    const notObject = await runCli(address, ["deployments", "run", "x/y", "--params", "[1]"]);
    assert.equal(notObject.code, 2);
    assert.match(notObject.stderr, /--params must be a JSON object/);
    const badPair = await runCli(address, ["deployments", "run", "x/y", "--param", "novalue"]);
    assert.equal(badPair.code, 2);
    assert.match(badPair.stderr, /--param must look like key=value/);
    const missing = await runCli(address, ["deployments", "run", "no-such-flow/nothing"]);
    assert.equal(missing.code, 3, missing.stderr);
    assert.match(missing.stderr, /reason: DEPLOYMENT_NOT_FOUND/);
  });
});
