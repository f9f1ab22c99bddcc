/**
 * Contention on one run (issue 13, item 3): N clients change the same run at the same moment.
 *
 *   - N concurrent SetFlowRunState(SCHEDULED) on one SCHEDULED run: every call is a real change, so
 *     the writers must take turns; all N must succeed.
 *   - N concurrent ResumeFlowRun on one paused run: exactly one resumes, every other is refused
 *     NOT_PAUSED.
 *
 * For each it prints the time until every call was answered, the answers by outcome, and the store's
 * round trips (commands the store counted, less its idle rate) per call. Calls still unanswered at the
 * deadline are counted as such, so the "before" figures of a slow build finish too.
 *
 *   npm run bench:contention
 *   FLOWGATE_BENCH_WRITERS=30,60,300 FLOWGATE_BENCH_RACE=1000 FLOWGATE_BENCH_DEADLINE_S=120 npm run bench:contention
 */
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { MongoClient } from "mongodb";
import { GetFlowRunRequest, ResumeFlowRunRequest, SetFlowRunStateRequest } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { reasonOf } from "../test/support/status-details.js";
import { benchServer, machine } from "./support.js";

const WRITERS = (process.env["FLOWGATE_BENCH_WRITERS"] ?? "30,60,300").split(",").map(Number);
const RACE = Number(process.env["FLOWGATE_BENCH_RACE"] ?? 1000);
const DEADLINE_MS = Number(process.env["FLOWGATE_BENCH_DEADLINE_S"] ?? 120) * 1000;

const { server, stop, storeKind } = await benchServer();
const store = new MongoClient(process.env["FLOWGATE_MONGODB_URI"]!);
await store.connect();

/** Commands the store has answered so far, by name (FerretDB: metrics.commands; MongoDB: opcounters). */
async function commandsByName(): Promise<Map<string, number>> {
  const s = await store.db("admin").command({ serverStatus: 1 });
  const metrics = s["metrics"] as { commands?: Record<string, { total?: number }> } | undefined;
  const commands = metrics?.commands;
  if (commands && Object.values(commands).some((c) => typeof c.total === "number")) {
    return new Map(Object.entries(commands).map(([name, c]) => [name, c.total ?? 0]));
  }
  return new Map(Object.entries((s["opcounters"] ?? {}) as Record<string, number>));
}

async function storeCommands(): Promise<number> {
  return [...(await commandsByName()).values()].reduce((a, b) => a + b, 0);
}

/** The store's background rate (hub polling, health checks, sweepers), in commands per ms. */
async function idleRate(): Promise<number> {
  const c0 = await storeCommands();
  const t0 = performance.now();
  await delay(2_000);
  return ((await storeCommands()) - c0 - 1) / (performance.now() - t0);
}

/** "ok", or the error's reason. */
type Outcome = string;

interface RaceResult {
  ms: number;
  outcomes: Map<Outcome, number>;
  /** Store commands during the race, by name (the idle rate not subtracted). */
  commands: Map<string, number>;
}

/** Sends `n` calls at once; what each answered (OK or its error reason), and when the last came back. */
async function race(n: number, call: (deadline: Date, cb: (err: ServiceError | null) => void) => void): Promise<RaceResult> {
  const before = await commandsByName();
  const t0 = performance.now();
  const deadline = new Date(Date.now() + DEADLINE_MS);
  const answers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Outcome>((resolve) =>
          call(deadline, (err) =>
            resolve(
              err ? (err.code === status.DEADLINE_EXCEEDED ? "UNANSWERED (deadline)" : (safeReason(err) ?? `code ${err.code}`)) : "ok",
            ),
          ),
        ),
    ),
  );
  const ms = performance.now() - t0;
  const commands = new Map<string, number>();
  for (const [name, total] of await commandsByName()) {
    const d = total - (before.get(name) ?? 0) - (name === "serverStatus" ? 1 : 0);
    if (d > 0) commands.set(name, d);
  }
  const outcomes = new Map<Outcome, number>();
  for (const a of answers) outcomes.set(a, (outcomes.get(a) ?? 0) + 1);
  return { ms, outcomes, commands };
}

function safeReason(err: ServiceError): string | undefined {
  try {
    return reasonOf(err);
  } catch {
    return undefined;
  }
}

function report(label: string, r: RaceResult, rate: number, per: number): void {
  const total = [...r.commands.values()].reduce((a, b) => a + b, 0);
  const net = Math.max(0, total - rate * r.ms);
  const outcomes = [...r.outcomes].map(([k, v]) => `${k}×${v}`).join(", ");
  const byName = [...r.commands]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  console.log(
    `${label}: settled in ${r.ms.toFixed(0)} ms; ${outcomes}; store commands ${net.toFixed(0)} net of idle (${(net / per).toFixed(2)} per call) [${byName}]`,
  );
}

/** `call`, retried while the server says the store is unavailable (an earlier race may have swamped it). */
async function settled<T>(call: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await call();
    } catch (err) {
      if ((err as ServiceError).code !== status.UNAVAILABLE || i >= 120) throw err;
      await delay(1_000);
    }
  }
}

async function scheduledRun(): Promise<string> {
  const { flowRun } = await settled(() =>
    server.runs.createFlowRun({ flowName: "bench-contention", state: { type: StateType.STATE_TYPE_SCHEDULED } }),
  );
  return flowRun!.id;
}

async function pausedRun(): Promise<string> {
  const { flowRun } = await settled(() =>
    server.runs.createFlowRun({ flowName: "bench-contention", state: { type: StateType.STATE_TYPE_RUNNING } }),
  );
  await settled(() => server.runs.pauseFlowRun({ flowRunId: flowRun!.id, key: "1" }));
  return flowRun!.id;
}

try {
  console.log(`machine: ${machine()}; store: ${storeKind}; deadline ${DEADLINE_MS / 1000} s per race`);
  const rate = await idleRate();
  console.log(`store idle rate: ${(rate * 1000).toFixed(1)} commands/s (subtracted below)`);
  for (const n of WRITERS) {
    const id = await scheduledRun();
    const r = await race(n, (deadline, cb) =>
      server.rawRuns.setFlowRunState(
        SetFlowRunStateRequest.fromPartial({ flowRunId: id, state: { type: StateType.STATE_TYPE_SCHEDULED } }),
        new Metadata(),
        { deadline },
        cb,
      ),
    );
    report(`${n} concurrent SetFlowRunState on one run`, r, rate, n);
  }
  {
    // The floor: as many calls at once that touch the run without changing it, so that what the race
    // adds on top is the contention's own cost.
    const id = await pausedRun();
    const r = await race(RACE, (deadline, cb) =>
      server.rawRuns.getFlowRun(GetFlowRunRequest.fromPartial({ flowRunId: id }), new Metadata(), { deadline }, cb),
    );
    report(`${RACE} concurrent GetFlowRun on one run (no contention: the floor)`, r, rate, RACE);
  }
  for (const n of [...WRITERS, RACE]) {
    const id = await pausedRun();
    const r = await race(n, (deadline, cb) =>
      server.rawRuns.resumeFlowRun(ResumeFlowRunRequest.fromPartial({ flowRunId: id }), new Metadata(), { deadline }, cb),
    );
    report(`${n}-way resume race on one run`, r, rate, n);
  }
} finally {
  await store.close();
  await stop();
}
