/**
 * Issue 13, item 1: a dead store is noticed and healed. A server with its own embedded store loses
 * the store's process to kill -9: health says NOT_SERVING / 503 and calls fail STORE_UNAVAILABLE
 * (rather than hanging), then the server starts the store again on the same data and everything
 * heals without a restart of Flowgate: the paused run is still there, and a waiter held across the
 * outage gets its RESUMED.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Client, credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { WaitEventType, WaitForResumeRequest } from "@flowgate/contract/flowgate/v1/run_service.js";
import { runningRun } from "../support/fixtures.js";
import { connect, StreamReader } from "../support/grpc-client.js";
import { reasonOf } from "../support/status-details.js";
import { readAdminKey } from "../support/test-server.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const raw = (b: Buffer): Buffer => b;
/** HealthCheckResponse.status: SERVING = 1, NOT_SERVING = 2. */
const SERVING = 1;
const NOT_SERVING = 2;

/** main.ts with no FLOWGATE_MONGODB_URI, so it starts (and supervises) its own embedded store. */
function startMain(dataDir: string) {
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
  return { child, lines, exited };
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The pid of the embedded store serving `dataDir` (its command line names `${dataDir}/store`). */
function storePid(dataDir: string): number | undefined {
  try {
    const pids = execFileSync("pgrep", ["-f", join(dataDir, "store")], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean);
    return pids.length === 1 ? Number(pids[0]) : undefined;
  } catch {
    return undefined;
  }
}

describe("store health and self-healing", () => {
  test("a killed embedded store is reported, fails calls with STORE_UNAVAILABLE, and is restarted on the same data", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "flowgate-store-health-"));
    const server = startMain(dataDir);
    let health: Client | undefined;
    let clients: ReturnType<typeof connect> | undefined;
    try {
      const address = await until("the gRPC address is printed", 120_000, () =>
        server.lines.map((l) => /gRPC on (\S+)/.exec(l)?.[1]).find((a) => a !== undefined),
      );
      const httpAddress = await until("the web UI address is printed", 10_000, () =>
        server.lines.map((l) => /web UI on https?:\/\/([^/\s]+)\//.exec(l)?.[1]).find((a) => a !== undefined),
      );
      clients = connect(address, readAdminKey(dataDir));
      health = new Client(address, credentials.createInsecure());
      const healthClient = health;
      const check = (): Promise<number | undefined> =>
        new Promise((resolve) => {
          healthClient.makeUnaryRequest("/grpc.health.v1.Health/Check", raw, raw, Buffer.alloc(0), new Metadata(), (err, res) =>
            resolve(err ? undefined : res?.[1]),
          );
        });
      const httpHealth = async (): Promise<{ status: number; body: unknown }> => {
        const res = await fetch(`http://${httpAddress}/api/health`);
        return { status: res.status, body: await res.json() };
      };
      assert.equal(await check(), SERVING);
      assert.deepEqual(await httpHealth(), { status: 200, body: { status: "ok" } });

      // A paused run, and a client waiting on it across the outage.
      const run = await runningRun(clients);
      await clients.runs.pauseFlowRun({ flowRunId: run.id, key: "approve", timeoutSeconds: 600 });
      const waiting = new StreamReader(
        clients.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: run.id, key: "approve" })),
      );
      assert.equal((await waiting.next()).type, WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT);

      // First the store hangs (SIGSTOP: its socket accepts, nothing answers), then it dies (kill -9).
      // Stopping it first makes the outage last until we end it, however fast supervision heals a death.
      const pid = await until("the embedded store's process is found", 10_000, () => storePid(dataDir));
      const hungAt = Date.now();
      process.kill(pid, "SIGSTOP");
      await until("gRPC health says NOT_SERVING", 30_000, async () => ((await check()) === NOT_SERVING ? true : undefined));
      const notServingMs = Date.now() - hungAt;
      assert.deepEqual(await httpHealth(), { status: 503, body: { status: "unavailable", reason: "STORE_UNAVAILABLE" } });
      const failedCallAt = Date.now();
      const failure = await clients.runs.getFlowRun({ flowRunId: run.id }).then(
        () => assert.fail("a call succeeded while the store was hung"),
        (err: ServiceError) => err,
      );
      const failedCallMs = Date.now() - failedCallAt;
      assert.equal(failure.code, status.UNAVAILABLE, failure.details);
      assert.equal(reasonOf(failure), "STORE_UNAVAILABLE");

      const killedAt = Date.now();
      process.kill(pid, "SIGKILL");
      await until("gRPC health says SERVING again", 60_000, async () => ((await check()) === SERVING ? true : undefined));
      const healedMs = Date.now() - killedAt;
      assert.deepEqual(await httpHealth(), { status: 200, body: { status: "ok" } });
      console.log(
        `store hung: NOT_SERVING after ${notServingMs} ms; a call during the outage failed STORE_UNAVAILABLE in ${failedCallMs} ms; ` +
          `store killed: restarted and SERVING again after ${healedMs} ms`,
      );

      assert.ok(
        server.lines.some((l) => l.includes("restarted (attempt")),
        `the server says it restarted the store:\n${server.lines.join("\n")}`,
      );
      assert.notEqual(storePid(dataDir), pid, "a new store process serves the same data dir");

      // Nothing acknowledged was lost: the run is still paused, and resuming it reaches the waiter.
      const { flowRun } = await clients.runs.getFlowRun({ flowRunId: run.id });
      assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_PAUSED);
      await until("the run can be resumed", 30_000, () =>
        clients!.runs.resumeFlowRun({ flowRunId: run.id, runInput: { ok: 1 } }).then(
          () => true,
          (err: ServiceError) => {
            if (reasonOf(err) !== "STORE_UNAVAILABLE") throw err;
            return undefined;
          },
        ),
      );
      for (;;) {
        const event = await waiting.next();
        if (event.type === WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT) continue;
        assert.equal(event.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
        assert.deepEqual(event.runInput, { ok: 1 });
        break;
      }
    } finally {
      clients?.close();
      health?.close();
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });
});
