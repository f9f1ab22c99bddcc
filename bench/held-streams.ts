/**
 * Memory of a server holding many WaitForResume streams: N paused runs, one stream each, server memory
 * measured before and after the streams open. The runs are paused through one server; a second,
 * fresh server over the same database, from the compiled build as deployed (bench/dist-server.ts,
 * so run `npm run build` first), holds the streams, so its baseline is an idle server and not
 * one full of the pausing's garbage (which malloc keeps and the streams would reuse). Both run with
 * bench/memory-probe.mjs preloaded, so each measurement follows a full GC and splits RSS into the JS
 * heap, external memory (ArrayBuffers and other off-heap memory V8 is told of) and the rest (native
 * state such as nghttp2's, malloc, code). Writing a heap snapshot grows RSS itself, so with snapshots
 * on, only the heap figures and the diff are worth reading.
 *
 *   npm run bench:streams            (FLOWGATE_BENCH_STREAMS=1000 by default)
 *   FLOWGATE_BENCH_SNAPSHOTS=1 npm run bench:streams    also diffs heap snapshots by constructor
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WaitForResumeRequest, type WaitForResumeResponse } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { StreamReader } from "../test/support/grpc-client.js";
import { startDistServer, type DistServer } from "./dist-server.js";
import { diff, groups, report } from "./heap-diff.js";
import { benchServer, machine } from "./support.js";

const N = Number(process.env["FLOWGATE_BENCH_STREAMS"] ?? 1000);
const SNAPSHOTS = process.env["FLOWGATE_BENCH_SNAPSHOTS"] === "1";
const MB = 1024 * 1024;

interface Probe {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  heap: { total_heap_size: number; malloced_memory: number };
  snapshot?: string;
}

const probeDir = mkdtempSync(join(tmpdir(), "flowgate-probe-"));
process.env["FLOWGATE_PROBE_DIR"] = probeDir;
process.env["FLOWGATE_SERVER_NODE_FLAGS"] = [
  process.env["FLOWGATE_SERVER_NODE_FLAGS"] ?? "",
  "--expose-gc",
  "--import",
  new URL("./memory-probe.mjs", import.meta.url).href,
].join(" ");

/** Asks the server's probe for its memory (after a GC), and a heap snapshot if `snapshot`. */
async function probe(server: DistServer, snapshot: boolean): Promise<Probe> {
  const seen = server.logs.length;
  server.child.kill(snapshot ? "SIGUSR2" : "SIGWINCH");
  for (;;) {
    const line = server.logs.slice(seen).find((l) => l.startsWith("memory-probe "));
    if (line) return JSON.parse(line.slice("memory-probe ".length)) as Probe;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const { server: pauser, stop, storeKind } = await benchServer();
let server: DistServer | undefined;
try {
  const ids: string[] = [];
  const t0 = Date.now();
  for (let i = 0; i < N; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, N - i) }, async () => {
        const { flowRun } = await pauser.runs.createFlowRun({ flowName: "bench", state: { type: StateType.STATE_TYPE_RUNNING } });
        await pauser.runs.pauseFlowRun({ flowRunId: flowRun!.id, key: "1" });
        return flowRun!.id;
      }),
    );
    ids.push(...batch);
    if (ids.length % 500 === 0) console.error(`  ${ids.length}/${N} runs paused`);
  }
  const pausedIn = Date.now() - t0;
  server = await startDistServer({ database: pauser.database, dataDir: pauser.dataDir, apiKey: pauser.apiKey });
  // One stream opened and closed first, so code and buffers every stream shares are in the baseline.
  const warm = new StreamReader(
    server.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: ids[0]!, key: "1", heartbeatSeconds: 60 })),
  );
  await warm.next(60_000);
  warm.cancel();
  await new Promise((r) => setTimeout(r, 1000));
  const before = await probe(server, SNAPSHOTS);

  const streams: StreamReader<WaitForResumeResponse>[] = [];
  for (const id of ids)
    streams.push(
      new StreamReader(server.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: id, key: "1", heartbeatSeconds: 60 }))),
    );
  await Promise.all(streams.map((s) => s.next(60_000)));
  await new Promise((r) => setTimeout(r, 2000));
  const after = await probe(server, SNAPSHOTS);

  const kib = (a: number, b: number): string => `${((b - a) / N / 1024).toFixed(1)} KiB`;
  const heapOf = (p: Probe): number => p.heap.total_heap_size;
  const restOf = (p: Probe): number => p.rss - heapOf(p) - p.external;
  console.log(`machine: ${machine()}; store: ${storeKind}`);
  console.log(`${N} runs created and paused in ${pausedIn} ms`);
  console.log(`server RSS with ${N} paused runs and no streams: ${(before.rss / MB).toFixed(1)} MiB`);
  console.log(`server RSS holding ${N} WaitForResume streams:     ${(after.rss / MB).toFixed(1)} MiB`);
  console.log(`per held stream: ${kib(before.rss, after.rss)}`);
  console.log(`  JS heap used (after GC):           ${kib(before.heapUsed, after.heapUsed)}`);
  console.log(`  JS heap committed:                 ${kib(heapOf(before), heapOf(after))}`);
  console.log(
    `  external (of which ArrayBuffers):  ${kib(before.external, after.external)} (${kib(before.arrayBuffers, after.arrayBuffers)})`,
  );
  console.log(`  RSS outside heap and external:     ${kib(restOf(before), restOf(after))}`);
  if (before.snapshot && after.snapshot) console.log(report(diff(groups(before.snapshot), groups(after.snapshot)), N, 30));
  for (const s of streams) s.cancel();
} finally {
  await stop();
  // The snapshots stay for a closer look (bench/heap-diff.ts); without them the directory is empty.
  if (SNAPSHOTS) console.log(`heap snapshots in ${probeDir}`);
  else rmSync(probeDir, { recursive: true, force: true });
}
