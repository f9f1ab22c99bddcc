/**
 * Memory of a server holding many WaitForResume streams: N paused runs, one stream each, server RSS
 * measured before and after the streams open (the runs themselves are created before the baseline).
 *
 *   npm run bench:streams            (FLOWGATE_BENCH_STREAMS=1000 by default)
 */
import { WaitForResumeRequest, type WaitForResumeResponse } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { StreamReader } from "../test/support/grpc-client.js";
import { benchServer, machine, rssBytes } from "./support.js";

const N = Number(process.env["FLOWGATE_BENCH_STREAMS"] ?? 1000);
const MB = 1024 * 1024;

const { server, stop, storeKind } = await benchServer();
try {
  const pid = server.child.pid!;
  const ids: string[] = [];
  const t0 = Date.now();
  for (let i = 0; i < N; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, N - i) }, async () => {
        const { flowRun } = await server.runs.createFlowRun({ flowName: "bench", state: { type: StateType.STATE_TYPE_RUNNING } });
        await server.runs.pauseFlowRun({ flowRunId: flowRun!.id, key: "1" });
        return flowRun!.id;
      }),
    );
    ids.push(...batch);
    if (ids.length % 500 === 0) console.error(`  ${ids.length}/${N} runs paused`);
  }
  const pausedIn = Date.now() - t0;
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 1000));
  const before = rssBytes(pid);

  const streams: StreamReader<WaitForResumeResponse>[] = [];
  for (const id of ids)
    streams.push(
      new StreamReader(server.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: id, key: "1", heartbeatSeconds: 60 }))),
    );
  await Promise.all(streams.map((s) => s.next(60_000)));
  await new Promise((r) => setTimeout(r, 2000));
  const after = rssBytes(pid);

  console.log(`machine: ${machine()}; store: ${storeKind}`);
  console.log(`${N} runs created and paused in ${pausedIn} ms`);
  console.log(`server RSS with ${N} paused runs and no streams: ${(before / MB).toFixed(1)} MiB`);
  console.log(`server RSS holding ${N} WaitForResume streams:     ${(after / MB).toFixed(1)} MiB`);
  console.log(`per held stream: ${((after - before) / N / 1024).toFixed(1)} KiB`);
  for (const s of streams) s.cancel();
} finally {
  await stop();
}
