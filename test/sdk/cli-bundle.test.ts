/**
 * The `flowgate` bin as installed: client-sdk/bin/flowgate.js (and its node_modules/.bin link) runs
 * the bundle `npm run build` makes (tools/bundle-cli.mjs), not the TypeScript source the other CLI
 * tests run. It answers `runs ls` against a real server, from a fresh code cache and from the one its
 * first run left, and fails the way the source does (typed error, exit code).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { runProcess, type ScriptResult } from "../support/sdk-process.js";
import { startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const BIN = "client-sdk/bin/flowgate.js";
const LINKED_BIN = "node_modules/.bin/flowgate";
const BUNDLE_DIR = `${REPO}client-sdk/dist/cli/`;

function flowgate(command: string[], sdk: SdkServer, args: string[]): Promise<ScriptResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, FLOWGATE_API_ADDRESS: sdk.server.address, FLOWGATE_API_KEY: sdk.server.apiKey };
  delete env["FORCE_COLOR"];
  const [file, ...rest] = command;
  return runProcess(file!, [...rest, ...args], { cwd: REPO, env });
}

const codeCaches = (): string[] => readdirSync(BUNDLE_DIR).filter((name) => name.startsWith("flowgate.cjs.") && name.endsWith(".cache"));

describe("the bundled flowgate CLI", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  test("npm run build made the bundle the bin runs", () => {
    assert.ok(existsSync(`${BUNDLE_DIR}flowgate.cjs`), "client-sdk/dist/cli/flowgate.cjs is missing: run npm run build");
  });

  test("runs ls lists the server's runs, through the bin and its node_modules/.bin link", { timeout: 60_000 }, async () => {
    const scheduled = await sdk.client.createFlowRun({ flowName: "bundle-ls", state: { type: StateType.SCHEDULED } });
    const running = await sdk.client.createFlowRun({ flowName: "bundle-ls", state: { type: StateType.RUNNING } });

    for (const command of [[process.execPath, BIN], [`${REPO}${LINKED_BIN}`]]) {
      const human = await flowgate(command, sdk, ["runs", "ls", "--flow", "bundle-ls"]);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /^ID\s+NAME\s+FLOW\s+STATE\s+UPDATED$/m);
      assert.ok(human.stdout.includes(scheduled.id) && human.stdout.includes(running.id), human.stdout);

      const json = await flowgate(command, sdk, ["--json", "runs", "ls", "--state", "running", "--flow", "bundle-ls"]);
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(
        (JSON.parse(json.stdout) as Array<{ id: string; state: { type: string } }>).map((r) => [r.id, r.state.type]),
        [[running.id, "RUNNING"]],
      );
    }
  });

  test("a run leaves a code cache beside the bundle, and the next run answers the same from it", { timeout: 60_000 }, async () => {
    const run = await sdk.client.createFlowRun({ flowName: "bundle-cache", state: { type: StateType.RUNNING } });
    const args = ["--json", "runs", "ls", "--flow", "bundle-cache"];
    const first = await flowgate([process.execPath, BIN], sdk, args);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(codeCaches().length > 0, `no code cache in ${BUNDLE_DIR}`);
    const second = await flowgate([process.execPath, BIN], sdk, args);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout), JSON.parse(first.stdout));
    assert.equal((JSON.parse(second.stdout) as Array<{ id: string }>)[0]?.id, run.id);
  });

  test("a missing run fails as from the source: one error line, its reason and exit code 3", { timeout: 60_000 }, async () => {
    const out = await flowgate([process.execPath, BIN], sdk, ["runs", "inspect", "00000000-0000-4000-8000-000000000000"]);
    assert.equal(out.code, 3, out.stderr);
    assert.match(out.stderr, /^error: .+/m);
    assert.match(out.stderr, /^reason: FLOW_RUN_NOT_FOUND$/m);
    assert.equal(out.stdout, "");
  });

  test("--help lists every command group without reaching a server", async () => {
    const out = await flowgate([process.execPath, BIN], sdk, ["--address", "127.0.0.1:1", "--help"]);
    assert.equal(out.code, 0, out.stderr);
    for (const group of ["server", "runs", "deployments", "keys", "whoami", "audit", "webhooks"]) {
      assert.match(out.stdout, new RegExp(`^\\s+${group}\\b`, "m"), out.stdout);
    }
  });
});
