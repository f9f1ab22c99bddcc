import type { ServerResponse } from "node:http";
import type { RunLogService, WatchLogsMessage } from "../app/log-service.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { logLevelName, parseLogLevel, type LogLevelName, type RunLogRecord } from "../domain/run-logs.js";
import { integerFromQuery } from "./json.js";
import type { Router } from "./router.js";
import { SseStream } from "./sse.js";

/** A record as the HTTP API gives it. */
export interface LogJson {
  sequence: number;
  level: LogLevelName;
  message: string;
  /** When it was logged (the client's clock), ISO 8601. */
  timestamp: string;
  logger: string;
  /** Null for a record of the flow run itself. */
  taskRunId: string | null;
  /** When the server stored it. */
  createdAt: string;
}

export interface LogPageJson {
  logs: LogJson[];
  nextPageToken: string;
  /** How many of the run's oldest records are no longer stored (per-run cap, retention). */
  trimmedCount: number;
  /** The run's newest sequence number: `…/logs/events?after=` it to follow what comes next. */
  lastSequence: number;
}

/** The data of a `logs` (or, with runFinal, `end`) event of the log stream. */
export interface LogEventJson {
  logs: LogJson[];
  lastSequence: number;
  skippedCount: number;
  runFinal: boolean;
}

export function logToJson(r: RunLogRecord): LogJson {
  return {
    sequence: r.sequence,
    level: logLevelName(r.level),
    message: r.message,
    timestamp: r.timestamp.toISOString(),
    logger: r.logger,
    taskRunId: r.taskRunId ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}

export interface LogRouteDeps {
  logs: RunLogService;
}

/**
 * A run's logs over HTTP, for the web UI and scripts: the same service as gRPC's ListLogs and
 * WatchLogs.
 * - `GET /api/runs/:id/logs?level=warning&taskRun=<id>&since=<ISO>&until=<ISO>&after=<seq>&order=newest&pageSize=&pageToken=`
 *   → LogPageJson.
 * - `GET /api/runs/:id/logs/events?level=&taskRun=&after=<seq>` → Server-Sent Events: `logs` events
 *   (LogEventJson, id = its lastSequence, so a reconnecting EventSource resumes after it through
 *   Last-Event-ID), then one `end` event once the run is final and every stored record was sent.
 */
export function addLogRoutes(router: Router, d: LogRouteDeps): Router {
  return router
    .add("GET", "/api/runs/:id/logs", async ({ params, url }) => {
      const q = url.searchParams;
      const order = q.get("order") ?? "oldest";
      if (order !== "oldest" && order !== "newest") {
        throw new InvalidArgumentError('order must be "oldest" or "newest".', [
          { field: "order", description: 'must be "oldest" or "newest"' },
        ]);
      }
      const page = await d.logs.list({
        flowRunId: params["id"]!,
        taskRunId: q.get("taskRun") ?? "",
        minLevel: levelFromQuery(q.get("level")),
        from: timeFromQuery(q.get("since"), "since"),
        to: timeFromQuery(q.get("until"), "until"),
        pageSize: integerFromQuery(q.get("pageSize"), "pageSize"),
        pageToken: q.get("pageToken") ?? "",
        afterSequence: sequenceFromQuery(q.get("after"), "after"),
        newestFirst: order === "newest",
      });
      const json: LogPageJson = {
        logs: page.logs.map(logToJson),
        nextPageToken: page.nextPageToken,
        trimmedCount: page.trimmedCount,
        lastSequence: page.lastSequence,
      };
      return { json };
    })
    .add("GET", "/api/runs/:id/logs/events", async ({ params, url, req, res, signal }) => {
      const q = url.searchParams;
      const lastEventId = req.headers["last-event-id"];
      const after = q.get("after") ?? (typeof lastEventId === "string" ? lastEventId : null);
      // Not opened up front: an unknown run or a bad filter is still answered with a JSON error.
      const sse = new SseStream(res);
      try {
        await d.logs.watch(
          {
            flowRunId: params["id"]!,
            taskRunId: q.get("taskRun") ?? "",
            minLevel: levelFromQuery(q.get("level")),
            afterSequence: sequenceFromQuery(after, "after"),
          },
          signal,
          (m) => {
            sse.send(m.runFinal ? "end" : "logs", eventJson(m), String(m.lastSequence));
            return !res.writableNeedDrain;
          },
          () => drainedOf(res, signal),
        );
      } finally {
        if (sse.isOpen) sse.end();
      }
      return "streamed";
    });
}

function eventJson(m: WatchLogsMessage): LogEventJson {
  return { logs: m.logs.map(logToJson), lastSequence: m.lastSequence, skippedCount: m.skippedCount, runFinal: m.runFinal };
}

function drainedOf(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || !res.writableNeedDrain) return resolve();
    res.once("drain", () => resolve());
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

function levelFromQuery(text: string | null): number {
  if (text === null || text === "") return 0;
  const level = parseLogLevel(text);
  if (level === undefined) {
    throw new InvalidArgumentError(`level must be one of debug, info, warning, error, critical (got "${text.slice(0, 40)}").`, [
      { field: "level", description: "must be debug, info, warning, error or critical" },
    ]);
  }
  return level;
}

function timeFromQuery(text: string | null, field: string): Date | undefined {
  if (text === null || text === "") return undefined;
  const t = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || !Number.isFinite(t.getTime())) {
    throw new InvalidArgumentError(`${field} must be an ISO 8601 time, like 2026-01-31T12:00:00Z.`, [
      { field, description: "must be an ISO 8601 time" },
    ]);
  }
  return t;
}

function sequenceFromQuery(text: string | null, field: string): number {
  if (text === null || text === "") return 0;
  if (!/^\d{1,15}$/.test(text)) {
    throw new InvalidArgumentError(`${field} must be a sequence number (a non-negative integer).`, [
      { field, description: "must be a non-negative integer" },
    ]);
  }
  return Number(text);
}
