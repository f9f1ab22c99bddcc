import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { runCli } from "../support/cli.js";
import { pausedRun } from "../support/fixtures.js";
import { startSdkServer, type SdkServer } from "../support/sdk.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

/**
 * Each client says what it is (x-flowgate-client or its user agent), so the audit trail can tell
 * through what a run was resumed: "Resumed by alice via the CLI".
 */
describe("clients name themselves in the audit trail", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  const channelOfResume = async (flowRunId: string): Promise<string | undefined> => {
    const { events } = await sdk.client.listAuditEvents({ flowRunId });
    return events.find((e) => e.call.endsWith("ResumeFlowRun"))?.channel;
  };

  test("the TypeScript SDK is 'sdk'", async () => {
    const paused = await pausedRun(sdk.server);
    await sdk.client.resumeFlowRun(paused.id);
    assert.equal(await channelOfResume(paused.id), "sdk");
  });

  test("the CLI is 'cli'", async () => {
    const paused = await pausedRun(sdk.server);
    const out = await runCli(sdk.server.address, ["runs", "resume", paused.id]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(await channelOfResume(paused.id), "cli");
  });

  test("the Python client is 'python'", async () => {
    const paused = await pausedRun(sdk.server);
    const script = "import sys\nfrom flowgate import Client\nwith Client(sys.argv[1]) as c:\n    c.resume_flow_run(sys.argv[2])\n";
    await run(join(REPO, ".venv", "bin", "python"), ["-c", script, sdk.server.address, paused.id], {
      env: { ...process.env, FLOWGATE_API_KEY: sdk.server.apiKey },
    });
    assert.equal(await channelOfResume(paused.id), "python");
  });
});
