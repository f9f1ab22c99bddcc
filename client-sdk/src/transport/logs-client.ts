/* eslint-disable @typescript-eslint/unbound-method -- call() and stream() bind each generated method to its client before calling it. */
/**
 * LogService as promises and async iterables over the SDK's own types (`client.logs`). Not retried
 * here: the log shipper retries CreateLogs itself (with the same request id), and a watch is followed
 * by followLogs, which resumes after the last sequence number it saw.
 */
import { randomUUID } from "node:crypto";
import type { ChannelCredentials } from "@grpc/grpc-js";
import * as pb from "@flowgate/contract/flowgate/v1/log_service.js";
import type { CallOptions } from "../types.js";
import type {
  CreateLogsResult,
  ListLogsParams,
  LogLevel,
  LogPage,
  LogRecordInput,
  LogWatchMessage,
  RunLog,
  WatchLogsParams,
} from "../logs/log-types.js";
import { serverStream, unary, type CallSetup, type StreamMethod, type UnaryMethod } from "./grpc-call.js";

const LEVEL_TO_PB: Record<LogLevel, pb.LogLevel> = {
  debug: pb.LogLevel.LOG_LEVEL_DEBUG,
  info: pb.LogLevel.LOG_LEVEL_INFO,
  warning: pb.LogLevel.LOG_LEVEL_WARNING,
  error: pb.LogLevel.LOG_LEVEL_ERROR,
  critical: pb.LogLevel.LOG_LEVEL_CRITICAL,
};

function levelFromPb(level: pb.LogLevel): LogLevel {
  if (level >= pb.LogLevel.LOG_LEVEL_CRITICAL) return "critical";
  if (level >= pb.LogLevel.LOG_LEVEL_ERROR) return "error";
  if (level >= pb.LogLevel.LOG_LEVEL_WARNING) return "warning";
  if (level >= pb.LogLevel.LOG_LEVEL_INFO || level === pb.LogLevel.LOG_LEVEL_UNSPECIFIED) return "info";
  return "debug";
}

export function toRunLog(l: pb.Log): RunLog {
  return {
    flowRunId: l.flowRunId,
    taskRunId: l.taskRunId || undefined,
    sequence: l.sequence,
    level: levelFromPb(l.level),
    message: l.message,
    timestamp: l.timestamp ?? new Date(0),
    logger: l.logger,
    createdAt: l.createdAt ?? new Date(0),
  };
}

function toPbRecord(r: LogRecordInput): pb.LogRecord {
  return { taskRunId: r.taskRunId ?? "", level: LEVEL_TO_PB[r.level], message: r.message, timestamp: r.timestamp, logger: r.logger ?? "" };
}

export class LogsClient {
  private readonly client: pb.LogServiceClient;

  /** Made by FlowgateClient (`client.logs`), on its channel settings, headers and interceptors. */
  constructor(
    address: string,
    channel: ChannelCredentials,
    private readonly setup: (rpc: string) => CallSetup,
  ) {
    this.client = new pb.LogServiceClient(address, channel);
  }

  close(): void {
    this.client.close();
  }

  private call<Req, Res>(rpc: string, method: UnaryMethod<Req, Res>, request: Req, opts?: CallOptions): Promise<Res> {
    return unary(this.setup(rpc), method.bind(this.client), request, opts);
  }

  private stream<Req, Res>(
    rpc: string,
    method: StreamMethod<Req, Res>,
    request: Req,
    opts?: CallOptions,
  ): AsyncGenerator<Res, void, undefined> {
    return serverStream(this.setup(rpc), method.bind(this.client), request, opts);
  }

  /**
   * Appends records (1 to 1,000) to a run's log. A retry with the same `requestId` is stored once.
   * Scope: runs:write. @throws FlowRunNotFoundError, TaskRunNotFoundError, InvalidArgumentError
   */
  async create(
    flowRunId: string,
    records: readonly LogRecordInput[],
    opts: CallOptions & { requestId?: string | undefined } = {},
  ): Promise<CreateLogsResult> {
    const req = { flowRunId, logs: records.map(toPbRecord), requestId: opts.requestId ?? randomUUID() };
    const res = await this.call("CreateLogs", this.client.createLogs, req, opts);
    return {
      firstSequence: res.firstSequence,
      lastSequence: res.lastSequence,
      clippedCount: res.clippedCount,
      trimmedCount: res.trimmedCount,
    };
  }

  /** One page of a run's records (oldest first unless `newestFirst`). Scope: runs:read. @throws FlowRunNotFoundError, InvalidArgumentError */
  async list(p: ListLogsParams, opts?: CallOptions): Promise<LogPage> {
    const req = pb.ListLogsRequest.fromPartial({
      flowRunId: p.flowRunId,
      taskRunId: p.taskRunId ?? "",
      minLevel: p.minLevel ? LEVEL_TO_PB[p.minLevel] : pb.LogLevel.LOG_LEVEL_UNSPECIFIED,
      startTime: p.since,
      endTime: p.until,
      pageSize: p.pageSize ?? 0,
      pageToken: p.pageToken ?? "",
      afterSequence: p.afterSequence ?? 0,
      newestFirst: p.newestFirst ?? false,
    });
    const res = await this.call("ListLogs", this.client.listLogs, req, opts);
    return {
      logs: res.logs.map(toRunLog),
      nextPageToken: res.nextPageToken,
      trimmedCount: res.trimmedCount,
      lastSequence: res.lastSequence,
    };
  }

  /**
   * One WatchLogs stream, as sent: the records after `afterSequence`, then new ones, ending after a
   * `runFinal` message. No reconnects (followLogs adds them). Scope: runs:read. @throws FlowRunNotFoundError
   */
  async *watch(p: WatchLogsParams, opts?: CallOptions): AsyncGenerator<LogWatchMessage, void, undefined> {
    const req = pb.WatchLogsRequest.fromPartial({
      flowRunId: p.flowRunId,
      taskRunId: p.taskRunId ?? "",
      minLevel: p.minLevel ? LEVEL_TO_PB[p.minLevel] : pb.LogLevel.LOG_LEVEL_UNSPECIFIED,
      afterSequence: p.afterSequence ?? 0,
    });
    for await (const m of this.stream("WatchLogs", this.client.watchLogs, req, opts)) {
      yield { logs: m.logs.map(toRunLog), lastSequence: m.lastSequence, skippedCount: m.skippedCount, runFinal: m.runFinal };
    }
  }
}
