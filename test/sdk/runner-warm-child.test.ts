/**
 * Warm children (issue 15, target 5): the runner keeps one child process started, waiting for a run
 * over IPC, and hands each claimed run to it; every run still gets its own process. Read from the
 * run's state, its logs (the flows print their process id with logPrints) and the runner's lines.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { resumeFlowRun, runDeployment, StateType } from "../../client-sdk/src/index.js";
import { isAlive, startRunnerProcess, type RunnerProcess } from "../support/runner-process.js";
import { runReaches, startSdkServer, type SdkServer } from "../support/sdk.js";

const RUNNER = "test/sdk/fixtures/warm-runner-flows.ts";

describe("the runner's warm child", () => {
  let sdk: SdkServer;
  const runners: RunnerProcess[] = [];
  before(async () => {
    sdk = await startSdkServer();
  });
  after(async () => {
    for (const r of runners) await r.stop();
    await sdk.stop();
  });

  function startRunner(env: Record<string, string> = {}): RunnerProcess {
    const runner = startRunnerProcess(RUNNER, { FLOWGATE_API_ADDRESS: sdk.server.address, ...env });
    runners.push(runner);
    return runner;
  }

  async function printed(flowRunId: string): Promise<string> {
    const page = await sdk.client.logs.list({ flowRunId, pageSize: 1000, pageToken: "" });
    return page.logs.map((l) => l.message).join("\n");
  }

  /** Every process id the runner named as a run's or a spare's. */
  function processesOf(runner: RunnerProcess): number[] {
    return [...runner.output().matchAll(/(?:warm process|in process) (\d+)/g)].map((m) => Number(m[1]));
  }

  /** Stops the runner: it exits 0 and leaves no process of its own behind. */
  async function stopLeavingNothing(runner: RunnerProcess): Promise<void> {
    assert.equal(await runner.stop(), 0);
    assert.match(runner.output(), /runner: stopped/);
    const left = processesOf(runner).filter(isAlive);
    assert.deepEqual(left, [], "no run's process or spare outlives its runner");
  }

  test("a suspended run, resumed, runs again in a warm child: each execution in a process of its own, its prints in the run's logs", async () => {
    const signal = AbortSignal.timeout(90_000);
    const runner = startRunner();
    await runner.ready(signal);

    const run = await runDeployment("suspends-once/warm-runner", { parameters: { marker: "w1" }, timeout: 0 });
    assert.equal((await runReaches(sdk.client, run.id, StateType.PAUSED, signal)).state?.name, "Suspended");
    await resumeFlowRun(run.id);
    await runReaches(sdk.client, run.id, StateType.COMPLETED, signal);

    const logs = await printed(run.id);
    const pids = [...logs.matchAll(/^w1:pid:(\d+)$/gm)].map((m) => Number(m[1]));
    assert.equal(pids.length, 2, logs);
    const [first, second] = pids as [number, number];
    assert.notEqual(first, second, "the resumed run ran in a new process");
    assert.match(logs, new RegExp(`^w1:after:pid:${second}:runner-env:\\[\\]$`, "m"), "no runner variable reaches the flow");
    for (const pid of [first, second]) {
      await runner.waitFor(new RegExp(`flow run ${run.id} \\(suspends-once\\) started in warm process ${pid}\\n`), signal);
      await runner.waitFor(new RegExp(`flow run ${run.id} process ${pid} exited with code 0`), signal);
    }
    await stopLeavingNothing(runner);
  });

  test("a spare killed before it is given a run is replaced, no run is marked, and the next run runs in the replacement", async () => {
    const signal = AbortSignal.timeout(90_000);
    const runner = startRunner();
    await runner.ready(signal);
    const killed = Number((await runner.waitFor(/warm process (\d+) is ready for the next run/, signal))[1]);
    process.kill(killed, "SIGKILL");
    await runner.waitFor(new RegExp(`warm process ${killed} ended before it was given a run \\(code SIGKILL\\)`), signal);
    const replacement = Number(
      (await runner.waitFor(new RegExp(`warm process (?!${killed}\\b)(\\d+) is ready for the next run`), signal))[1],
    );

    const run = await runDeployment("says-pid/warm-runner", { parameters: { marker: "w2" }, timeout: null, signal });
    assert.equal(run.state?.type, StateType.COMPLETED);
    assert.match(await printed(run.id), new RegExp(`^w2:pid:${replacement}$`, "m"));
    const { flowRuns } = await sdk.client.listFlowRuns({ stateTypes: [StateType.CRASHED] });
    assert.deepEqual(
      flowRuns.map((r) => r.id),
      [],
      "the spare's death marked no run",
    );
    await stopLeavingNothing(runner);
  });

  test("a run in a warm child cancelled while it runs: its process is stopped and the run ends CANCELLED", async () => {
    const signal = AbortSignal.timeout(90_000);
    const runner = startRunner();
    await runner.ready(signal);

    const run = await runDeployment("runs-long/warm-runner", { timeout: 0 });
    const pid = Number((await runner.waitFor(/runs-long:started:(\d+)/, signal))[1]);
    assert.match(runner.output(), new RegExp(`flow run ${run.id} \\(runs-long\\) started in warm process ${pid}\\n`));
    await sdk.client.cancelFlowRun(run.id);
    const cancelled = await runReaches(sdk.client, run.id, StateType.CANCELLED, signal);
    assert.match(cancelled.state?.message ?? "", /runner stopped the flow run's process/);
    await runner.waitFor(new RegExp(`flow run ${run.id} process ${pid} exited with code (143|SIGTERM)`), signal);
    assert.equal(isAlive(pid), false);
    assert.doesNotMatch(runner.output(), /runs-long:finished/);
    await stopLeavingNothing(runner);
  });

  test("a runner stopped while its spare waits ends the spare too", async () => {
    const signal = AbortSignal.timeout(90_000);
    const runner = startRunner();
    await runner.ready(signal);
    const spare = Number((await runner.waitFor(/warm process (\d+) is ready for the next run/, signal))[1]);
    assert.equal(isAlive(spare), true);
    await stopLeavingNothing(runner);
    assert.equal(isAlive(spare), false);
  });

  test("FLOWGATE_RUNNER_WARM_CHILD=0: no spare; each run's process starts once the run is claimed", async () => {
    const signal = AbortSignal.timeout(90_000);
    const runner = startRunner({ FLOWGATE_RUNNER_WARM_CHILD: "0" });
    await runner.ready(signal);
    const run = await runDeployment("says-pid/warm-runner", { parameters: { marker: "w5" }, timeout: null, signal });
    assert.equal(run.state?.type, StateType.COMPLETED);
    const pid = Number(/^w5:pid:(\d+)$/m.exec(await printed(run.id))?.[1]);
    assert.match(runner.output(), new RegExp(`flow run ${run.id} \\(says-pid\\) started in process ${pid}\\n`));
    assert.doesNotMatch(runner.output(), /warm process/);
    await stopLeavingNothing(runner);
  });
});
