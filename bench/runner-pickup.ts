/**
 * How soon a resumed suspend runs again: a runner serves a flow that suspends itself every round; the
 * benchmark resumes it and times, from the resume being sent, (a) a runner claiming it (PENDING) and
 * (b) its new child process reporting RUNNING. Times are when this process sees the events on
 * WatchFlowRun, so they include the watch's delivery.
 *
 *   npm run bench:runner        (FLOWGATE_BENCH_ROUNDS=20; FLOWGATE_BENCH_POLL_MS sets the runner's pollIntervalMs)
 */
import { performance } from "node:perf_hooks";
import { StateType } from "../client-sdk/src/index.js";
import { configure, resumeFlowRun, runDeployment } from "../client-sdk/src/index.js";
import { startRunnerProcess } from "../test/support/runner-process.js";
import { benchServer, machine, summary } from "./support.js";

const ROUNDS = Number(process.env["FLOWGATE_BENCH_ROUNDS"] ?? 20);

const { server, stop, storeKind } = await benchServer();
const client = configure({ address: server.address });
const runner = startRunnerProcess("bench/fixtures/pickup-runner.ts", {
  FLOWGATE_API_ADDRESS: server.address,
  FLOWGATE_BENCH_ROUNDS: String(ROUNDS),
});
try {
  await runner.waitFor(/runner: serving/, AbortSignal.timeout(60_000));
  const run = await runDeployment("suspends-often/bench", { timeout: 0 });
  const watch = client.watchFlowRun(run.id)[Symbol.asyncIterator]();
  const next = async (type: StateType, name?: string): Promise<number> => {
    for (;;) {
      const { value, done } = await watch.next();
      if (done) throw new Error(`the watch ended before ${type}`);
      if (value.flowRun.state?.type === type && (name === undefined || value.flowRun.state.name === name)) return performance.now();
    }
  };
  await next(StateType.PAUSED, "Suspended");
  const claimed: number[] = [];
  const running: number[] = [];
  for (let i = 1; i < ROUNDS; i++) {
    const sent = performance.now();
    await resumeFlowRun(run.id);
    claimed.push((await next(StateType.PENDING)) - sent);
    running.push((await next(StateType.RUNNING)) - sent);
    await next(StateType.PAUSED, "Suspended");
  }
  await resumeFlowRun(run.id);
  await next(StateType.COMPLETED);
  console.log(`machine: ${machine()}; store: ${storeKind}; ${ROUNDS - 1} resumes of one suspended run`);
  console.log(summary("resume sent → claimed by the runner (PENDING)", claimed));
  console.log(summary("resume sent → new child process RUNNING", running));
} finally {
  await runner.stop();
  client.close();
  await stop();
}
