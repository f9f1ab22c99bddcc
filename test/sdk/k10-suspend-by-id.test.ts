import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { resumeFlowRun, runDeployment, StateType, suspendFlowRun } from "../../client-sdk/src/index.js";
import { startRunnerProcess, type RunnerProcess } from "../support/runner-process.js";
import { runReaches, startSdkServer, type SdkServer } from "../support/sdk.js";

describe("K10 suspendFlowRun({ flowRunId }) from outside", () => {
  let sdk: SdkServer;
  let runner: RunnerProcess;
  before(async () => {
    sdk = await startSdkServer();
    runner = startRunnerProcess("test/sdk/fixtures/runner-flows.ts", { FLOWGATE_API_ADDRESS: sdk.server.address });
    await runner.ready(AbortSignal.timeout(30_000));
  });
  after(async () => {
    await runner.stop();
    await sdk.stop();
  });

  test("K10 the target stops at its next task boundary, its running task finishes, and once resumed it completes", async () => {
    const signal = AbortSignal.timeout(60_000);
    const run = await runDeployment("k10-suspended-from-outside/sdk-runner", { timeout: 0 });
    await runner.waitFor(/k10:slow:start/, signal);

    await suspendFlowRun({ flowRunId: run.id, timeout: 600 });
    const suspended = await runReaches(sdk.client, run.id, StateType.PAUSED, signal);
    assert.equal(suspended.state?.name, "Suspended");
    await runner.waitFor(new RegExp(`flow run ${run.id} process \\d+ exited with code 0`), signal);
    const first = runner.output();
    assert.match(first, /k10:slow:end/, "the running task finished");
    assert.doesNotMatch(first, /k10:after/, "the next task did not start");

    await resumeFlowRun(run.id);
    await runReaches(sdk.client, run.id, StateType.COMPLETED, signal);
    const out = runner.output();
    assert.match(out, /k10:after\n(.*\n)*k10:returned/);
    // slow's persisted result was reused: it ran once.
    assert.equal(out.match(/k10:slow:start/g)?.length, 1);
  });
});
