/**
 * Ships run log records to the server in batches, in the background: logging a line is a push onto
 * a bounded buffer and never waits. A batch goes every `flushIntervalMs` (200 ms), or as soon as
 * `batchRecords` lines (500) or `batchBytes` are waiting, one CreateLogs call at a time so a run's
 * lines are stored in the order they were logged. When the buffer is full (the server is slower than
 * the flow, or away), its oldest lines are dropped and counted, as the server's per-run cap drops a
 * run's oldest, so the newest lines (where a failure is) survive; the count reaches the run's log as
 * a warning just before the first line kept. A flow is never slowed down or stopped by its logging.
 * A flow's end flushes what it logged.
 */
import { randomUUID } from "node:crypto";
import { isTransientError } from "../errors.js";
import type { LogsClient } from "../transport/logs-client.js";
import type { LogRecordInput } from "./log-types.js";

export interface LogShipperOptions {
  flushIntervalMs: number;
  /** A batch holds at most this many records and (about) this many bytes of messages. */
  batchRecords: number;
  batchBytes: number;
  /** Lines and bytes the buffer holds at most; beyond, new lines are dropped (and counted). */
  maxBufferedRecords: number;
  maxBufferedBytes: number;
  /** How long a batch is retried while the server is unreachable before it is given up (and counted as dropped). */
  retryForMs: number;
}

export const DEFAULT_LOG_SHIPPER: LogShipperOptions = {
  flushIntervalMs: 200,
  batchRecords: 500,
  batchBytes: 1024 * 1024,
  maxBufferedRecords: 20_000,
  maxBufferedBytes: 8 * 1024 * 1024,
  retryForMs: 30_000,
};

/** The server keeps 16,000 characters of a message; the SDK cuts before buffering, so one huge line cannot fill memory. */
export const MAX_MESSAGE_CHARS = 16_000;

interface Queued {
  flowRunId: string;
  record: LogRecordInput;
  bytes: number;
}

/** What the shipper did, for tests and the benchmark. */
export interface ShipperStats {
  /** Lines stored by the server. */
  sent: number;
  /** Lines dropped: buffer full, or a batch the server refused or never answered. */
  dropped: number;
  /** Lines waiting in the buffer now. */
  buffered: number;
}

export class LogShipper {
  private queue: Queued[] = [];
  /** Index of the first queued item (the queue is compacted now and then rather than shifted). */
  private head = 0;
  private bufferedBytes = 0;
  /** Lines dropped per run and not yet reported in that run's log. */
  private readonly unreported = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  /** Lines ever enqueued (dropped ones included), and lines settled (sent or dropped), for flush(). */
  private enqueued = 0;
  private settled = 0;
  private readonly waiters: { upTo: number; resolve: () => void }[] = [];
  private readonly stats: ShipperStats = { sent: 0, dropped: 0, buffered: 0 };
  private warned = false;

  constructor(
    private readonly logs: LogsClient,
    private readonly opts: LogShipperOptions = DEFAULT_LOG_SHIPPER,
    /** Where the shipper says, once, that the server refuses its logs (default: stderr). */
    private readonly warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  /** Queues a record of a run; never waits, never throws. */
  enqueue(flowRunId: string, record: LogRecordInput): void {
    const message = clipMessage(record.message);
    const bytes = Buffer.byteLength(message, "utf8") + (record.logger?.length ?? 0) + 64;
    this.enqueued++;
    // Full: the oldest waiting lines make room (they would be the first to go from the run's log too).
    while (
      this.queue.length > this.head &&
      (this.queue.length - this.head >= this.opts.maxBufferedRecords || this.bufferedBytes + bytes > this.opts.maxBufferedBytes)
    ) {
      const oldest = this.queue[this.head++]!;
      this.bufferedBytes -= oldest.bytes;
      this.drop(oldest.flowRunId, 1);
      this.settle(1);
    }
    this.compact();
    this.queue.push({ flowRunId, record: { ...record, message, timestamp: record.timestamp ?? new Date() }, bytes });
    this.bufferedBytes += bytes;
    if (this.queue.length - this.head >= this.opts.batchRecords || this.bufferedBytes >= this.opts.batchBytes) this.kick();
    else this.schedule();
  }

  /**
   * Resolves once every line queued before the call has been sent or given up, or when the signal
   * aborts or `timeoutMs` passes (what is left is still sent in the background).
   */
  async flush(opts: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {}): Promise<void> {
    const upTo = this.enqueued;
    if (this.settled >= upTo) return;
    this.kick();
    await new Promise<void>((resolve) => {
      const waiter = { upTo, resolve: () => done() };
      const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => done(), opts.timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        opts.signal?.removeEventListener("abort", done);
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      };
      if (opts.signal?.aborted) return done();
      opts.signal?.addEventListener("abort", done, { once: true });
      this.waiters.push(waiter);
    });
  }

  snapshot(): ShipperStats {
    return { ...this.stats, buffered: this.queue.length - this.head };
  }

  private drop(flowRunId: string, n: number): void {
    this.stats.dropped += n;
    this.unreported.set(flowRunId, (this.unreported.get(flowRunId) ?? 0) + n);
  }

  private settle(n: number): void {
    this.settled += n;
    for (const w of [...this.waiters]) if (this.settled >= w.upTo) w.resolve();
  }

  private schedule(): void {
    if (this.timer || this.sending) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, this.opts.flushIntervalMs);
    // Lines still buffered do not keep a finished script alive: a flow's end flushes its own.
    this.timer.unref();
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.sending ??= this.sendAll().finally(() => {
      this.sending = undefined;
      if (this.queue.length > this.head) this.schedule();
    });
  }

  /** Sends batches until the buffer is empty; one call at a time, so order is kept. */
  private async sendAll(): Promise<void> {
    while (this.queue.length > this.head) {
      const batch = this.takeBatch();
      const records = batch.map((q) => q.record);
      const flowRunId = batch[0]!.flowRunId;
      const dropped = this.unreported.get(flowRunId) ?? 0;
      if (dropped > 0) {
        this.unreported.delete(flowRunId);
        records.unshift({
          level: "warning",
          logger: "flowgate",
          message: `${dropped.toLocaleString("en-US")} log line${dropped === 1 ? " was" : "s were"} dropped before the next one: the SDK's log buffer (${this.opts.maxBufferedRecords.toLocaleString("en-US")} lines) was full, as the server took them slower than they were logged or could not be reached.`,
          timestamp: batch[0]!.record.timestamp,
        });
      }
      const stored = await this.send(flowRunId, records);
      if (stored) this.stats.sent += batch.length;
      else this.drop(flowRunId, batch.length);
      this.settle(batch.length);
    }
    // Compact once empty, so the array does not grow without bound.
    this.queue = [];
    this.head = 0;
  }

  private takeBatch(): Queued[] {
    const first = this.queue[this.head]!;
    const batch: Queued[] = [];
    let bytes = 0;
    while (this.queue.length > this.head && batch.length < this.opts.batchRecords) {
      const next = this.queue[this.head]!;
      // One run per call; the batch stays under the byte budget (at least one line always goes).
      if (next.flowRunId !== first.flowRunId || (batch.length > 0 && bytes + next.bytes > this.opts.batchBytes)) break;
      batch.push(next);
      bytes += next.bytes;
      this.head++;
    }
    this.bufferedBytes -= bytes;
    this.compact();
    return batch;
  }

  /** Drops the slots of lines already taken, once they are the larger part of the array. */
  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** One CreateLogs call, retried with the same request id while the server is unreachable; whether it was stored. */
  private async send(flowRunId: string, records: LogRecordInput[]): Promise<boolean> {
    const requestId = randomUUID();
    const deadline = Date.now() + this.opts.retryForMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.logs.create(flowRunId, records, { requestId, timeoutMs: 10_000 });
        return true;
      } catch (err) {
        if (isTransientError(err) && Date.now() < deadline) {
          await pause(Math.min(2_000, 100 * 2 ** attempt));
          continue;
        }
        if (!this.warned) {
          this.warned = true;
          this.warn(
            `flowgate: a batch of run log lines was not stored (${err instanceof Error ? err.message : String(err)}); the flow goes on.`,
          );
        }
        return false;
      }
    }
  }
}

/** A wait that does not keep the process alive. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** At most MAX_MESSAGE_CHARS UTF-16 units, not splitting a surrogate pair, with a note of what was cut. */
export function clipMessage(message: string): string {
  if (message.length <= MAX_MESSAGE_CHARS) return message;
  const note = ` … [${(message.length - MAX_MESSAGE_CHARS + 40).toLocaleString("en-US")} characters cut]`;
  let end = MAX_MESSAGE_CHARS - 40;
  const c = message.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return message.slice(0, end) + note;
}
