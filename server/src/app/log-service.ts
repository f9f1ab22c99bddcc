import { InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import {
  checkAfterSequence,
  checkLogFilter,
  checkLogPageSize,
  matchesLogFilter,
  prepareLogBatch,
  type LogCaps,
  type LogFilter,
  type LogInput,
  type RunLogRecord,
} from "../domain/run-logs.js";
import { isFinal } from "../domain/states.js";
import { optionalRequestId, requireId } from "../domain/validation.js";
import type { AppContext } from "./context.js";
import type { LogHub } from "./log-hub.js";
import type { LogBatch, RunLogHead, RunLogStore } from "./log-ports.js";
import { RunLogWriter } from "./log-writer.js";

export interface RunLogServiceOptions {
  caps: LogCaps;
}

export interface CreateLogsResult {
  firstSequence: number;
  lastSequence: number;
  clippedCount: number;
  trimmedCount: number;
}

export interface ListLogsQuery {
  flowRunId: string;
  taskRunId: string;
  minLevel: number;
  from?: Date | undefined;
  to?: Date | undefined;
  pageSize: number;
  pageToken: string;
  afterSequence: number;
  newestFirst: boolean;
}

export interface LogPage {
  logs: RunLogRecord[];
  nextPageToken: string;
  trimmedCount: number;
  lastSequence: number;
}

export interface WatchLogsQuery {
  flowRunId: string;
  taskRunId: string;
  minLevel: number;
  afterSequence: number;
}

export interface WatchLogsMessage {
  logs: RunLogRecord[];
  lastSequence: number;
  skippedCount: number;
  runFinal: boolean;
}

/**
 * Sends one message of a watch. False means the transport's buffer is full: the watch then waits
 * for `drained` before reading more from the store, so a slow reader holds the stream back rather
 * than filling the server's memory.
 */
export type WatchSend = (m: WatchLogsMessage) => boolean | void;

/** Records and bytes in one watch message (a page is bounded the same way by bytes). */
export const WATCH_MESSAGE_RECORDS = 500;
const MESSAGE_MAX_BYTES = 1024 * 1024;
/** Batches one page or one watch message may read before answering with what it has. */
const MAX_BATCH_READS = 64;
/** A watch re-reads the store this often even without a notice (a notice lost to a crash, a missed final state). */
const WATCH_RECHECK_MS = 10_000;
/** How far past a run's head its newest batch can be, at most (the writer updates heads every 16 batches). */
const MAX_HEAD_LAG = 64;
/** Runs and task runs known to exist, so that a batch costs no lookup of its run. */
const MAX_KNOWN = 10_000;

/** A position in a run's log: batch `batch`, past sequence number `after`. */
interface Cursor {
  batch: number;
  after: number;
}

interface ReadResult {
  records: RunLogRecord[];
  next: Cursor;
  /** No more stored (for now). */
  atEnd: boolean;
  /** Records that were no longer stored between the cursor and what was read. */
  skipped: number;
}

/**
 * Run logs: CreateLogs, ListLogs and WatchLogs on gRPC, and the HTTP API's log routes, all through here.
 * Records are read batch by batch, by primary key, and filtered here (see log-ports.ts for why).
 */
export class RunLogService {
  readonly writer: RunLogWriter;
  private readonly batches: RunLogStore;
  private readonly knownRuns = new Set<string>();
  private readonly knownTaskRuns = new Map<string, string>();

  constructor(
    private readonly ctx: AppContext,
    private readonly hub: LogHub,
    opts: RunLogServiceOptions,
  ) {
    this.batches = ctx.store.logs.batches;
    this.writer = new RunLogWriter(this.batches, opts.caps, ctx.logger);
  }

  /**
   * Stores a batch after the run's last one.
   * @throws FLOW_RUN_NOT_FOUND, TASK_RUN_NOT_FOUND (also for a task run of another flow run), INVALID_ARGUMENT
   */
  async create(flowRunIdText: string, inputs: readonly LogInput[], requestIdText: string): Promise<CreateLogsResult> {
    const flowRunId = requireId("flow_run_id", flowRunIdText);
    const requestId = optionalRequestId(requestIdText);
    const now = new Date();
    const { entries, clipped, bytes, taskRunIds } = prepareLogBatch(inputs, now);
    await this.requireRun(flowRunId);
    for (const taskRunId of taskRunIds) await this.requireTaskRunOf(flowRunId, taskRunId);
    const r = await this.writer.append(flowRunId, entries, bytes, requestId, now);
    if (!r.replayed) await this.hub.publish({ flowRunId, lastBatch: r.batch, lastSequence: r.lastSequence });
    return { firstSequence: r.firstSequence, lastSequence: r.lastSequence, clippedCount: clipped, trimmedCount: r.trimmedCount };
  }

  /** One page of a run's records. @throws FLOW_RUN_NOT_FOUND, INVALID_ARGUMENT */
  async list(q: ListLogsQuery): Promise<LogPage> {
    const flowRunId = requireId("flow_run_id", q.flowRunId);
    const filter = checkLogFilter({ taskRunId: q.taskRunId, minLevel: q.minLevel, from: q.from, to: q.to });
    const size = checkLogPageSize(q.pageSize);
    const token = decodeToken(q.pageToken);
    const after = checkAfterSequence(q.afterSequence);
    if (!(await this.ctx.store.runs.get(flowRunId))) throw runNotFound(flowRunId);
    const head = await this.batches.head(flowRunId);
    const newest = await this.newestBatch(flowRunId, head);
    const oldest = head ? await this.writer.findOldest(flowRunId, head.first, newest?.number ?? head.last) : undefined;
    const summary = {
      trimmedCount: oldest?.startSequence ?? (newest ? newest.startSequence + newest.entries.length : (head?.lastSequence ?? 0)),
      lastSequence: newest ? newest.startSequence + newest.entries.length : (head?.lastSequence ?? 0),
    };
    if (token?.newestFirst ?? q.newestFirst) {
      const from = token ?? { batch: newest?.number ?? 0, after: Number.MAX_SAFE_INTEGER };
      const r = await this.readBackward(flowRunId, from, filter, size, oldest?.number ?? 1);
      return { logs: r.records, nextPageToken: r.atEnd ? "" : encodeToken(true, r.next), ...summary };
    }
    const from = token ?? (await this.locate(flowRunId, after, head));
    const r = await this.readForward(flowRunId, from, filter, size);
    return { logs: r.records, nextPageToken: r.atEnd ? "" : encodeToken(false, r.next), ...summary };
  }

  /**
   * The run's records after `afterSequence`, then new ones as they are stored, until the run is final
   * and everything stored was sent (or the signal aborts).
   * @throws FLOW_RUN_NOT_FOUND, INVALID_ARGUMENT
   */
  async watch(q: WatchLogsQuery, signal: AbortSignal, send: WatchSend, drained: () => Promise<void>): Promise<void> {
    const flowRunId = requireId("flow_run_id", q.flowRunId);
    const filter = checkLogFilter({ taskRunId: q.taskRunId, minLevel: q.minLevel });
    const after = checkAfterSequence(q.afterSequence);
    let woken = false;
    let final = false;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      woken = true;
      wake?.();
    };
    // Subscribed before anything is read, so that no batch and no final state falls in between.
    const unsubscribeLogs = this.hub.subscribe(flowRunId, notify);
    const unsubscribeRun = this.ctx.hub.subscribe(flowRunId, (e) => {
      if (e.run.state && isFinal(e.run.state.type)) {
        final = true;
        notify();
      }
    });
    const onAbort = (): void => wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      const run = await this.ctx.store.runs.get(flowRunId);
      if (!run) throw runNotFound(flowRunId);
      final ||= run.state !== undefined && isFinal(run.state.type);
      let cursor = await this.locate(flowRunId, after, await this.batches.head(flowRunId));
      let sent = false;
      while (!signal.aborted) {
        woken = false;
        // Final before this read began: the run's process flushed its logs before it ended the run,
        // so what this read finds is everything.
        const endsAfterThisRead = final;
        for (;;) {
          const r = await this.readForward(flowRunId, cursor, filter, WATCH_MESSAGE_RECORDS);
          const moved = r.next.after !== cursor.after;
          cursor = r.next;
          if (signal.aborted) return;
          if (r.records.length > 0 || r.skipped > 0 || moved) {
            sent = true;
            const open = send({ logs: r.records, lastSequence: cursor.after, skippedCount: r.skipped, runFinal: false });
            if (open === false) await Promise.race([drained(), aborted(signal)]);
          }
          if (r.atEnd) break;
        }
        // The first message comes at once, even with nothing to send: the watch is open, and this is where it stands.
        if (!sent && !endsAfterThisRead) {
          sent = true;
          send({ logs: [], lastSequence: cursor.after, skippedCount: 0, runFinal: false });
        }
        if (endsAfterThisRead) {
          send({ logs: [], lastSequence: cursor.after, skippedCount: 0, runFinal: true });
          return;
        }
        if (!woken) {
          const timedOut = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), WATCH_RECHECK_MS);
            wake = () => {
              clearTimeout(timer);
              resolve(false);
            };
            if (woken || signal.aborted) wake();
          });
          wake = undefined;
          if (timedOut) {
            const now = await this.ctx.store.runs.get(flowRunId);
            final ||= now?.state !== undefined && isFinal(now.state.type);
          }
        }
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      unsubscribeLogs();
      unsubscribeRun();
    }
  }

  /**
   * Retention: removes every batch written before the cutoff, oldest first, run by run; how many
   * records went. Housekeeping calls it.
   */
  async trimExpired(cutoff: Date, maxRuns = 1_000): Promise<number> {
    let removed = 0;
    for (const head of await this.batches.headsWrittenBefore(cutoff, maxRuns)) {
      const runId = head.flowRunId;
      const newest = await this.newestBatch(runId, head);
      const last = newest?.number ?? head.last;
      // The head may lag behind the newest batch: bring it up to date first, as that batch may go too
      // and the run's numbering must go on after it.
      if (newest && newest.number > head.last) {
        const end = {
          last: newest.number,
          lastSequence: newest.startSequence + newest.entries.length,
          bytes: newest.startBytes + newest.bytes,
        };
        await this.batches.advanceHead(runId, { ...end, at: newest.createdAt });
      }
      let oldest = await this.writer.findOldest(runId, head.first, last);
      while (oldest && oldest.createdAt < cutoff) {
        await this.batches.deleteBatch(runId, oldest.number);
        removed += oldest.entries.length;
        oldest = await this.writer.findOldest(runId, oldest.number + 1, last);
      }
      await this.batches.advanceFirst(runId, oldest?.number ?? last + 1, oldest?.createdAt);
      this.writer.forget(runId);
    }
    return removed;
  }

  private async requireRun(flowRunId: string): Promise<void> {
    if (this.knownRuns.has(flowRunId)) return;
    if (!(await this.ctx.store.runs.get(flowRunId))) throw runNotFound(flowRunId);
    if (this.knownRuns.size >= MAX_KNOWN) this.knownRuns.clear();
    this.knownRuns.add(flowRunId);
  }

  private async requireTaskRunOf(flowRunId: string, taskRunId: string): Promise<void> {
    const known = this.knownTaskRuns.get(taskRunId) ?? (await this.ctx.store.taskRuns.get(taskRunId))?.flowRunId;
    if (known !== flowRunId) {
      throw new NotFoundError(
        "TASK_RUN_NOT_FOUND",
        known === undefined
          ? `Task run ${taskRunId} was not found.`
          : `Task run ${taskRunId} belongs to another flow run than ${flowRunId}.`,
      );
    }
    if (this.knownTaskRuns.size >= MAX_KNOWN) this.knownTaskRuns.clear();
    this.knownTaskRuns.set(taskRunId, flowRunId);
  }

  /**
   * The run's newest batch: the head's, or a later one the head does not show yet (it is written every
   * few batches). When the head's own batch is gone (a cap that removed more than the head lags by),
   * the batches still stored start a little after it.
   */
  private async newestBatch(flowRunId: string, head: RunLogHead | undefined): Promise<LogBatch | undefined> {
    if (!head || head.last === 0) return undefined;
    let n = head.last;
    let newest = await this.batches.batch(flowRunId, n);
    while (!newest && n < head.last + MAX_HEAD_LAG) newest = await this.batches.batch(flowRunId, ++n);
    for (n++; newest; n++) {
      const later = await this.batches.batch(flowRunId, n);
      if (!later) return newest;
      newest = later;
    }
    return undefined;
  }

  /** Where reading after sequence number `after` starts: the batch holding `after + 1` (or the oldest stored). */
  private async locate(flowRunId: string, after: number, head: RunLogHead | undefined): Promise<Cursor> {
    if (!head) return { batch: 1, after };
    if (after === 0) return { batch: head.first, after };
    if (after >= head.lastSequence) return { batch: Math.max(1, head.last), after };
    // The last batch starting at or before `after`, among those still stored.
    const oldest = await this.writer.findOldest(flowRunId, head.first, head.last);
    if (!oldest || oldest.startSequence >= after) return { batch: oldest?.number ?? head.last + 1, after };
    let lo = oldest.number;
    let hi = head.last;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const b = await this.batches.batch(flowRunId, mid);
      if (!b || b.startSequence <= after) lo = mid;
      else hi = mid - 1;
    }
    return { batch: lo, after };
  }

  /**
   * Reads forward from the cursor until `limit` matching records (or about a megabyte of them), the
   * end of what is stored, or MAX_BATCH_READS batches. A missing batch before the head's end was
   * removed (cap, retention): reading goes on from the oldest one still stored, counting the gap.
   */
  private async readForward(flowRunId: string, from: Cursor, filter: LogFilter, limit: number): Promise<ReadResult> {
    const records: RunLogRecord[] = [];
    let { batch: n, after } = from;
    let skipped = 0;
    let bytes = 0;
    /** Whether batch n - 1 was read by this call: a missing batch n is then the end of the log. */
    let follows = false;
    for (let reads = 0; reads < MAX_BATCH_READS; reads++) {
      const b = await this.batches.batch(flowRunId, n);
      if (!b) {
        if (follows) return { records, next: { batch: n, after }, atEnd: true, skipped };
        // Not written yet, or removed (cap, retention): the newest batch tells which (the head may lag behind it).
        const newest = await this.newestBatch(flowRunId, await this.batches.head(flowRunId));
        const next = newest && n < newest.number ? await this.writer.findOldest(flowRunId, n + 1, newest.number) : undefined;
        if (!next) return { records, next: { batch: n, after }, atEnd: true, skipped };
        n = next.number;
        continue;
      }
      follows = true;
      if (b.startSequence > after) {
        skipped += b.startSequence - after;
        after = b.startSequence;
      }
      for (let i = Math.max(0, after - b.startSequence); i < b.entries.length; i++) {
        const entry = b.entries[i]!;
        const sequence = b.startSequence + i + 1;
        if (records.length >= limit || bytes >= MESSAGE_MAX_BYTES) return { records, next: { batch: n, after }, atEnd: false, skipped };
        after = sequence;
        if (!matchesLogFilter(entry, filter)) continue;
        records.push({ ...entry, flowRunId, sequence, createdAt: b.createdAt });
        bytes += entry.message.length + entry.logger.length;
      }
      n++;
    }
    return { records, next: { batch: n, after }, atEnd: false, skipped };
  }

  /** Reads backward (newest first) from batch `from.batch`, records before `from.after`, down to batch `oldest`. */
  private async readBackward(flowRunId: string, from: Cursor, filter: LogFilter, limit: number, oldest: number): Promise<ReadResult> {
    const records: RunLogRecord[] = [];
    let { batch: n, after: before } = from;
    let bytes = 0;
    for (let reads = 0; reads < MAX_BATCH_READS; reads++) {
      const b = n >= oldest && n > 0 ? await this.batches.batch(flowRunId, n) : undefined;
      if (!b) return { records, next: { batch: n, after: before }, atEnd: true, skipped: 0 };
      for (let i = Math.min(b.entries.length, before - b.startSequence - 1) - 1; i >= 0; i--) {
        const entry = b.entries[i]!;
        const sequence = b.startSequence + i + 1;
        if (records.length >= limit || bytes >= MESSAGE_MAX_BYTES)
          return { records, next: { batch: n, after: before }, atEnd: false, skipped: 0 };
        before = sequence;
        if (!matchesLogFilter(entry, filter)) continue;
        records.push({ ...entry, flowRunId, sequence, createdAt: b.createdAt });
        bytes += entry.message.length + entry.logger.length;
      }
      before = b.startSequence + 1;
      n--;
    }
    return { records, next: { batch: n, after: before }, atEnd: n < oldest || n < 1, skipped: 0 };
  }
}

function runNotFound(id: string): NotFoundError {
  return new NotFoundError("FLOW_RUN_NOT_FOUND", `Flow run ${id} was not found.`);
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** Page tokens: "a.<batch>.<after>" reading forward, "d.<batch>.<before>" reading newest first; base64url. */
function encodeToken(newestFirst: boolean, c: Cursor): string {
  return Buffer.from(`${newestFirst ? "d" : "a"}.${c.batch}.${c.after}`).toString("base64url");
}

function decodeToken(token: string): (Cursor & { newestFirst: boolean }) | undefined {
  if (!token) return undefined;
  const m = /^([ad])\.(\d{1,15})\.(\d{1,16})$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!m) throw new InvalidArgumentError("page_token is not one this server issued.", [{ field: "page_token", description: "is invalid" }]);
  return { newestFirst: m[1] === "d", batch: Number(m[2]), after: Number(m[3]) };
}
