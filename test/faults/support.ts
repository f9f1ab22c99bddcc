/**
 * What the fault tests share: their size (bounded under `npm test`, the figures under
 * `npm run test:faults -- --long`), answers collected and tallied by reason, the figures line each test
 * prints, transitions as the servers published them, and a server that runs its own embedded store (so
 * the store's process can be stopped or killed under it).
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { withDatabase } from "../support/fixtures.js";
import type { TestClients } from "../support/grpc-client.js";
import { reasonOf } from "../support/status-details.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** Set by `npm run test:faults -- --long` (tools/run-tests.mjs). */
export const LONG = process.env["FLOWGATE_FAULTS_LONG"] === "1";

/** `bounded` under `npm test` (a loaded 2-core CI machine), `long` with --long (the figures). */
export function size(bounded: number, long: number): number {
  return LONG ? long : bounded;
}

/** Generous, for waiting only: a loaded machine must not turn a slow heal into a failure. */
export const HEAL_DEADLINE_MS = LONG ? 600_000 : 120_000;

/** One answer of many: what a caller got back. */
export type Answer<T> = { ok: true; value: T } | { ok: false; code: number; reason: string; message: string };

/** The answer of one call, a failure by its reason (or its code, for one the client made itself). */
export async function answerOf<T>(call: Promise<T>): Promise<Answer<T>> {
  try {
    return { ok: true, value: await call };
  } catch (err) {
    const e = err as ServiceError;
    const reason = e.metadata?.get("grpc-status-details-bin").length ? reasonOf(e) : `code ${e.code}`;
    return { ok: false, code: e.code, reason, message: e.details };
  }
}

/** Starts `n` calls at once and collects every answer. */
export function concurrently<T>(n: number, call: (i: number) => Promise<T>): Promise<Answer<T>[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => answerOf(call(i))));
}

/** Answers counted by outcome: OK, or the failure's reason. */
export function tally(answers: Answer<unknown>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) {
    const k = a.ok ? "OK" : a.reason;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** Prints the figures line a fault test reports, e.g. `faults: kill-9 server: tried=200 lost=0 doubled=0`. */
export function printFigures(name: string, figures: Record<string, string | number>): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k}=${v}`);
  console.log(`faults: ${name}: ${parts.join(" ")}`);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** The p-th percentile (0..100) of `values`, nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Polls `probe` until it returns a value other than undefined; fails after `ms` (a deadline for waiting, not a measure). */
export async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Published {
  version: number;
  stateType: string | undefined;
  stateName: string | undefined;
}

/** Every run's transitions as the servers published them to the event feed, oldest first, in one read. */
export async function publishedByRun(database: string, flowRunIds: readonly string[]): Promise<Map<string, Published[]>> {
  const out = new Map<string, Published[]>(flowRunIds.map((id) => [id, []]));
  await withDatabase(database, async (db) => {
    const docs = await db
      .collection<{ run: { _id: string; version: number; state?: { type: string; name?: string } } }>("events")
      .find({ "run._id": { $in: [...flowRunIds] } })
      .toArray();
    for (const d of docs) out.get(d.run._id)?.push({ version: d.run.version, stateType: d.run.state?.type, stateName: d.run.state?.name });
  });
  for (const list of out.values()) list.sort((a, b) => a.version - b.version);
  return out;
}

/** The ids of every run of `flowName`, read page by page. */
export async function runIdsOfFlow(clients: Pick<TestClients, "runs">, flowName: string): Promise<string[]> {
  const ids: string[] = [];
  for (let pageToken = ""; ;) {
    const page = await clients.runs.listFlowRuns({ flowName, pageSize: 500, pageToken });
    ids.push(...page.flowRuns.map((r) => r.id));
    if (!page.nextPageToken) return ids;
    pageToken = page.nextPageToken;
  }
}

/** A server process (server/src/main.ts) that starts and supervises its own embedded store in `dataDir`. */
export interface OwnStoreServer {
  lines: string[];
  address: string;
  httpAddress: string;
  /** gRPC health: 1 SERVING, 2 NOT_SERVING, undefined when the check itself failed. */
  grpcHealth(): Promise<number | undefined>;
  httpHealth(): Promise<{ status: number; body: unknown }>;
  /** The pid of the embedded store's process (its command line names `${dataDir}/store`). */
  storePid(): number | undefined;
  stop(): Promise<void>;
}

export const SERVING = 1;
export const NOT_SERVING = 2;

export async function startOwnStoreServer(dataDir: string): Promise<OwnStoreServer> {
  const { FLOWGATE_MONGODB_URI: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", join(REPO, "server/src/main.ts")], {
    cwd: REPO,
    env: {
      ...inherited,
      FLOWGATE_LOG_LEVEL: "info",
      FLOWGATE_GRPC_ADDRESS: "127.0.0.1:0",
      FLOWGATE_HTTP_ADDRESS: "127.0.0.1:0",
      FLOWGATE_DATA_DIR: dataDir,
      FLOWGATE_EVENT_POLL_MS: "20",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  createInterface({ input: child.stderr }).on("line", (l) => lines.push(l));
  createInterface({ input: child.stdout }).on("line", (l) => lines.push(l));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // A test cut short (its time limit, --test-force-exit) must not leave the server and its store running.
  const orphaned = (): void => void child.kill("SIGTERM");
  process.once("exit", orphaned);
  void exited.then(() => process.off("exit", orphaned));
  const found = (re: RegExp) => () => lines.map((l) => re.exec(l)?.[1]).find((a) => a !== undefined);
  const address = await until("the gRPC address is printed", 120_000, found(/gRPC on (\S+)/));
  const httpAddress = await until("the web UI address is printed", 10_000, found(/web UI on https?:\/\/([^/\s]+)\//));
  const health = new Client(address, credentials.createInsecure());
  const raw = (b: Buffer): Buffer => b;
  return {
    lines,
    address,
    httpAddress,
    grpcHealth: () =>
      new Promise((resolve) => {
        // A deadline, so that a check the server never answers counts as a failed one.
        const deadline = new Date(Date.now() + 10_000);
        health.makeUnaryRequest("/grpc.health.v1.Health/Check", raw, raw, Buffer.alloc(0), new Metadata(), { deadline }, (err, res) =>
          // HealthCheckResponse { status = 1 } is the two bytes 08 <status>.
          resolve(err ? undefined : res?.[1]),
        );
      }),
    httpHealth: async () => {
      const res = await fetch(`http://${httpAddress}/api/health`, { signal: AbortSignal.timeout(10_000) });
      return { status: res.status, body: await res.json() };
    },
    storePid: () => {
      try {
        const pids = execFileSync("pgrep", ["-f", join(dataDir, "store")], { encoding: "utf8" })
          .trim()
          .split("\n")
          .filter(Boolean);
        return pids.length === 1 ? Number(pids[0]) : undefined;
      } catch {
        return undefined;
      }
    },
    stop: async () => {
      health.close();
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
