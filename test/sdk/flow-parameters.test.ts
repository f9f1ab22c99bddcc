import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import { flow, InvalidArgumentError, runDeployment, serve, type Deployment } from "../../client-sdk/src/index.js";
import { runCli } from "../support/cli.js";
import { startSdkServer, type SdkServer } from "../support/sdk.js";

/** `flow(fn, { parameters: zodSchema })`: served deployments carry the schema and the server holds every run of them to it. */
describe("a flow's parameters schema", () => {
  let sdk: SdkServer;
  let deployment: Deployment;
  const report = flow(async ({ region }: { region: string; days?: number }) => `report for ${region}`, {
    name: "regional-report",
    parameters: z.object({ region: z.enum(["eu", "us"]), days: z.number().int().min(1).default(7) }),
  });

  before(async () => {
    sdk = await startSdkServer();
    // Served only until the deployment exists: the runs below stay SCHEDULED, no runner takes them.
    const stop = new AbortController();
    const handle = serve(report, { name: "params", signal: stop.signal, client: sdk.client, log: () => undefined });
    deployment = (await handle.ready).deployments[0]!;
    stop.abort();
    await handle;
  });
  after(() => sdk.stop());

  test("serving the flow stores its parameters as JSON Schema with the deployment", async () => {
    assert.deepEqual(deployment.parameterSchema, {
      type: "object",
      properties: {
        region: { type: "string", enum: ["eu", "us"] },
        days: { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER, default: 7 },
      },
      required: ["region"],
    });
    const got = await sdk.client.getDeployment({ fullName: "regional-report/params" });
    assert.deepEqual(got.parameterSchema, deployment.parameterSchema);
  });

  test("runDeployment with parameters the schema refuses throws InvalidArgumentError naming the field; no run is created", async () => {
    const err = await runDeployment("regional-report/params", { parameters: { region: "mars" }, timeout: 0 }).then(
      () => assert.fail("the run was created"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof InvalidArgumentError, String(err));
    assert.equal(err.reason, "INVALID_ARGUMENT");
    assert.deepEqual(
      err.fieldErrors.map((f) => f.field),
      ["region"],
    );
    const { flowRuns } = await sdk.client.listFlowRuns({ deploymentId: deployment.id });
    assert.deepEqual(flowRuns, []);
  });

  test(
    "flowgate deployments run --params with bad values exits 4 (invalid), printing each field error the server gave",
    { timeout: 60_000 },
    async () => {
      const out = await runCli(sdk.server.address, [
        "deployments",
        "run",
        "regional-report/params",
        "--params",
        '{"region": "mars", "days": 0}',
      ]);
      assert.equal(out.code, 4, out.stderr);
      assert.match(out.stderr, /reason: INVALID_ARGUMENT/);
      assert.match(out.stderr, /region: must be one of "eu", "us"/);
      assert.match(out.stderr, /days: must be >= 1/);
      const { flowRuns } = await sdk.client.listFlowRuns({ deploymentId: deployment.id });
      assert.deepEqual(flowRuns, []);

      const good = await runCli(sdk.server.address, [
        "--json",
        "deployments",
        "run",
        "regional-report/params",
        "--params",
        '{"region": "eu"}',
      ]);
      assert.equal(good.code, 0, good.stderr);
      assert.deepEqual((JSON.parse(good.stdout) as { parameters: unknown }).parameters, { region: "eu", days: 7 });
    },
  );

  test("a direct call with bad parameters is refused before its run is created", async () => {
    await assert.rejects(report({ region: "mars" }), (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError);
      assert.deepEqual(
        err.fieldErrors.map((f) => f.field),
        ["region"],
      );
      return true;
    });
    const { flowRuns } = await sdk.client.listFlowRuns({ flowName: "regional-report" });
    assert.equal(flowRuns.filter((r) => !r.deploymentId).length, 0);
    assert.equal(await report({ region: "us" }), "report for us");
  });

  test("a parameters schema that is not an object schema is refused where the flow is declared", () => {
    assert.throws(() => flow(async (n: number) => n, { parameters: z.number() }), /must be an object schema/);
  });
});
