/**
 * What run logs cost. Three measurements, against a server process of its own:
 * (1) CreateLogs round trips: 500 lines of about 80 characters per call (the SDK's batch), one run;
 * (2) lines per second shipped: the SDK's log shipper sends lines of one run in chunks it can hold
 *     (10,000), each chunk waited for until stored — the rate a flow can log at without drops;
 * (3) a flow's slowdown: the same flow (tasks, each doing a little work and logging a line per step)
 *     with getRunLogger() lines sent, and without the log calls, alternating. The terminal copy of
 *     each line goes to a no-op sink, so (3) is what shipping costs; the flow's time includes the
 *     flush that waits for its lines before it ends. The server and its store share the machine with
 *     the flow, so (3) includes the server's work on the lines;
 * (4) what a line costs the logging process alone: formatting, buffering, batching and encoding the
 *     CreateLogs requests, with the server's answer taken as instant (a stand-in LogsClient).
 *
 *   npm run bench:logs   (FLOWGATE_BENCH_LOG_LINES=200000, FLOWGATE_BENCH_FLOW_TASKS=100, FLOWGATE_BENCH_FLOW_STEPS=100, FLOWGATE_BENCH_ROUNDS=3)
 */
import { createHash, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { configure, flow, getRunLogger, setRunLogSink, StateType, task, type LogRecordInput } from "../client-sdk/src/index.js";
import { format } from "node:util";
import * as pb from "@flowgate/contract/flowgate/v1/log_service.js";
import { LogShipper } from "../client-sdk/src/logs/log-shipper.js";
import type { LogsClient } from "../client-sdk/src/transport/logs-client.js";
import { benchServer, machine, summary } from "./support.js";

const LINES = Number(process.env["FLOWGATE_BENCH_LOG_LINES"] ?? 200_000);
const TASKS = Number(process.env["FLOWGATE_BENCH_FLOW_TASKS"] ?? 100);
const STEPS = Number(process.env["FLOWGATE_BENCH_FLOW_STEPS"] ?? 100);
const ROUNDS = Number(process.env["FLOWGATE_BENCH_ROUNDS"] ?? 3);
const CHUNK = 10_000;
const line = (i: number): string => `step ${i}: processed order ${randomUUID()} in 12 ms, 3 items`.padEnd(80, ".");

const { server, stop, storeKind } = await benchServer();
const client = configure({ address: server.address, apiKey: server.apiKey });
setRunLogSink(() => undefined);
try {
  const newRun = async (name: string): Promise<string> =>
    (await client.createFlowRun({ flowName: name, state: { type: StateType.RUNNING } })).id;

  // (1) Round trips of one batch.
  const batchRun = await newRun("bench-log-batch");
  const batch: LogRecordInput[] = Array.from({ length: 500 }, (_, i) => ({ level: "info", message: line(i), logger: "bench" }));
  const trips: number[] = [];
  for (let i = 0; i < 120; i++) {
    const t0 = performance.now();
    await client.logs.create(batchRun, batch);
    if (i >= 20) trips.push(performance.now() - t0);
  }

  // (2) Lines per second through the shipper, never dropping (a chunk fits its buffer).
  const shipRun = await newRun("bench-log-ship");
  const shipper = new LogShipper(client.logs);
  const t0 = performance.now();
  for (let sent = 0; sent < LINES; sent += CHUNK) {
    for (let i = sent; i < Math.min(LINES, sent + CHUNK); i++)
      shipper.enqueue(shipRun, { level: "info", message: line(i), logger: "bench" });
    await shipper.flush();
  }
  const shipSeconds = (performance.now() - t0) / 1000;
  const stats = shipper.snapshot();
  const stored = (await client.logs.list({ flowRunId: shipRun, pageSize: 1 })).lastSequence;

  // (3) A flow with and without its log lines.
  const step = task(
    (n: number, logging: boolean) => {
      const logger = logging ? getRunLogger() : undefined;
      let digest = String(n);
      for (let i = 0; i < STEPS; i++) {
        digest = createHash("sha256").update(digest).digest("hex");
        logger?.info("task %d step %d: %s", n, i, digest.slice(0, 16));
      }
      return digest.slice(0, 8);
    },
    { name: "bench-step" },
  );
  const work = flow(
    async (logging: boolean) => {
      for (let n = 0; n < TASKS; n++) await step(n, logging);
    },
    { name: "bench-log-flow" },
  );
  const times: Record<"on" | "off", number[]> = { on: [], off: [] };
  await work(true); // warm-up
  await work(false);
  for (let r = 0; r < ROUNDS; r++) {
    for (const logging of [true, false]) {
      const start = performance.now();
      await work(logging);
      times[logging ? "on" : "off"].push(performance.now() - start);
    }
  }
  // (4) The logging process's own share: a LogsClient that encodes each request and answers at once.
  const encoding = {
    create: (flowRunId: string, records: readonly LogRecordInput[]) => {
      const logs = records.map((r) => ({ taskRunId: "", level: 20, message: r.message, timestamp: r.timestamp, logger: r.logger ?? "" }));
      pb.CreateLogsRequest.encode(pb.CreateLogsRequest.fromPartial({ flowRunId, logs, requestId: randomUUID() })).finish();
      return Promise.resolve({ firstSequence: 0, lastSequence: 0, clippedCount: 0, trimmedCount: 0 });
    },
  } as unknown as LogsClient;
  const local = new LogShipper(encoding);
  const localLines = 200_000;
  const tLocal = performance.now();
  for (let i = 0; i < localLines; i++) {
    local.enqueue("run", { level: "info", message: format("task %d step %d: %s", i, i, "0123456789abcdef"), logger: "flowgate.task_runs" });
    if (i % CHUNK === CHUNK - 1) await local.flush();
  }
  await local.flush();
  const localMicros = ((performance.now() - tLocal) * 1000) / localLines;

  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const on = median(times.on);
  const off = median(times.off);
  const flowLines = TASKS * STEPS;

  console.log(`machine: ${machine()}; store: ${storeKind}`);
  console.log(summary("(1) CreateLogs of 500 lines (80 characters), round trip", trips));
  console.log(
    `(2) shipped ${stored.toLocaleString("en-US")} lines in ${shipSeconds.toFixed(1)} s: ${Math.round(LINES / shipSeconds).toLocaleString("en-US")} lines/s` +
      ` (sent ${stats.sent}, dropped ${stats.dropped})`,
  );
  console.log(
    `(3) flow of ${TASKS} tasks x ${STEPS} steps (${flowLines.toLocaleString("en-US")} lines), median of ${ROUNDS}:` +
      ` logging on ${(on / 1000).toFixed(2)} s, off ${(off / 1000).toFixed(2)} s;` +
      ` slowdown ${(((on - off) / off) * 100).toFixed(1)} %, ${(((on - off) * 1000) / flowLines).toFixed(1)} µs per line`,
  );
  console.log(
    `    all rounds (ms): on ${times.on.map((t) => t.toFixed(0)).join(", ")}; off ${times.off.map((t) => t.toFixed(0)).join(", ")}`,
  );
  console.log(`(4) in the logging process alone: ${localMicros.toFixed(1)} µs per line (format, buffer, batch, encode)`);
} finally {
  client.close();
  await stop();
}
