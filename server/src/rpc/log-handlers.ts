import type { Log as WireLog, LogServiceServer } from "@flowgate/contract/flowgate/v1/log_service.js";
import type { RunLogService } from "../app/log-service.js";
import type { RunLogRecord } from "../domain/run-logs.js";
import type { HandlerAdapter } from "./adapter.js";

export function logToWire(r: RunLogRecord): WireLog {
  return {
    flowRunId: r.flowRunId,
    taskRunId: r.taskRunId ?? "",
    sequence: r.sequence,
    level: r.level,
    message: r.message,
    timestamp: r.timestamp,
    logger: r.logger,
    createdAt: r.createdAt,
  };
}

/** LogService: thin decoding around the run log service; who may call what is the middleware's business. */
export function logHandlers(a: HandlerAdapter, logs: RunLogService): LogServiceServer {
  return {
    createLogs: a.unary("CreateLogs", async (req) => {
      const r = await logs.create(
        req.flowRunId,
        req.logs.map((l) => ({ taskRunId: l.taskRunId, level: l.level, message: l.message, timestamp: l.timestamp, logger: l.logger })),
        req.requestId,
      );
      return { firstSequence: r.firstSequence, lastSequence: r.lastSequence, clippedCount: r.clippedCount, trimmedCount: r.trimmedCount };
    }),
    listLogs: a.unary("ListLogs", async (req) => {
      const page = await logs.list({
        flowRunId: req.flowRunId,
        taskRunId: req.taskRunId,
        minLevel: req.minLevel,
        from: req.startTime,
        to: req.endTime,
        pageSize: req.pageSize,
        pageToken: req.pageToken,
        afterSequence: req.afterSequence,
        newestFirst: req.newestFirst,
      });
      return {
        logs: page.logs.map(logToWire),
        nextPageToken: page.nextPageToken,
        trimmedCount: page.trimmedCount,
        lastSequence: page.lastSequence,
      };
    }),
    watchLogs: a.serverStream("WatchLogs", (req, ctx, send, drained) =>
      logs.watch(
        { flowRunId: req.flowRunId, taskRunId: req.taskRunId, minLevel: req.minLevel, afterSequence: req.afterSequence },
        ctx.signal,
        (m) => send({ logs: m.logs.map(logToWire), lastSequence: m.lastSequence, skippedCount: m.skippedCount, runFinal: m.runFinal }),
        drained,
      ),
    ),
  };
}
