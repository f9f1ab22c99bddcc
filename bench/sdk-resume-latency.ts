/**
 * Resume latency as an awaiting `pauseFlowRun` sees it: one flow pauses in a loop; for each pause the
 * bench waits for the SDK's first heartbeat (the flow is held on WaitForResume), resumes the run, and
 * times "ResumeFlowRun sent / returned → the code after pauseFlowRun runs" (the second is negative
 * when the flow wakes before the resumer's reply arrives). Server in its own process, SDK in this one, over loopback.
 *
 *   node --import tsx bench/sdk-resume-latency.ts      (FLOWGATE_BENCH_PAUSES=300 by default)
 */
import { performance } from "node:perf_hooks";
import { configure, flow, pauseFlowRun } from "../client-sdk/src/index.js";
import { benchServer, machine, summary } from "./support.js";

const N = Number(process.env["FLOWGATE_BENCH_PAUSES"] ?? 300);
const WARMUP = 20;

const { server, stop, storeKind } = await benchServer();
const client = configure({ address: server.address, apiKey: server.apiKey });
try {
  let heldResolve: (id: string) => void = () => undefined;
  let wokeAt = 0;
  const woke: (() => void)[] = [];
  const pauses = flow(
    async (count: number) => {
      for (let i = 0; i < count; i++) {
        await pauseFlowRun({ heartbeatSeconds: 300, onHeartbeat: (e) => heldResolve(e.flowRun?.id ?? "") });
        wokeAt = performance.now();
        woke.shift()?.();
      }
    },
    { name: "bench-sdk-pauses" },
  );

  const returnedToWake: number[] = [];
  const sentToWake: number[] = [];
  const nextHeld = (): Promise<string> => new Promise((r) => (heldResolve = r));
  let held = nextHeld();
  const done = pauses(N + WARMUP);
  for (let i = 0; i < N + WARMUP; i++) {
    const id = await held;
    held = nextHeld();
    const continued = new Promise<void>((r) => woke.push(r));
    const sent = performance.now();
    await client.resumeFlowRun(id);
    const returned = performance.now();
    await continued;
    if (i >= WARMUP) {
      sentToWake.push(wokeAt - sent);
      returnedToWake.push(wokeAt - returned);
    }
  }
  await done;
  console.log(`machine: ${machine()}; store: ${storeKind}; ${N} pauses after ${WARMUP} warm-up`);
  console.log(summary("SDK: Resume sent → pauseFlowRun returns", sentToWake));
  console.log(summary("SDK: Resume returned → pauseFlowRun returns", returnedToWake));
} finally {
  client.close();
  await stop();
}
