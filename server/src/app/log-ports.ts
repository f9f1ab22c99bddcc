/**
 * What run logs need from storage (implemented in store/run-logs.ts). A run's log is a chain of
 * batches numbered 1, 2, 3, … per run, each one CreateLogs call; every read and write names a batch
 * by (run, number), which every backend answers from its primary key (FerretDB v1's SQLite backend
 * filters anything else in memory, over the whole collection).
 */
import type { LogEntry } from "../domain/run-logs.js";

/** One stored batch: the records of one CreateLogs call, in order. */
export interface LogBatch {
  flowRunId: string;
  /** 1, 2, 3, … per run, with no gaps: the insert of number n + 1 is what claims it. */
  number: number;
  /** Records of the run before this batch: its records are numbered startSequence + 1, + 2, … */
  startSequence: number;
  /** Bytes (entryBytes) of the run's records before this batch, and of this batch. */
  startBytes: number;
  bytes: number;
  entries: LogEntry[];
  /** When the server stored it. */
  createdAt: Date;
  /** The client's request id, so a retry finds the batch it already stored. */
  requestId?: string;
}

/**
 * A run's log as a whole, kept beside its batches. `last`, `lastSequence` and `bytes` only grow and
 * may lag behind the batches (they are written after each batch); `first` is the oldest batch still
 * stored as far as trimming has recorded (it may lag too: readers check).
 */
export interface RunLogHead {
  flowRunId: string;
  first: number;
  last: number;
  lastSequence: number;
  bytes: number;
  /** When the oldest stored batch was written; absent once every batch is gone. */
  firstAt?: Date;
}

export interface RunLogStore {
  head(flowRunId: string): Promise<RunLogHead | undefined>;
  batch(flowRunId: string, number: number): Promise<LogBatch | undefined>;
  /** Stores the batch under its number; false when that number is taken (by another writer). */
  insertBatch(batch: LogBatch): Promise<boolean>;
  /** Raises the head's `last`, `lastSequence` and `bytes` to at least these, and makes `firstAt` at most `at`. */
  advanceHead(flowRunId: string, to: { last: number; lastSequence: number; bytes: number; at: Date }): Promise<void>;
  /** Records that batches before `first` are gone; `firstAt` is when batch `first` was written (absent: none is left). */
  advanceFirst(flowRunId: string, first: number, firstAt: Date | undefined): Promise<void>;
  deleteBatch(flowRunId: string, number: number): Promise<void>;
  /** Runs whose oldest stored batch was written before the cutoff (at most `limit`). */
  headsWrittenBefore(cutoff: Date, limit: number): Promise<RunLogHead[]>;
}

/** "Run X's log now reaches batch n": what servers tell each other, so their watches wake up. */
export interface LogNotice {
  flowRunId: string;
  lastBatch: number;
  lastSequence: number;
}

/** The shared feed of log notices, numbered 1, 2, 3, … like the run event feed. */
export interface LogNoticeFeedStore {
  readHead(): Promise<number>;
  append(notice: LogNotice): Promise<number>;
  get(n: number): Promise<LogNotice | undefined>;
  deleteOlderThan(cutoff: Date): Promise<number>;
}

export interface LogStores {
  readonly batches: RunLogStore;
  readonly notices: LogNoticeFeedStore;
}
