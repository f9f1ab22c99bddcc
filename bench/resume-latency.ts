/**
 * Resume latency over loopback: a client holds WaitForResume on a paused run, another call resumes it,
 * and we time (a) Resume RPC sent → waiter wakes and (b) Resume RPC returned → waiter wakes (negative
 * when the waiter wakes before the resumer's reply arrives, which is the usual case: the server wakes
 * local waiters before it answers). Also pause → resume cycles per second, one at a time.
 *
 *   npm run bench:latency            (FLOWGATE_BENCH_PAUSES=300 by default)
 */
import { performance } from "node:perf_hooks";
import { benchServer, machine, pauseResumeRound, summary } from "./support.js";

const N = Number(process.env["FLOWGATE_BENCH_PAUSES"] ?? 300);
const WARMUP = 20;

const { server, stop, storeKind } = await benchServer();
try {
  const sentToWake: number[] = [];
  const returnedToWake: number[] = [];
  const cycle: number[] = [];
  for (let i = 0; i < N + WARMUP; i++) {
    const c0 = performance.now();
    const { sent, returned, woke } = await pauseResumeRound(server, server, i);
    if (i >= WARMUP) {
      sentToWake.push(woke - sent);
      returnedToWake.push(woke - returned);
      cycle.push(performance.now() - c0);
    }
  }
  const total = cycle.reduce((a, b) => a + b, 0);
  console.log(`machine: ${machine()}; store: ${storeKind}; ${N} pauses after ${WARMUP} warm-up`);
  console.log(summary("Resume sent → waiter wakes", sentToWake));
  console.log(summary("Resume returned → waiter wakes", returnedToWake));
  console.log(summary("create + pause + wait + resume cycle", cycle));
  console.log(`sequential pause → resume cycles per second: ${((N / total) * 1000).toFixed(1)}`);
} finally {
  await stop();
}
