import { MongoServerError, type Collection, type Db } from "mongodb";
import type { LogBatch, LogNotice, LogNoticeFeedStore, RunLogHead, RunLogStore } from "../app/log-ports.js";
import type { LogEntry, LogLevel } from "../domain/run-logs.js";
import { COLLECTIONS } from "./collections.js";

const DUPLICATE_KEY = 11000;
const BATCH_DIGITS = 10;
const NOTICE_DIGITS = 15;

/**
 * One batch. `_id` is "<run id>/<number, zero-padded>": a batch is found by primary key alone, and
 * a run's batches sort together. The records are one JSON text of compact tuples
 * [taskRunId, level, message, timestamp ms, logger]: one string field is what FerretDB stores and
 * reads fastest, and nothing queries inside it.
 */
interface BatchDocument {
  _id: string;
  flowRunId: string;
  number: number;
  startSequence: number;
  startBytes: number;
  bytes: number;
  count: number;
  entries: string;
  createdAt: Date;
  requestId?: string;
}

type EntryTuple = [string, number, string, number, string];

interface HeadDocument {
  _id: string;
  first?: number;
  last?: number;
  lastSequence?: number;
  bytes?: number;
  firstAt?: Date;
}

interface NoticeDocument {
  _id: string;
  flowRunId: string;
  lastBatch: number;
  lastSequence: number;
  at: Date;
}

export function batchId(flowRunId: string, number: number): string {
  return `${flowRunId}/${String(number).padStart(BATCH_DIGITS, "0")}`;
}

function encodeEntries(entries: readonly LogEntry[]): string {
  return JSON.stringify(entries.map((e): EntryTuple => [e.taskRunId ?? "", e.level, e.message, e.timestamp.getTime(), e.logger]));
}

function decodeEntries(text: string): LogEntry[] {
  return (JSON.parse(text) as EntryTuple[]).map(([taskRunId, level, message, at, logger]) => ({
    ...(taskRunId ? { taskRunId } : {}),
    level: level as LogLevel,
    message,
    timestamp: new Date(at),
    logger,
  }));
}

function toBatch(d: BatchDocument): LogBatch {
  return {
    flowRunId: d.flowRunId,
    number: d.number,
    startSequence: d.startSequence,
    startBytes: d.startBytes,
    bytes: d.bytes,
    entries: decodeEntries(d.entries),
    createdAt: d.createdAt,
    ...(d.requestId ? { requestId: d.requestId } : {}),
  };
}

function toHead(d: HeadDocument): RunLogHead {
  return {
    flowRunId: d._id,
    first: d.first ?? 1,
    last: d.last ?? 0,
    lastSequence: d.lastSequence ?? 0,
    bytes: d.bytes ?? 0,
    ...(d.firstAt ? { firstAt: d.firstAt } : {}),
  };
}

/**
 * The `run_logs` collection (batches) and `run_log_heads` (one document per run with logs). Every
 * operation on a batch names it by `_id`; updates of a head use only $max/$min/$set by `_id`, so a
 * lost update on the embedded store (whose filtered updates are not atomic) leaves a value that
 * lags, which readers and writers tolerate (see log-ports.ts), never one that is wrong.
 */
export class RunLogRepository implements RunLogStore {
  private readonly batches: Collection<BatchDocument>;
  private readonly heads: Collection<HeadDocument>;

  constructor(db: Db) {
    this.batches = db.collection<BatchDocument>(COLLECTIONS.runLogs);
    this.heads = db.collection<HeadDocument>(COLLECTIONS.runLogHeads);
  }

  async head(flowRunId: string): Promise<RunLogHead | undefined> {
    const d = await this.heads.findOne({ _id: flowRunId });
    return d ? toHead(d) : undefined;
  }

  async batch(flowRunId: string, number: number): Promise<LogBatch | undefined> {
    const d = await this.batches.findOne({ _id: batchId(flowRunId, number) });
    return d ? toBatch(d) : undefined;
  }

  async insertBatch(b: LogBatch): Promise<boolean> {
    try {
      await this.batches.insertOne({
        _id: batchId(b.flowRunId, b.number),
        flowRunId: b.flowRunId,
        number: b.number,
        startSequence: b.startSequence,
        startBytes: b.startBytes,
        bytes: b.bytes,
        count: b.entries.length,
        entries: encodeEntries(b.entries),
        createdAt: b.createdAt,
        ...(b.requestId ? { requestId: b.requestId } : {}),
      });
      return true;
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) return false;
      throw err;
    }
  }

  async advanceHead(flowRunId: string, to: { last: number; lastSequence: number; bytes: number; at: Date }): Promise<void> {
    await this.heads.updateOne(
      { _id: flowRunId },
      { $max: { last: to.last, lastSequence: to.lastSequence, bytes: to.bytes }, $min: { firstAt: to.at }, $setOnInsert: { first: 1 } },
      { upsert: true },
    );
  }

  async advanceFirst(flowRunId: string, first: number, firstAt: Date | undefined): Promise<void> {
    await this.heads.updateOne(
      { _id: flowRunId },
      firstAt ? { $max: { first }, $set: { firstAt } } : { $max: { first }, $unset: { firstAt: "" } },
      { upsert: true },
    );
  }

  async deleteBatch(flowRunId: string, number: number): Promise<void> {
    await this.batches.deleteOne({ _id: batchId(flowRunId, number) });
  }

  async headsWrittenBefore(cutoff: Date, limit: number): Promise<RunLogHead[]> {
    const docs = await this.heads
      .find({ firstAt: { $lt: cutoff } })
      .limit(limit)
      .toArray();
    return docs.map(toHead);
  }
}

function noticeId(n: number): string {
  return String(n).padStart(NOTICE_DIGITS, "0");
}

/**
 * The `run_log_notices` feed: "run X's log reaches batch n", appended by the server that stored the
 * batch and read by every other one, numbered densely by the insert itself and followed with `_id`
 * lookups alone, exactly like the run event feed (event-log.ts explains why).
 */
export class LogNoticeFeed implements LogNoticeFeedStore {
  private readonly notices: Collection<NoticeDocument>;
  private head = 0;

  constructor(db: Db) {
    this.notices = db.collection<NoticeDocument>(COLLECTIONS.runLogNotices);
  }

  async readHead(): Promise<number> {
    const last = await this.notices
      .find({}, { projection: { _id: 1 } })
      .sort({ _id: -1 })
      .limit(1)
      .next();
    this.head = Math.max(this.head, last ? Number(last._id) : 0);
    return this.head;
  }

  async append(notice: LogNotice): Promise<number> {
    for (let n = this.head + 1; ; n++) {
      try {
        await this.notices.insertOne({ _id: noticeId(n), ...notice, at: new Date() });
        this.head = Math.max(this.head, n);
        return n;
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) throw err;
        this.head = Math.max(this.head, n);
      }
    }
  }

  async get(n: number): Promise<LogNotice | undefined> {
    const d = await this.notices.findOne({ _id: noticeId(n) });
    if (!d) return undefined;
    this.head = Math.max(this.head, n);
    return { flowRunId: d.flowRunId, lastBatch: d.lastBatch, lastSequence: d.lastSequence };
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    return (await this.notices.deleteMany({ at: { $lt: cutoff } })).deletedCount;
  }
}
