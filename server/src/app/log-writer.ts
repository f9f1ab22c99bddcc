import type { Logger } from "pino";
import { mustTrimOldest, type LogCaps, type LogEntry } from "../domain/run-logs.js";
import type { LogBatch, RunLogStore } from "./log-ports.js";

/** What storing a batch gave it. */
export interface AppendResult {
  firstSequence: number;
  lastSequence: number;
  /** Records of the run no longer stored (oldest first), after this batch's trimming. */
  trimmedCount: number;
  /** The batch's number, for the notice. */
  batch: number;
  /** True when the batch had been stored already (a retry with the same request id). */
  replayed: boolean;
}

/** How many recent request ids per run are remembered to answer retries. */
export const RETRY_WINDOW_BATCHES = 16;
/** Runs whose log position this server keeps in memory (the least recently written are forgotten). */
const MAX_CACHED_RUNS = 10_000;
/**
 * A run's head is written with its first batch, then at most every HEAD_EVERY_BATCHES batches or
 * HEAD_EVERY_MS, not with each one: it is a starting point (readers step forward from it to the newest
 * batch), and one write less per batch is a fifth of what a batch costs the embedded store.
 */
const HEAD_EVERY_BATCHES = 16;
const HEAD_EVERY_MS = 1_000;

/** What this server knows of a run's log: where it ends, and where it starts. */
interface Position {
  last: number;
  lastSequence: number;
  bytes: number;
  /** The oldest stored batch as last seen (its number and bounds), for the cap check without a read. */
  oldest: { number: number; startSequence: number; startBytes: number } | undefined;
  /** Request ids of the run's latest batches, with what they got. */
  recent: Map<string, AppendResult>;
  /** What this server last wrote to the run's head, and when. */
  headWritten: { last: number; at: number } | undefined;
}

/**
 * Appends batches to runs' logs and keeps each within its cap.
 *
 * Numbers are claimed by the insert itself, as in the event feed: a writer inserts batch n + 1 and,
 * if another writer (another server) took that number first, reads it, moves past it and tries the
 * next one. So a run's batches have one order and no gaps, whatever the number of servers, and each
 * record's sequence number follows from its batch's place. This server remembers where each run's log
 * ends, so an append is one insert and one head update; writes to one run are queued here so that
 * they do not race each other for numbers.
 */
export class RunLogWriter {
  private readonly positions = new Map<string, Position>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: RunLogStore,
    private readonly caps: LogCaps,
    private readonly logger: Logger,
  ) {}

  append(flowRunId: string, entries: LogEntry[], bytes: number, requestId: string | undefined, now: Date): Promise<AppendResult> {
    const previous = this.queues.get(flowRunId) ?? Promise.resolve();
    const work = previous.then(
      () => this.appendNow(flowRunId, entries, bytes, requestId, now),
      () => this.appendNow(flowRunId, entries, bytes, requestId, now),
    );
    this.queues.set(flowRunId, work);
    const forget = (): void => {
      if (this.queues.get(flowRunId) === work) this.queues.delete(flowRunId);
    };
    work.then(forget, forget);
    return work;
  }

  /** Forgets what this server knew of the run (its log was trimmed by housekeeping). */
  forget(flowRunId: string): void {
    this.positions.delete(flowRunId);
  }

  private async appendNow(
    flowRunId: string,
    entries: LogEntry[],
    bytes: number,
    requestId: string | undefined,
    now: Date,
  ): Promise<AppendResult> {
    let pos = this.positions.get(flowRunId) ?? (await this.load(flowRunId, requestId !== undefined));
    const known = requestId ? pos.recent.get(requestId) : undefined;
    if (known) return { ...known, replayed: true };
    for (let reloads = 0; ;) {
      const batch: LogBatch = {
        flowRunId,
        number: pos.last + 1,
        startSequence: pos.lastSequence,
        startBytes: pos.bytes,
        bytes,
        entries,
        createdAt: now,
        ...(requestId ? { requestId } : {}),
      };
      if (await this.store.insertBatch(batch)) {
        this.moveTo(pos, batch);
        break;
      }
      // Taken by another writer: move past it; it may be this very batch, stored by a call whose answer was lost.
      const taken = await this.store.batch(flowRunId, batch.number);
      if (!taken) {
        // Taken, then removed before we could read it: our position is too old to trust.
        if (++reloads > 3) throw new Error(`could not find the end of run ${flowRunId}'s log`);
        pos = await this.load(flowRunId, requestId !== undefined);
        continue;
      }
      const result = this.moveTo(pos, taken);
      if (requestId && taken.requestId === requestId) return { ...result, replayed: true };
    }
    this.remember(flowRunId, pos);
    const written = pos.headWritten;
    if (!written || pos.last - written.last >= HEAD_EVERY_BATCHES || now.getTime() - written.at >= HEAD_EVERY_MS) {
      await this.store.advanceHead(flowRunId, { last: pos.last, lastSequence: pos.lastSequence, bytes: pos.bytes, at: now });
      pos.headWritten = { last: pos.last, at: now.getTime() };
    }
    const trimmedCount = await this.trim(flowRunId, pos);
    const result: AppendResult = {
      firstSequence: pos.lastSequence - entries.length + 1,
      lastSequence: pos.lastSequence,
      trimmedCount,
      batch: pos.last,
      replayed: false,
    };
    if (requestId) this.noteRequest(pos, requestId, result);
    return result;
  }

  /** Advances the position past a stored batch; what that batch got, for the retry window. */
  private moveTo(pos: Position, b: LogBatch): AppendResult {
    pos.last = b.number;
    pos.lastSequence = b.startSequence + b.entries.length;
    pos.bytes = b.startBytes + b.bytes;
    pos.oldest ??= { number: b.number, startSequence: b.startSequence, startBytes: b.startBytes };
    const result: AppendResult = {
      firstSequence: b.startSequence + 1,
      lastSequence: pos.lastSequence,
      trimmedCount: pos.oldest.startSequence,
      batch: b.number,
      replayed: false,
    };
    if (b.requestId) this.noteRequest(pos, b.requestId, result);
    return result;
  }

  private noteRequest(pos: Position, requestId: string, result: AppendResult): void {
    pos.recent.delete(requestId);
    pos.recent.set(requestId, result);
    while (pos.recent.size > RETRY_WINDOW_BATCHES) pos.recent.delete(pos.recent.keys().next().value!);
  }

  private remember(flowRunId: string, pos: Position): void {
    // Re-inserted, so the map's order is least recently written first.
    this.positions.delete(flowRunId);
    this.positions.set(flowRunId, pos);
    while (this.positions.size > MAX_CACHED_RUNS) this.positions.delete(this.positions.keys().next().value!);
  }

  /**
   * Where the run's log ends, from its head and its newest batch. With `retries`, the last batches'
   * request ids are read too, so a retry that reaches a server that has not seen this run yet is
   * still recognised.
   */
  private async load(flowRunId: string, retries: boolean): Promise<Position> {
    const head = await this.store.head(flowRunId);
    const pos: Position = { last: 0, lastSequence: 0, bytes: 0, oldest: undefined, recent: new Map(), headWritten: undefined };
    if (!head || head.last === 0) return pos;
    const newest = await this.store.batch(flowRunId, head.last);
    if (newest) {
      pos.last = newest.number;
      pos.lastSequence = newest.startSequence + newest.entries.length;
      pos.bytes = newest.startBytes + newest.bytes;
    } else {
      pos.last = head.last;
      pos.lastSequence = head.lastSequence;
      pos.bytes = head.bytes;
    }
    if (retries) {
      const older: LogBatch[] = [];
      for (let n = pos.last; n > Math.max(0, pos.last - RETRY_WINDOW_BATCHES); n--) {
        const b = n === newest?.number ? newest : await this.store.batch(flowRunId, n);
        if (!b) break;
        older.push(b);
      }
      for (const b of older.reverse()) {
        if (!b.requestId) continue;
        this.noteRequest(pos, b.requestId, {
          firstSequence: b.startSequence + 1,
          lastSequence: b.startSequence + b.entries.length,
          trimmedCount: 0,
          batch: b.number,
          replayed: false,
        });
      }
    }
    const oldest = await this.findOldest(flowRunId, head.first, pos.last);
    pos.oldest = oldest && { number: oldest.number, startSequence: oldest.startSequence, startBytes: oldest.startBytes };
    return pos;
  }

  /** The oldest stored batch in [from, to]: batches are removed oldest first, so which exist is a suffix. */
  async findOldest(flowRunId: string, from: number, to: number): Promise<LogBatch | undefined> {
    let lo = Math.max(1, from);
    let hi = to;
    let found: LogBatch | undefined;
    const atLo = lo <= hi ? await this.store.batch(flowRunId, lo) : undefined;
    if (atLo) return atLo;
    lo++;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const b = await this.store.batch(flowRunId, mid);
      if (b) {
        found = b;
        hi = mid - 1;
      } else {
        lo = mid + 1;
      }
    }
    return found;
  }

  /**
   * Removes the run's oldest batches while the log is over a cap, never the newest one; how many
   * records of the run are gone. Under the cap it costs nothing: the oldest batch's bounds are known.
   */
  private async trim(flowRunId: string, pos: Position): Promise<number> {
    const end = { sequence: pos.lastSequence, bytes: pos.bytes };
    let oldest = pos.oldest;
    let kept: LogBatch | undefined;
    while (oldest && oldest.number < pos.last && mustTrimOldest(oldest, end, this.caps)) {
      await this.store.deleteBatch(flowRunId, oldest.number);
      // Usually the next number; another server may have trimmed further already.
      kept = await this.findOldest(flowRunId, oldest.number + 1, pos.last);
      oldest = kept && { number: kept.number, startSequence: kept.startSequence, startBytes: kept.startBytes };
    }
    if (kept) {
      pos.oldest = { number: kept.number, startSequence: kept.startSequence, startBytes: kept.startBytes };
      await this.store.advanceFirst(flowRunId, kept.number, kept.createdAt);
      this.logger.debug({ flowRunId, oldestBatch: kept.number }, "trimmed a run's log to its cap");
    }
    return pos.oldest?.startSequence ?? 0;
  }
}
