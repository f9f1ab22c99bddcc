/**
 * Run logs on the server (issue 14 item 1): CreateLogs numbers a run's records, ListLogs pages them
 * with filters, WatchLogs sends them from a point and then live (across servers too), each run is
 * held to its cap with its oldest lines removed first, and retention removes old batches.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { pino } from "pino";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { LogHub } from "../../server/src/app/log-hub.js";
import { RunLogService } from "../../server/src/app/log-service.js";
import { DEFAULT_HOUSEKEEPING, startHousekeeping } from "../../server/src/app/housekeeping.js";
import type { AppContext } from "../../server/src/app/context.js";
import { DEFAULT_LOG_CAPS } from "../../server/src/domain/run-logs.js";
import { RunInputSchemas } from "../../server/src/domain/run-input-schema.js";
import { openStore } from "../../server/src/store/mongo-store.js";
import { expectGrpcError, runningRun } from "../support/fixtures.js";
import { LogLevel, logClient, type TestLogClient } from "../support/log-client.js";
import { startTestServer, storeUri, type TestServer } from "../support/test-server.js";

const { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARNING, LOG_LEVEL_ERROR, LOG_LEVEL_CRITICAL } = LogLevel;

describe("run logs", () => {
  let server: TestServer;
  let logs: TestLogClient;
  before(async () => {
    server = await startTestServer();
    logs = logClient(server.address, server.apiKey);
  });
  after(async () => {
    logs.close();
    await server.stop();
  });

  test("records are numbered 1, 2, 3, … in the order stored, and ListLogs pages them oldest first and newest first", async () => {
    const run = await runningRun(server);
    const first = await logs.createLogs({
      flowRunId: run.id,
      logs: [{ message: "one", level: LOG_LEVEL_INFO, logger: "flowgate.flow_runs" }, { message: "two" }],
      requestId: randomUUID(),
    });
    assert.deepEqual([first.firstSequence, first.lastSequence, first.trimmedCount, first.clippedCount], [1, 2, 0, 0]);
    await logs.writeLines(run.id, 3, 998, 499);

    const page1 = await logs.listLogs({ flowRunId: run.id, pageSize: 300 });
    assert.equal(page1.logs.length, 300);
    assert.deepEqual(
      page1.logs.slice(0, 3).map((l) => [l.sequence, l.message, l.level, l.logger, l.flowRunId]),
      [
        [1, "one", LOG_LEVEL_INFO, "flowgate.flow_runs", run.id],
        [2, "two", LOG_LEVEL_INFO, "", run.id],
        [3, "line 3", LOG_LEVEL_INFO, "test", run.id],
      ],
    );
    assert.equal(page1.lastSequence, 1000);
    assert.notEqual(page1.nextPageToken, "");

    const all = await logs.allLogs({ flowRunId: run.id, pageSize: 300 });
    assert.deepEqual(
      all.map((l) => l.sequence),
      Array.from({ length: 1000 }, (_, i) => i + 1),
      "every record once, in order, across pages that cut batches",
    );

    const newest = await logs.allLogs({ flowRunId: run.id, pageSize: 333, newestFirst: true });
    assert.deepEqual(
      newest.map((l) => l.sequence),
      Array.from({ length: 1000 }, (_, i) => 1000 - i),
    );

    const after990 = await logs.listLogs({ flowRunId: run.id, afterSequence: 990 });
    assert.deepEqual(
      after990.logs.map((l) => l.sequence),
      [991, 992, 993, 994, 995, 996, 997, 998, 999, 1000],
    );
    assert.equal(after990.nextPageToken, "");
  });

  test("ListLogs filters by minimum level, task run and time; a record's own timestamp is kept", async () => {
    const run = await runningRun(server);
    const { taskRun } = await server.runs.createTaskRun({ flowRunId: run.id, taskKey: "t", dynamicKey: "0", name: "t" });
    const t0 = new Date("2026-01-01T00:00:00Z");
    const at = (s: number): Date => new Date(t0.getTime() + s * 1000);
    await logs.createLogs({
      flowRunId: run.id,
      logs: [
        { message: "debug", level: LOG_LEVEL_DEBUG, timestamp: at(1) },
        { message: "info", level: LOG_LEVEL_INFO, timestamp: at(2) },
        { message: "task warning", level: LOG_LEVEL_WARNING, timestamp: at(3), taskRunId: taskRun!.id },
        { message: "error", level: LOG_LEVEL_ERROR, timestamp: at(4) },
        { message: "task critical", level: LOG_LEVEL_CRITICAL, timestamp: at(5), taskRunId: taskRun!.id },
        { message: "between info and warning rounds down", level: 25 as LogLevel, timestamp: at(6) },
        { message: "unspecified is info", timestamp: at(7) },
      ],
    });
    const messages = async (req: Parameters<TestLogClient["listLogs"]>[0]): Promise<string[]> =>
      (await logs.allLogs({ flowRunId: run.id, ...req })).map((l) => l.message);

    assert.deepEqual(await messages({ minLevel: LOG_LEVEL_WARNING }), ["task warning", "error", "task critical"]);
    assert.deepEqual(await messages({ taskRunId: taskRun!.id }), ["task warning", "task critical"]);
    assert.deepEqual(await messages({ startTime: at(2), endTime: at(4) }), ["info", "task warning"]);
    const stored = await logs.allLogs({ flowRunId: run.id });
    assert.deepEqual(
      stored.map((l) => [l.level, l.timestamp?.toISOString()]),
      [
        [LOG_LEVEL_DEBUG, at(1).toISOString()],
        [LOG_LEVEL_INFO, at(2).toISOString()],
        [LOG_LEVEL_WARNING, at(3).toISOString()],
        [LOG_LEVEL_ERROR, at(4).toISOString()],
        [LOG_LEVEL_CRITICAL, at(5).toISOString()],
        [LOG_LEVEL_INFO, at(6).toISOString()],
        [LOG_LEVEL_INFO, at(7).toISOString()],
      ],
    );
    assert.equal(stored[2]!.taskRunId, taskRun!.id);
    assert.equal(stored[0]!.taskRunId, "");
  });

  test("a message over 16,000 characters is cut (and says so); the rest of its batch is stored as sent", async () => {
    const run = await runningRun(server);
    const long = "é".repeat(20_000);
    const r = await logs.createLogs({ flowRunId: run.id, logs: [{ message: long }, { message: "short" }] });
    assert.equal(r.clippedCount, 1);
    const [cut, short] = await logs.allLogs({ flowRunId: run.id });
    assert.equal([...cut!.message].length, 16_000);
    assert.match(cut!.message, /^é+ … \[4,0\d\d characters cut\]$/);
    assert.equal(short!.message, "short");
  });

  test("refusals: an unknown run, a task run of another run, an empty or oversized batch, a bad page token", async () => {
    const run = await runningRun(server);
    const other = await runningRun(server);
    const { taskRun } = await server.runs.createTaskRun({ flowRunId: other.id, taskKey: "t", dynamicKey: "0", name: "t" });
    const missing = randomUUID();
    await expectGrpcError(
      logs.createLogs({ flowRunId: missing, logs: [{ message: "x" }] }),
      status.NOT_FOUND,
      missing,
      "FLOW_RUN_NOT_FOUND",
    );
    await expectGrpcError(logs.listLogs({ flowRunId: missing }), status.NOT_FOUND, undefined, "FLOW_RUN_NOT_FOUND");
    await expectGrpcError(
      logs.createLogs({ flowRunId: run.id, logs: [{ message: "x", taskRunId: taskRun!.id }] }),
      status.NOT_FOUND,
      "belongs to another flow run",
      "TASK_RUN_NOT_FOUND",
    );
    await expectGrpcError(logs.createLogs({ flowRunId: run.id, logs: [] }), status.INVALID_ARGUMENT, "at least one", "INVALID_ARGUMENT");
    await expectGrpcError(
      logs.createLogs({ flowRunId: run.id, logs: Array.from({ length: 1001 }, () => ({ message: "x" })) }),
      status.INVALID_ARGUMENT,
      "1000",
      "INVALID_ARGUMENT",
    );
    await expectGrpcError(logs.listLogs({ flowRunId: run.id, pageToken: "bm9wZQ" }), status.INVALID_ARGUMENT, "page_token");
    await expectGrpcError(logs.listLogs({ flowRunId: run.id, pageSize: 1001 }), status.INVALID_ARGUMENT, "page_size");
    const watch = logs.watchLogs({ flowRunId: missing });
    const err = await watch.closed();
    assert.equal(err?.code, status.NOT_FOUND);
  });

  test("a retried batch (same request id) is stored once and answered with the same numbers", async () => {
    const run = await runningRun(server);
    const requestId = randomUUID();
    const batch = { flowRunId: run.id, logs: [{ message: "a" }, { message: "b" }], requestId };
    const first = await logs.createLogs(batch);
    await logs.createLogs({ flowRunId: run.id, logs: [{ message: "c" }] });
    const again = await logs.createLogs(batch);
    assert.deepEqual([again.firstSequence, again.lastSequence], [first.firstSequence, first.lastSequence]);
    assert.deepEqual(
      (await logs.allLogs({ flowRunId: run.id })).map((l) => l.message),
      ["a", "b", "c"],
    );
  });

  test("WatchLogs sends what follows a point, then new records live, then run_final once the run has ended", async () => {
    const run = await runningRun(server);
    await logs.writeLines(run.id, 1, 10);
    const watch = logs.watchLogs({ flowRunId: run.id, afterSequence: 5 });
    const backlog = await watch.next();
    assert.deepEqual(
      backlog.logs.map((l) => l.message),
      ["line 6", "line 7", "line 8", "line 9", "line 10"],
    );
    assert.equal(backlog.lastSequence, 10);

    await logs.writeLines(run.id, 11, 2);
    const live = await watch.next();
    assert.deepEqual(
      live.logs.map((l) => [l.sequence, l.message]),
      [
        [11, "line 11"],
        [12, "line 12"],
      ],
    );

    await server.runs.setFlowRunState({ flowRunId: run.id, state: { type: StateType.STATE_TYPE_COMPLETED } });
    const last = await watch.next();
    assert.equal(last.runFinal, true);
    assert.equal(last.lastSequence, 12);
    assert.equal(await watch.closed(), undefined, "the stream ends cleanly after run_final");
  });

  test("WatchLogs with a level filter sends only matching records, and still says how far it read", async () => {
    const run = await runningRun(server);
    await logs.createLogs({
      flowRunId: run.id,
      logs: [{ message: "quiet" }, { message: "loud", level: LOG_LEVEL_ERROR }, { message: "quiet again" }],
    });
    await server.runs.setFlowRunState({ flowRunId: run.id, state: { type: StateType.STATE_TYPE_COMPLETED } });
    const watch = logs.watchLogs({ flowRunId: run.id, minLevel: LOG_LEVEL_WARNING });
    const m = await watch.next();
    assert.deepEqual(
      m.logs.map((l) => l.message),
      ["loud"],
    );
    assert.equal(m.lastSequence, 3);
    assert.equal((await watch.next()).runFinal, true, "a run that was final already: the backlog, then the end");
  });

  test("a watch on one server sees the records another server stores for the same run, live", async () => {
    const second = await startTestServer({ database: server.database });
    const logsB = logClient(second.address, server.apiKey);
    try {
      const run = await runningRun(server);
      const watch = logsB.watchLogs({ flowRunId: run.id });
      const opened = await watch.next();
      assert.deepEqual([opened.logs, opened.lastSequence, opened.runFinal], [[], 0, false], "an empty first message: the watch is open");
      await logs.writeLines(run.id, 1, 1);
      const first = await watch.next();
      assert.deepEqual(
        first.logs.map((l) => l.message),
        ["line 1"],
      );
      await logs.writeLines(run.id, 2, 3);
      const seen: string[] = [];
      while (seen.length < 3) seen.push(...(await watch.next()).logs.map((l) => l.message));
      assert.deepEqual(seen, ["line 2", "line 3", "line 4"]);
      // Both servers append to one chain: numbering continues whichever server stores a batch.
      const r = await logsB.createLogs({ flowRunId: run.id, logs: [{ message: "from B" }] });
      assert.equal(r.firstSequence, 5);
      const requestId = randomUUID();
      const next = await logs.createLogs({ flowRunId: run.id, logs: [{ message: "from A again" }], requestId });
      assert.equal(next.firstSequence, 6);
      // A retry that reaches the other server (whose last write to this run was before it) is recognised too.
      const retried = await logsB.createLogs({ flowRunId: run.id, logs: [{ message: "from A again" }], requestId });
      assert.equal(retried.firstSequence, 6);
      assert.equal((await logs.listLogs({ flowRunId: run.id })).lastSequence, 6);
      watch.cancel();
    } finally {
      logsB.close();
      await second.stop();
    }
  });

  test("the HTTP API pages a run's logs as JSON and streams them as Server-Sent Events, resumable by id", async () => {
    const run = await runningRun(server);
    await logs.createLogs({
      flowRunId: run.id,
      logs: [{ message: "hello" }, { message: "careful", level: LOG_LEVEL_WARNING }, { message: "bye" }],
    });
    const base = `http://${server.httpAddress}/api/runs/${run.id}`;
    const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${base}${path}`, { headers: { authorization: server.authHeader, ...headers } });

    const page = (await (await get("/logs?pageSize=2")).json()) as { logs: { sequence: number; level: string }[]; nextPageToken: string };
    assert.deepEqual(
      page.logs.map((l) => [l.sequence, l.level]),
      [
        [1, "INFO"],
        [2, "WARNING"],
      ],
    );
    const rest = (await (await get(`/logs?pageToken=${page.nextPageToken}`)).json()) as {
      logs: { message: string }[];
      nextPageToken: string;
    };
    assert.deepEqual(
      rest.logs.map((l) => l.message),
      ["bye"],
    );
    const warnings = (await (await get("/logs?level=warn")).json()) as { logs: { message: string; taskRunId: null }[] };
    assert.deepEqual(warnings.logs, [warnings.logs[0]]);
    assert.equal(warnings.logs[0]!.message, "careful");
    assert.equal(warnings.logs[0]!.taskRunId, null);

    const bad = await get("/logs?level=loud");
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { reason: string }).reason, "INVALID_ARGUMENT");
    const unknown = await fetch(`http://${server.httpAddress}/api/runs/${randomUUID()}/logs`, {
      headers: { authorization: server.authHeader },
    });
    assert.equal(unknown.status, 404);

    await server.runs.setFlowRunState({ flowRunId: run.id, state: { type: StateType.STATE_TYPE_COMPLETED } });
    // Resumed after record 1 through Last-Event-ID, as a reconnecting EventSource does; ends with `end`.
    const sse = await get("/logs/events", { "last-event-id": "1" });
    assert.equal(sse.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const text = await sse.text();
    const events = text
      .split("\n\n")
      .filter((block) => block.includes("event:"))
      .map((block) => ({
        id: /^id: (.*)$/m.exec(block)?.[1],
        event: /^event: (.*)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as { logs: { message: string }[]; runFinal: boolean },
      }));
    assert.deepEqual(
      events.map((e) => [e.id, e.event, e.data.logs.map((l) => l.message), e.data.runFinal]),
      [
        ["3", "logs", ["careful", "bye"], false],
        ["3", "end", [], true],
      ],
    );
  });
});

describe("run logs past a cap", () => {
  test("a run over its line cap keeps its newest lines: the oldest batches go, and readers are told how many", async () => {
    const server = await startTestServer({ env: { FLOWGATE_LOG_MAX_LINES_PER_RUN: "1000" } });
    const logs = logClient(server.address, server.apiKey);
    try {
      const run = await runningRun(server);
      await logs.writeLines(run.id, 1, 5000, 250);
      const r = await logs.createLogs({ flowRunId: run.id, logs: [{ message: "the last line", level: LOG_LEVEL_ERROR }] });
      assert.equal(r.lastSequence, 5001, "numbering goes on past the cap");

      const kept = await logs.allLogs({ flowRunId: run.id });
      assert.ok(kept.length <= 1000 && kept.length > 1000 - 250, `kept ${kept.length} lines`);
      assert.equal(kept.at(-1)!.message, "the last line");
      const page = await logs.listLogs({ flowRunId: run.id, pageSize: 1 });
      assert.equal(page.trimmedCount, 5001 - kept.length);
      assert.equal(kept[0]!.sequence, page.trimmedCount + 1, "what is kept is contiguous up to the newest");

      // A watch from the start is told what it cannot get, then gets the rest.
      await server.runs.setFlowRunState({ flowRunId: run.id, state: { type: StateType.STATE_TYPE_COMPLETED } });
      const watch = logs.watchLogs({ flowRunId: run.id });
      let skipped = 0;
      const seen: number[] = [];
      for (;;) {
        const m = await watch.next();
        skipped += m.skippedCount;
        seen.push(...m.logs.map((l) => l.sequence));
        if (m.runFinal) break;
      }
      assert.equal(skipped, page.trimmedCount);
      assert.deepEqual(
        seen,
        kept.map((l) => l.sequence),
      );
    } finally {
      logs.close();
      await server.stop();
    }
  });

  test("batches as large as the cap: each keeps only the newest batch, and readers still find it", async () => {
    const server = await startTestServer({ env: { FLOWGATE_LOG_MAX_LINES_PER_RUN: "1000" } });
    const logs = logClient(server.address, server.apiKey);
    try {
      const run = await runningRun(server);
      // 40 batches of 1,000 lines: every batch removes the one before it, faster than the run's head
      // (written every few batches) follows, so readers start from a head whose batch is gone.
      await logs.writeLines(run.id, 1, 40_000, 1_000);
      const kept = await logs.allLogs({ flowRunId: run.id });
      assert.deepEqual([kept.length, kept[0]!.sequence, kept.at(-1)!.sequence], [1_000, 39_001, 40_000]);
      const newest = await logs.listLogs({ flowRunId: run.id, newestFirst: true, pageSize: 1 });
      assert.deepEqual([newest.logs[0]!.sequence, newest.trimmedCount, newest.lastSequence], [40_000, 39_000, 40_000]);
      assert.deepEqual(
        (await logs.listLogs({ flowRunId: run.id, afterSequence: 39_998 })).logs.map((l) => l.sequence),
        [39_999, 40_000],
      );
      await server.runs.setFlowRunState({ flowRunId: run.id, state: { type: StateType.STATE_TYPE_COMPLETED } });
      const watch = logs.watchLogs({ flowRunId: run.id, afterSequence: 10 });
      let skipped = 0;
      let seen = 0;
      for (;;) {
        const m = await watch.next();
        skipped += m.skippedCount;
        seen += m.logs.length;
        if (m.runFinal) break;
      }
      assert.deepEqual([skipped, seen], [38_990, 1_000]);
    } finally {
      logs.close();
      await server.stop();
    }
  });

  test("a run over its byte cap is trimmed the same way", async () => {
    const server = await startTestServer({ env: { FLOWGATE_LOG_MAX_BYTES_PER_RUN: String(1024 * 1024) } });
    const logs = logClient(server.address, server.apiKey);
    try {
      const run = await runningRun(server);
      // 300 lines of 10,000 bytes: 3 MB against a 1 MiB cap.
      await logs.writeLines(run.id, 1, 300, 20, (n) => `${n} `.padEnd(10_000, "x"));
      const kept = await logs.allLogs({ flowRunId: run.id });
      const bytes = kept.reduce((sum, l) => sum + Buffer.byteLength(l.message) + Buffer.byteLength(l.logger), 0);
      assert.ok(bytes <= 1024 * 1024, `kept ${bytes} bytes`);
      assert.ok(kept.length >= 80, `kept ${kept.length} lines`);
      assert.equal(kept.at(-1)!.sequence, 300);
    } finally {
      logs.close();
      await server.stop();
    }
  });
});

describe("run log retention", () => {
  test("housekeeping removes the batches written before the retention period, oldest first, and a run's numbering goes on", async () => {
    const server = await startTestServer();
    const logs = logClient(server.address, server.apiKey);
    const store = await openStore({ uri: await storeUri(), defaultDatabase: server.database, directConnection: true });
    const logger = pino({ level: "silent" });
    const ctx = { store, logger, schemas: new RunInputSchemas(), limits: { maxInputBytes: 1024 * 1024 } } as unknown as AppContext;
    const hub = new LogHub(store.logs.notices, { pollIntervalMs: 1_000, logger });
    const service = new RunLogService(ctx, hub, { caps: DEFAULT_LOG_CAPS });
    try {
      const run = await runningRun(server);
      const other = await runningRun(server);
      await logs.writeLines(other.id, 1, 2, 1);
      await logs.writeLines(run.id, 1, 2, 1);
      // The cutoff falls after the run's second batch was stored and before its third.
      const second = (await logs.allLogs({ flowRunId: run.id }))[1]!;
      const cutoff = new Date(second.createdAt!.getTime() + 1);
      while (Date.now() < cutoff.getTime()) await new Promise((resolve) => setImmediate(resolve));
      await logs.writeLines(run.id, 3, 1, 1);

      assert.equal(await service.trimExpired(cutoff), 2 + 2, "two lines of each run were older");
      const left = await logs.listLogs({ flowRunId: run.id });
      assert.deepEqual(
        left.logs.map((l) => l.message),
        ["line 3"],
      );
      assert.equal(left.trimmedCount, 2);
      assert.deepEqual((await logs.listLogs({ flowRunId: other.id })).logs, []);
      const next = await logs.createLogs({ flowRunId: other.id, logs: [{ message: "after retention" }] });
      assert.equal(next.firstSequence, 3);

      // The same through housekeeping, with a retention of 0: everything written so far goes.
      const stop = startHousekeeping(store, logger, {
        ...DEFAULT_HOUSEKEEPING,
        intervalMs: 20,
        logs: { retentionMs: 0, trimExpired: (c) => service.trimExpired(c) },
      });
      try {
        for (let i = 0; (await logs.listLogs({ flowRunId: run.id })).logs.length > 0; i++) {
          assert.ok(i < 500, "housekeeping did not remove the run's logs");
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        stop();
      }
    } finally {
      logs.close();
      await store.close();
      await server.stop();
    }
  });
});
