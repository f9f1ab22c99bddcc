/**
 * How many store commands each step of a pause costs, counted on the wire: the server talks to the
 * embedded store through a counting proxy that reads each request's command name and collection.
 * Counts do not depend on how busy the machine is, so they show what a change to the store path saved
 * where a latency figure on a shared machine cannot. Background work (the event feed's poll, health
 * pings, housekeeping) is counted over an idle spell and shown apart.
 *
 * Then the same proxy holds every request back for a fixed delay (a slow store, or a store across a
 * network), and a resume's wake-up time divided by that delay is the number of store round trips the
 * wake-up waits for, one after another: what a resume costs on a store 1 ms away.
 *
 *   npm run bench:store-trips          (FLOWGATE_BENCH_RUNS=50, FLOWGATE_BENCH_STORE_DELAY_MS=10 by default)
 */
import { createServer, connect, type Socket } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { deserialize } from "bson";
import { WaitEventType, WaitForResumeRequest, type WaitForResumeResponse } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { startEmbeddedStore } from "../server/src/embedded-store/launcher.js";
import { startServerProcess } from "../test/support/test-server.js";
import { StreamReader } from "../test/support/grpc-client.js";

const RUNS = Number(process.env["FLOWGATE_BENCH_RUNS"] ?? 50);
const DELAY_MS = Number(process.env["FLOWGATE_BENCH_STORE_DELAY_MS"] ?? 10);
const OP_MSG = 2013;

/** Commands seen since the last take(), by "command collection". */
class CommandTally {
  private counts = new Map<string, number>();
  /** While set, every command with its time: the order a step's commands go out in. */
  trace: { at: number; name: string }[] | undefined;

  record(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    this.trace?.push({ at: performance.now(), name });
  }

  take(): Map<string, number> {
    const taken = this.counts;
    this.counts = new Map();
    return taken;
  }
}

/** The command name and its collection ("insert flow_runs"), from one OP_MSG request. */
function commandOf(message: Buffer): string | undefined {
  if (message.readInt32LE(12) !== OP_MSG) return undefined;
  // Header (16 bytes), flag bits (4), then section kind 0: the command document.
  if (message[20] !== 0) return undefined;
  const size = message.readInt32LE(21);
  const doc = deserialize(message.subarray(21, 21 + size));
  const name = Object.keys(doc)[0];
  if (!name) return undefined;
  const target = doc[name] as unknown;
  return typeof target === "string" ? `${name} ${target}` : name;
}

/** A TCP proxy in front of the store that tallies every request the server sends. */
async function countingProxy(storePort: number, tally: CommandTally, delayMs: () => number): Promise<{ port: number; close: () => void }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const store = connect(storePort, "127.0.0.1");
    sockets.add(client).add(store);
    let pending = Buffer.alloc(0);
    client.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const length = pending.readInt32LE(0);
        const name = commandOf(pending.subarray(0, length));
        if (name) tally.record(name);
        pending = pending.subarray(length);
      }
      // Every chunk waits the same time, so timers keep them in order.
      const wait = delayMs();
      if (wait > 0) setTimeout(() => store.write(chunk), wait);
      else store.write(chunk);
    });
    store.on("data", (chunk) => client.write(chunk));
    const end = (): void => {
      client.destroy();
      store.destroy();
    };
    client.on("close", end).on("error", end);
    store.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the proxy has no port");
  return {
    port: address.port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

function perRun(counts: Map<string, number>, runs: number, idlePerMs: Map<string, number>, ms: number): string[] {
  const lines: string[] = [];
  let total = 0;
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1])) {
    // What the background would have sent in the same time is not the step's.
    const own = Math.max(0, n - (idlePerMs.get(name) ?? 0) * ms) / runs;
    if (own < 0.05) continue;
    total += own;
    lines.push(`    ${own.toFixed(2).padStart(6)}  ${name}`);
  }
  return [`  ${total.toFixed(2)} commands per run`, ...lines];
}

const store = await startEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), "flowgate-trips-")), listen: "tcp" });
const storePort = Number(/:(\d+)/.exec(store.uri.replace("mongodb://", ""))?.[1]);
const tally = new CommandTally();
let storeDelayMs = 0;
const proxy = await countingProxy(storePort, tally, () => storeDelayMs);
const server = await startServerProcess({ env: { FLOWGATE_MONGODB_URI: `mongodb://127.0.0.1:${proxy.port}/?directConnection=true` } });
try {
  // Warm up (schema, keys, caches), then learn the background rate while nothing happens.
  for (let i = 0; i < 5; i++) await server.runs.createFlowRun({ flowName: "warm-up" });
  await delay(500);
  tally.take();
  const idleMs = 3_000;
  await delay(idleMs);
  const idlePerMs = new Map([...tally.take()].map(([k, v]) => [k, v / idleMs]));

  const steps: { label: string; run: (id: string) => Promise<void> }[] = [];
  const ids: string[] = [];
  const waits = new Map<string, StreamReader<WaitForResumeResponse>>();
  steps.push({
    label: "CreateFlowRun (RUNNING)",
    run: async () =>
      void ids.push((await server.runs.createFlowRun({ flowName: "trips", state: { type: StateType.STATE_TYPE_RUNNING } })).flowRun!.id),
  });
  steps.push({ label: "PauseFlowRun", run: async (id) => void (await server.runs.pauseFlowRun({ flowRunId: id, key: "1" })) });
  steps.push({
    label: "WaitForResume attached (first heartbeat)",
    run: async (id) => {
      const wait = new StreamReader(server.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: id, key: "1" })));
      await wait.next();
      waits.set(id, wait);
    },
  });
  steps.push({
    label: "ResumeFlowRun, until the waiter has RESUMED",
    run: async (id) => {
      const resumed = waits.get(id)!.next();
      await server.runs.resumeFlowRun({ flowRunId: id, runInput: { ok: true } });
      if ((await resumed).type !== WaitEventType.WAIT_EVENT_TYPE_RESUMED) throw new Error("the waiter did not get RESUMED");
    },
  });

  console.log(`store commands per run, ${RUNS} runs, counted on the wire (embedded store); background excluded:`);
  for (const step of steps) {
    tally.take();
    const t0 = Date.now();
    for (let i = 0; i < RUNS; i++) await step.run(ids[i] ?? "");
    // Work the step started after its answer (announcements) lands within a moment.
    await delay(200);
    const ms = Date.now() - t0;
    console.log(`${step.label}:`);
    for (const line of perRun(tally.take(), RUNS, idlePerMs, ms)) console.log(line);
  }
  // A resume's wake-up, each store request held back DELAY_MS: how many round trips it waits for.
  storeDelayMs = DELAY_MS;
  const wakes: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 20); i++) {
    const { flowRun } = await server.runs.createFlowRun({ flowName: "trips-delayed", state: { type: StateType.STATE_TYPE_RUNNING } });
    const id = flowRun!.id;
    await server.runs.pauseFlowRun({ flowRunId: id, key: "1" });
    const wait = new StreamReader(server.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: id, key: "1" })));
    await wait.next();
    const last = i === Math.min(RUNS, 20) - 1;
    if (last) tally.trace = [];
    const sent = performance.now();
    const resumed = wait.next().then(() => performance.now());
    await server.runs.resumeFlowRun({ flowRunId: id, runInput: { ok: true } });
    const woke = await resumed;
    wakes.push(woke - sent);
    if (last) {
      console.log(`the last resume's commands, ms after it was sent (the waiter woke at ${(woke - sent).toFixed(1)} ms):`);
      for (const { at, name } of tally.trace ?? [])
        if (!name.startsWith("find events") && name !== "ping") console.log(`    ${(at - sent).toFixed(1).padStart(7)}  ${name}`);
      tally.trace = undefined;
    }
  }
  storeDelayMs = 0;
  wakes.sort((a, b) => a - b);
  const median = wakes[Math.floor(wakes.length / 2)]!;
  console.log(
    `ResumeFlowRun sent → waiter wakes, every store request held ${DELAY_MS} ms: median ${median.toFixed(1)} ms ≈ ${Math.round(median / DELAY_MS)} store round trips in a row`,
  );
  console.log("background, per second while idle:");
  for (const [name, perMs] of [...idlePerMs].sort((a, b) => b[1] - a[1]))
    console.log(`    ${(perMs * 1000).toFixed(1).padStart(6)}  ${name}`);
} finally {
  await server.stop();
  proxy.close();
  await store.stop();
}
