import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { resumeFlowRun, runDeployment, StateType } from "../../client-sdk/src/index.js";
import { startRunnerProcess, type RunnerProcess } from "../support/runner-process.js";
import { runReaches, startSdkServer, type SdkServer } from "../support/sdk.js";

describe("a runner claims runs as the server announces them", () => {
  let sdk: SdkServer;
  let runner: RunnerProcess | undefined;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(async () => {
    await runner?.stop();
    await sdk.stop();
  });

  test("with polling every 10 minutes, a new run and a resumed suspend still run within seconds", async () => {
    const signal = AbortSignal.timeout(60_000);
    runner = startRunnerProcess("test/sdk/fixtures/runner-flows.ts", {
      FLOWGATE_API_ADDRESS: sdk.server.address,
      FLOWGATE_TEST_POLL_MS: "600000",
    });
    // The loop's first claim happens at start, before this run exists: only the announcement can wake it.
    await runner.waitFor(/runner: serving .*suspends-itself\/sdk-runner/, signal);

    const run = await runDeployment("suspends-itself/sdk-runner", { parameters: { marker: "push" }, timeout: 0 });
    assert.equal((await runReaches(sdk.client, run.id, StateType.PAUSED, signal)).state?.name, "Suspended");
    await resumeFlowRun(run.id);
    await runReaches(sdk.client, run.id, StateType.COMPLETED, signal);
    assert.match(runner.output(), /push:before\n(.*\n)*push:after/);
  });
});
