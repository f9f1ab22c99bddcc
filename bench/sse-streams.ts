/**
 * Opening many streams at once (issue 13 item 6): N paused runs; then N SSE streams on
 * GET /api/runs/:id/events (one per run), N on GET /api/events (every run: up to 500 initial events
 * each), and N gRPC WaitForResume streams, all asked for at once. Prints, per kind, the time until
 * every stream had its first event and first-event p50/p99; and the server's RSS before, while held,
 * and after all closed (after a full GC in the server: SIGUSR2, see gc-on-signal.mjs).
 *
 *   npm run bench:sse-streams           (FLOWGATE_BENCH_STREAMS=2000 by default)
 *   FLOWGATE_BENCH_CPU_PROF=/tmp/prof npm run bench:sse-streams    (writes the server's .cpuprofile there)
 */
import { request, Agent } from "node:http";
import { fileURLToPath } from "node:url";
import { WaitForResumeRequest, type WaitForResumeResponse } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { StreamReader } from "../test/support/grpc-client.js";
import { benchServer, machine, percentile, rssBytes } from "./support.js";

const N = Number(process.env["FLOWGATE_BENCH_STREAMS"] ?? 2000);
const MB = 1024 * 1024;
const cpuProf = process.env["FLOWGATE_BENCH_CPU_PROF"];
const gcHook = fileURLToPath(new URL("./gc-on-signal.mjs", import.meta.url));

const { server, stop, storeKind } = await benchServer({
  NODE_OPTIONS: `--expose-gc --import ${gcHook}`,
  ...(cpuProf ? { FLOWGATE_BENCH_CPU_PROF: cpuProf } : {}),
  // The bench holds N streams of each kind for one principal: room for all of them.
  FLOWGATE_MAX_STREAMS_PER_PRINCIPAL: String(4 * N),
  FLOWGATE_MAX_STREAMS: String(4 * N),
});
const pid = server.child.pid!;
// The server's last words, should it die under the load (printed with its exit).
const lastLines: string[] = [];
server.child.stderr?.on(
  "data",
  (chunk: Buffer) => lastLines.push(...chunk.toString().split("\n").slice(-20)) && lastLines.splice(0, lastLines.length - 20),
);
server.child.once("exit", (code, signal) => {
  if (!stopping) console.error(`the server exited (code ${code}, signal ${signal}):\n${lastLines.join("\n")}`);
});
let stopping = false;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const settledRss = async (): Promise<number> => {
  process.kill(pid, "SIGUSR2");
  await sleep(2000);
  return rssBytes(pid);
};

interface Opened {
  firstEventMs: number;
  close: () => void;
}

const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

/** One SSE stream: resolves at its first `event:` line (comments do not count). */
function openSse(path: string): Promise<Opened> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const [host, port] = server.httpAddress.split(":");
    const req = request(
      { host, port: Number(port), path, agent, headers: { authorization: server.authHeader, accept: "text/event-stream" } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`${path}: HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        let seen = false;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (!seen && /(^|\n)event: /.test(chunk)) {
            seen = true;
            resolve({ firstEventMs: performance.now() - t0, close: () => req.destroy() });
          }
        });
        res.on("error", () => undefined);
      },
    );
    req.on("error", (err) => {
      if (!(err as NodeJS.ErrnoException).code?.startsWith("ECONNRESET")) reject(err);
    });
    req.end();
  });
}

async function openGrpc(id: string): Promise<Opened> {
  const t0 = performance.now();
  const reader = new StreamReader<WaitForResumeResponse>(
    server.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: id, key: "1", heartbeatSeconds: 60 })),
  );
  await reader.next(300_000);
  return { firstEventMs: performance.now() - t0, close: () => reader.cancel() };
}

async function measure(label: string, open: () => Promise<Opened>[]): Promise<void> {
  const before = await settledRss();
  const t0 = performance.now();
  let peak = before;
  const sampler = setInterval(() => {
    if (server.child.exitCode === null && server.child.signalCode === null) peak = Math.max(peak, rssBytes(pid));
  }, 250);
  const opened = await Promise.all(open());
  const allMs = performance.now() - t0;
  await sleep(1000);
  const held = rssBytes(pid);
  clearInterval(sampler);
  peak = Math.max(peak, held);
  for (const o of opened) o.close();
  await sleep(3000);
  const after = await settledRss();
  const first = opened.map((o) => o.firstEventMs).sort((a, b) => a - b);
  console.log(
    `${label}: ${opened.length} opened in ${(allMs / 1000).toFixed(1)} s; first event p50 ${percentile(first, 50).toFixed(0)} ms, ` +
      `p99 ${percentile(first, 99).toFixed(0)} ms; RSS before ${(before / MB).toFixed(0)} MiB, peak ${(peak / MB).toFixed(0)} MiB, ` +
      `held ${(held / MB).toFixed(0)} MiB, after close + GC ${(after / MB).toFixed(0)} MiB`,
  );
}

try {
  const ids: string[] = [];
  for (let i = 0; i < N; i += 50) {
    ids.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, N - i) }, async () => {
          const { flowRun } = await server.runs.createFlowRun({ flowName: "bench", state: { type: StateType.STATE_TYPE_RUNNING } });
          await server.runs.pauseFlowRun({ flowRunId: flowRun!.id, key: "1" });
          return flowRun!.id;
        }),
      )),
    );
  }
  console.log(`machine: ${machine()}; store: ${storeKind}; ${N} paused runs`);
  await measure(`SSE /api/runs/:id/events × ${N}`, () => ids.map((id) => openSse(`/api/runs/${id}/events`)));
  await measure(`SSE /api/events × ${N} (${Math.min(N, 500)} initial events each)`, () => ids.map(() => openSse("/api/events")));
  await measure(`gRPC WaitForResume × ${N}`, () => ids.map((id) => openGrpc(id)));
} finally {
  stopping = true;
  await stop();
  agent.destroy();
}
