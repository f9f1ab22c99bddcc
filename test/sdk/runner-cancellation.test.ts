import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { runDeployment, StateType } from "../../client-sdk/src/index.js";
import { startRunnerProcess, type RunnerProcess } from "../support/runner-process.js";
import { runReaches, startSdkServer, type SdkServer } from "../support/sdk.js";

const RUNNER = "test/sdk/fixtures/runner-flows.ts";
const READY = /runner: serving .*runs-long\/sdk-runner/;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("a runner stops the process of a run cancelled while it runs", () => {
  let sdk: SdkServer;
  let runner: RunnerProcess | undefined;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(async () => {
    await runner?.stop();
    await sdk.stop();
  });

  test("CANCELLING → the child process ends → CANCELLED; the runner keeps serving", async () => {
    const signal = AbortSignal.timeout(60_000);
    runner = startRunnerProcess(RUNNER, { FLOWGATE_API_ADDRESS: sdk.server.address });
    await runner.waitFor(READY, signal);

    const run = await runDeployment("runs-long/sdk-runner", { timeout: 0 });
    const pid = Number((await runner.waitFor(/runs-long:started:(\d+)/, signal))[1]);
    assert.equal(isAlive(pid), true);

    const cancelling = await sdk.client.cancelFlowRun(run.id);
    assert.equal(cancelling.state?.type, StateType.CANCELLING);
    const cancelled = await runReaches(sdk.client, run.id, StateType.CANCELLED, signal);
    assert.match(cancelled.state?.message ?? "", /runner stopped the flow run's process/);
    await runner.waitFor(new RegExp(`flow run ${run.id}: cancelling; stopping process ${pid}`), signal);
    // At SIGTERM, though the script itself handles SIGTERM (to stop serving): not after the SIGKILL grace.
    await runner.waitFor(new RegExp(`flow run ${run.id} process ${pid} exited with code (143|SIGTERM)`), signal);
    assert.equal(isAlive(pid), false, "the cancelled run's process is gone");
    assert.doesNotMatch(runner.output(), /runs-long:finished/);

    // Still serving: the next run starts.
    const next = await runDeployment("runs-long/sdk-runner", { timeout: 0 });
    await runReaches(sdk.client, next.id, StateType.RUNNING, signal);
    await sdk.client.cancelFlowRun(next.id);
    await runReaches(sdk.client, next.id, StateType.CANCELLED, signal);
  });
});
