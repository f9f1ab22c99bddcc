/**
 * The cost of the n-th pause of one run: one run pauses in a loop (pause key n → wait → resume), and
 * the cycle time is printed per block of pauses, so growth with the number of ended pauses shows.
 * Also cycles per second over the whole loop.
 *
 *   npm run bench:pause-loop          (FLOWGATE_BENCH_PAUSES=1000 by default)
 */
import { performance } from "node:perf_hooks";
import { WaitEventType, WaitForResumeRequest } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { StreamReader } from "../test/support/grpc-client.js";
import { benchServer, machine, summary } from "./support.js";

const N = Number(process.env["FLOWGATE_BENCH_PAUSES"] ?? 1000);
const BLOCK = Math.max(1, Math.floor(N / 5));

const { server, stop, storeKind } = await benchServer();
try {
  const { flowRun } = await server.runs.createFlowRun({ flowName: "bench-loop", state: { type: StateType.STATE_TYPE_RUNNING } });
  const id = flowRun!.id;
  const cycles: number[] = [];
  const started = performance.now();
  for (let i = 1; i <= N; i++) {
    const c0 = performance.now();
    await server.runs.pauseFlowRun({ flowRunId: id, key: `p${i}` });
    const wait = new StreamReader(server.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: id, key: `p${i}` })));
    await wait.next(); // the first heartbeat: the waiter is attached
    const resumed = wait.next();
    await server.runs.resumeFlowRun({ flowRunId: id, runInput: { i } });
    const e = await resumed;
    if (e.type !== WaitEventType.WAIT_EVENT_TYPE_RESUMED) throw new Error(`unexpected event ${e.type}`);
    cycles.push(performance.now() - c0);
  }
  const total = performance.now() - started;
  console.log(`machine: ${machine()}; store: ${storeKind}; one run, ${N} pauses in a loop`);
  for (let from = 0; from < N; from += BLOCK) {
    console.log(summary(`pauses ${from + 1}–${Math.min(from + BLOCK, N)}: pause + wait + resume cycle`, cycles.slice(from, from + BLOCK)));
  }
  console.log(`cycles per second, one flow pausing in a loop: ${((N / total) * 1000).toFixed(1)}`);
} finally {
  await stop();
}
