import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { resumeFlowRun, runDeployment, StateType } from "../../client-sdk/src/index.js";
import { isAlive, showingOutputOnFailure, startRunnerProcess, type RunnerProcess } from "../support/runner-process.js";
import { runReaches, startSdkServer, type SdkServer } from "../support/sdk.js";

const RUNNER = "test/sdk/fixtures/runner-flows.ts";

describe("the runner: cancellation and announced runs", () => {
  let sdk: SdkServer;
  const runners: RunnerProcess[] = [];
  before(async () => {
    sdk = await startSdkServer();
  });
  after(async () => {
    for (const r of runners) await r.stop();
    await sdk.stop();
  });

  test("a run cancelled while it runs: CANCELLING → its child process ends → CANCELLED; the runner keeps serving", async (t) => {
    // Two process starts and a cancellation grace on a machine CI may load with browsers: generous.
    const signal = AbortSignal.timeout(180_000);
    const runner = startRunnerProcess(RUNNER, { FLOWGATE_API_ADDRESS: sdk.server.address });
    runners.push(runner);
    // However this test ends, its runner must not stay to claim the next test's runs.
    t.after(() => runner.stop());
    await runner.ready(signal);
    await showingOutputOnFailure(runner, async () => {
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
      // Stopped, so that no other runner of these deployments is left for the next test.
      assert.equal(await runner.stop(), 0);
    });
  });

  test("runs are claimed as the server announces them: with polling every 10 minutes, a new run and a resumed suspend run within seconds", async (t) => {
    // Two process starts and a cancellation grace on a machine CI may load with browsers: generous.
    const signal = AbortSignal.timeout(180_000);
    const runner = startRunnerProcess(RUNNER, {
      FLOWGATE_API_ADDRESS: sdk.server.address,
      FLOWGATE_TEST_POLL_MS: "600000",
    });
    runners.push(runner);
    t.after(() => runner.stop());
    // The loop's first claim happens at start, before this run exists: only the announcement can wake it.
    await runner.ready(signal);
    await showingOutputOnFailure(runner, async () => {
      const run = await runDeployment("suspends-itself/sdk-runner", { parameters: { marker: "push" }, timeout: 0 });
      assert.equal((await runReaches(sdk.client, run.id, StateType.PAUSED, signal)).state?.name, "Suspended");
      await resumeFlowRun(run.id);
      await runReaches(sdk.client, run.id, StateType.COMPLETED, signal);
      // The flow's process prints into the runner's output pipe, read a moment after the run completes.
      await runner.waitFor(/push:after/, signal);
      assert.match(runner.output(), /push:before\n(.*\n)*push:after/);
    });
  });
});
