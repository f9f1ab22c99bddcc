/** Run logs: the SDK's own types (the generated ones stay in transport/). */

/** Levels, lowest first, as Prefect's (and Python's logging) names them. */
export const LOG_LEVELS = ["debug", "info", "warning", "error", "critical"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A stored record of a run's log. */
export interface RunLog {
  flowRunId: string;
  /** The task run it was logged in; undefined for the flow run itself. */
  taskRunId: string | undefined;
  /** Its place in the run's log: 1, 2, 3, … in the order stored. */
  sequence: number;
  level: LogLevel;
  message: string;
  /** When it was logged (the logging process's clock). */
  timestamp: Date;
  /** "flowgate.flow_runs", "flowgate.task_runs", "print", a Python logger's name, … */
  logger: string;
  /** When the server stored it. */
  createdAt: Date;
}

/** A record to store. */
export interface LogRecordInput {
  taskRunId?: string | undefined;
  level: LogLevel;
  /** The server keeps at most 16,000 characters (longer messages are cut, and say so). */
  message: string;
  /** Default: when the server receives it. */
  timestamp?: Date | undefined;
  logger?: string | undefined;
}

export interface CreateLogsResult {
  firstSequence: number;
  lastSequence: number;
  /** Messages the server cut to its length limit. */
  clippedCount: number;
  /** The run's oldest records no longer stored (per-run cap, retention). */
  trimmedCount: number;
}

export interface LogFilterParams {
  /** Only this task run's records. */
  taskRunId?: string | undefined;
  /** Only records at this level or above. */
  minLevel?: LogLevel | undefined;
}

export interface ListLogsParams extends LogFilterParams {
  flowRunId: string;
  /** Logged at or after. */
  since?: Date | undefined;
  /** Logged before. */
  until?: Date | undefined;
  /** 1 to 1,000 (default 200). */
  pageSize?: number | undefined;
  pageToken?: string | undefined;
  /** Oldest first, from after this sequence number. */
  afterSequence?: number | undefined;
  newestFirst?: boolean | undefined;
}

export interface LogPage {
  logs: RunLog[];
  /** Empty on the last page. A page may hold fewer records than asked for when the filter skipped many. */
  nextPageToken: string;
  trimmedCount: number;
  /** The run's newest sequence number when the page was read. */
  lastSequence: number;
}

export interface WatchLogsParams extends LogFilterParams {
  flowRunId: string;
  /** Start after this sequence number (default 0: from the oldest stored). */
  afterSequence?: number | undefined;
}

/** One message of a log watch. */
export interface LogWatchMessage {
  logs: RunLog[];
  /** Where a new watch would resume. */
  lastSequence: number;
  /** Records no longer stored that the watch had to skip (per-run cap, retention). */
  skippedCount: number;
  /** The run is final and everything stored was sent: the watch ends. */
  runFinal: boolean;
}
