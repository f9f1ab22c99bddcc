/**
 * Several servers on one store (issue 15, target 6): a resume taken by server A wakes a waiter held by
 * server B, against the same on one server, in one sitting, rounds interleaved so that both see the
 * same load. Times Resume RPC sent → waiter woken. A third pair runs with wake-up hints off
 * (FLOWGATE_PEER_ADDRESS=off): B learns of the resume from the feed's poll alone, as before hints.
 * Every server polls the feed at the default 25 ms.
 *
 *   npm run bench:multi-server          (FLOWGATE_BENCH_PAUSES=200 by default)
 */
import { loadavg } from "node:os";
import { startServerProcess, stopServers, type ServerProcess } from "../test/support/test-server.js";
import { benchServer, machine, pauseResumeRound, percentile, summary } from "./support.js";

const N = Number(process.env["FLOWGATE_BENCH_PAUSES"] ?? 200);
const WARMUP = 20;
const POLL = { FLOWGATE_EVENT_POLL_MS: "25" };

/** One pause held on `holder`, resumed through `resumer`: milliseconds from the resume sent to the waiter woken. */
async function resumeToWake(resumer: ServerProcess, holder: ServerProcess, i: number): Promise<number> {
  const { sent, woke } = await pauseResumeRound(resumer, holder, i);
  return woke - sent;
}

const { server: a, stop, storeKind } = await benchServer(POLL);
let b: ServerProcess | undefined;
let c: ServerProcess | undefined;
let d: ServerProcess | undefined;
try {
  b = await startServerProcess({ database: a.database, env: POLL });
  const off = { ...POLL, FLOWGATE_PEER_ADDRESS: "off" };
  c = await startServerProcess({ env: off });
  d = await startServerProcess({ database: c.database, env: off });
  const single: number[] = [];
  const across: number[] = [];
  const acrossPolling: number[] = [];
  const loadBefore = loadavg()[0]!;
  for (let i = 0; i < N + WARMUP; i++) {
    const s = await resumeToWake(a, a, i);
    const x = await resumeToWake(a, b, i);
    const p = await resumeToWake(c, d, i);
    if (i < WARMUP) continue;
    single.push(s);
    across.push(x);
    acrossPolling.push(p);
  }
  const ratio = (p: number): string =>
    (
      percentile(
        [...across].sort((m, n) => m - n),
        p,
      ) /
      percentile(
        [...single].sort((m, n) => m - n),
        p,
      )
    ).toFixed(2);
  console.log(`machine: ${machine()}; store: ${storeKind}; ${N} pauses each after ${WARMUP} warm-up; feed polled every 25 ms`);
  console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`);
  console.log(summary("one server: resume on A → waiter on A wakes", single));
  console.log(summary("two servers, hints: resume on A → waiter on B wakes", across));
  console.log(summary("two servers, hints off (poll only): resume on A → waiter on B wakes", acrossPolling));
  console.log(`two servers with hints / one server: p50 ×${ratio(50)}, p99 ×${ratio(99)} (target: p99 ≤ ×2)`);
} finally {
  await stopServers(b, c, d);
  await stop();
}
