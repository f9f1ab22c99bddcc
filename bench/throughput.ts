/**
 * Throughput (issue 15, target 3): C concurrent clients, each on a connection of its own, create and
 * pause N runs in all (CreateFlowRun RUNNING, then PauseFlowRun), then resume them all (ResumeFlowRun).
 * Prints runs created and paused per second, resumes per second, and each phase's latency per call;
 * every call must succeed, and afterwards every run must be stored RUNNING (each acknowledged resume
 * is durable) or the benchmark fails.
 *
 *   npm run bench:throughput        (FLOWGATE_BENCH_CLIENTS=50 FLOWGATE_BENCH_RUNS=2000 by default)
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { MongoClient } from "mongodb";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { connect, type TestClients } from "../test/support/grpc-client.js";
import { benchServer, machine, summary } from "./support.js";

const CLIENTS = Number(process.env["FLOWGATE_BENCH_CLIENTS"] ?? 50);
const RUNS = Number(process.env["FLOWGATE_BENCH_RUNS"] ?? 2000);

const { server, stop, storeKind } = await benchServer();
const clients: TestClients[] = Array.from({ length: CLIENTS }, () => connect(server.address, server.apiKey));
try {
  const loadBefore = loadavg()[0]!;
  // A few calls first, so that connections, code and the store's tables are warm.
  await Promise.all(clients.map((c) => c.runs.createFlowRun({ flowName: "warm-up", state: { type: StateType.STATE_TYPE_RUNNING } })));

  const ids: string[] = [];
  const created = await phase("create + pause", async (c) => {
    const { flowRun } = await c.runs.createFlowRun({ flowName: "bench-throughput", state: { type: StateType.STATE_TYPE_RUNNING } });
    await c.runs.pauseFlowRun({ flowRunId: flowRun!.id, key: "1" });
    ids.push(flowRun!.id);
  });
  const queue = [...ids];
  const resumed = await phase("resume", async (c) => {
    const id = queue.pop()!;
    await c.runs.resumeFlowRun({ flowRunId: id });
  });
  await assertAllRunning(ids);

  console.log(
    `machine: ${machine()}; store: ${storeKind}; ${CLIENTS} clients, ${RUNS} runs; load average (1 min) ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`,
  );
  console.log(`| phase | calls/s (runs/s) | latency per run |`);
  console.log(`|---|---|---|`);
  for (const p of [created, resumed]) console.log(`| ${p.label} | **${p.perSecond.toFixed(0)}** | ${p.latency} |`);
  console.log(`every one of the ${ids.length} runs is stored RUNNING after its acknowledged resume`);
  console.log(`\nreproduce: FLOWGATE_BENCH_CLIENTS=${CLIENTS} FLOWGATE_BENCH_RUNS=${RUNS} npm run bench:throughput`);
} finally {
  for (const c of clients) c.close();
  await stop();
}

/** RUNS calls of `one` in all, CLIENTS at a time, each client taking the next as soon as it is done. */
async function phase(
  label: string,
  one: (c: TestClients) => Promise<void>,
): Promise<{ label: string; perSecond: number; latency: string }> {
  let left = RUNS;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      while (left > 0) {
        left--;
        const s = performance.now();
        await one(c);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  console.error(`${label}: ${RUNS} in ${seconds.toFixed(1)} s`);
  return { label, perSecond: RUNS / seconds, latency: summary("", latencies).replace(/^: /, "") };
}

/** Reads the runs straight from the store: an acknowledged resume must be there. */
async function assertAllRunning(runIds: string[]): Promise<void> {
  const store = new MongoClient(process.env["FLOWGATE_MONGODB_URI"]!);
  try {
    const runs = store.db(server.database).collection<{ _id: string; state?: { type?: string } }>("flow_runs");
    let notRunning = 0;
    for (let i = 0; i < runIds.length; i += 500) {
      const docs = await runs.find({ _id: { $in: runIds.slice(i, i + 500) } }, { projection: { "state.type": 1 } }).toArray();
      notRunning += runIds.slice(i, i + 500).length - docs.filter((d) => d.state?.type === "RUNNING").length;
    }
    if (notRunning > 0) throw new Error(`${notRunning} of ${runIds.length} resumed runs are not stored RUNNING`);
  } finally {
    await store.close();
  }
}
