/**
 * Run logs, the rules: levels, what a record may hold (messages are cut, never refused), how large a
 * batch may be, which records a filter keeps, and when a run's oldest batches must go to stay within
 * its cap. Pure: no I/O.
 */
import { InvalidArgumentError } from "./errors.js";
import { requireId } from "./validation.js";

/** Python's logging levels, with its numbers (the contract's LogLevel uses the same). */
export const LOG_LEVELS = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;
export type LogLevelName = keyof typeof LOG_LEVELS;
export type LogLevel = (typeof LOG_LEVELS)[LogLevelName];
const LEVEL_NUMBERS = Object.values(LOG_LEVELS) as LogLevel[];

/** A message longer than this (in characters, i.e. code points) is cut to it. */
export const MAX_LOG_MESSAGE_CHARS = 16_000;
/** A logger name is cut to this many characters. */
export const MAX_LOGGER_CHARS = 200;
/** Records in one CreateLogs call. */
export const MAX_LOGS_PER_BATCH = 1_000;
export const DEFAULT_LOG_PAGE_SIZE = 200;
export const MAX_LOG_PAGE_SIZE = 1_000;

/** How much of its log a run keeps: past either figure, its oldest batches are removed. */
export interface LogCaps {
  maxLinesPerRun: number;
  maxBytesPerRun: number;
}

export const DEFAULT_LOG_CAPS: LogCaps = { maxLinesPerRun: 100_000, maxBytesPerRun: 64 * 1024 * 1024 };
export const DEFAULT_LOG_RETENTION_DAYS = 7;
/** The smallest line cap a server accepts: one full batch must always fit. */
export const MIN_LOG_LINES_PER_RUN = MAX_LOGS_PER_BATCH;

/** A record as a client sent it (decoded, not yet checked). */
export interface LogInput {
  taskRunId: string;
  /** A LogLevel number; 0 (unspecified) means INFO, numbers in between round down (25 is INFO). */
  level: number;
  message: string;
  timestamp: Date | undefined;
  logger: string;
}

/** A record as stored (without its sequence number, which its batch's place gives). */
export interface LogEntry {
  taskRunId?: string;
  level: LogLevel;
  message: string;
  /** When it was logged, by the client's clock. */
  timestamp: Date;
  logger: string;
}

/** A stored record with its place in the run's log. */
export interface RunLogRecord extends LogEntry {
  flowRunId: string;
  /** 1, 2, 3, … in the order stored. */
  sequence: number;
  /** When the server stored it. */
  createdAt: Date;
}

export interface LogFilter {
  taskRunId?: string;
  minLevel?: LogLevel;
  /** Logged at or after. */
  from?: Date;
  /** Logged before. */
  to?: Date;
}

/** A level number as a LogLevel: 0 is INFO, anything else rounds down to a known level (5 → DEBUG, 60 → CRITICAL). */
export function toLogLevel(n: number): LogLevel {
  if (n === 0 || !Number.isFinite(n)) return LOG_LEVELS.INFO;
  let level: LogLevel = LOG_LEVELS.DEBUG;
  for (const known of LEVEL_NUMBERS) if (n >= known) level = known;
  return level;
}

/** "warning", "WARN", "error", "30": a level by name or number, as the HTTP API and CLI take it; undefined if none. */
export function parseLogLevel(text: string): LogLevel | undefined {
  const t = text.trim().toUpperCase();
  if (/^\d{1,3}$/.test(t)) return toLogLevel(Number(t));
  const name = t === "WARN" ? "WARNING" : t === "FATAL" ? "CRITICAL" : t;
  return name in LOG_LEVELS ? LOG_LEVELS[name as LogLevelName] : undefined;
}

export function logLevelName(level: LogLevel): LogLevelName {
  return (Object.keys(LOG_LEVELS) as LogLevelName[]).find((k) => LOG_LEVELS[k] === level) ?? "INFO";
}

/**
 * `text` cut to at most `max` characters (code points, never splitting a surrogate pair), ending
 * with a note of how much was cut. Lone surrogates become U+FFFD, so the text encodes as UTF-8.
 */
export function clipLogText(text: string, max: number): { text: string; clipped: boolean } {
  const wellFormed = text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
  // Within `max` UTF-16 units is within `max` code points.
  if (wellFormed.length <= max) return { text: wellFormed, clipped: false };
  const points = Array.from(wellFormed);
  if (points.length <= max) return { text: wellFormed, clipped: false };
  const note = (cut: number): string => ` … [${cut.toLocaleString("en-US")} character${cut === 1 ? "" : "s"} cut]`;
  // The note's own length depends on the count it states: keep as much as still fits beside it.
  let keep = Math.max(0, max - note(points.length).length);
  while (keep + 1 + note(points.length - keep - 1).length <= max) keep++;
  return { text: points.slice(0, keep).join("") + note(points.length - keep), clipped: true };
}

/** The bytes a record counts for against the per-run cap: its message and logger name in UTF-8. */
export function entryBytes(e: Pick<LogEntry, "message" | "logger">): number {
  return Buffer.byteLength(e.message, "utf8") + Buffer.byteLength(e.logger, "utf8");
}

/**
 * Checks a CreateLogs batch and makes it storable: 1 to MAX_LOGS_PER_BATCH records, task run ids
 * UUIDs (lowercased), levels rounded to known ones, messages and logger names cut to their limits,
 * a missing timestamp set to `now`. Over-long text is cut rather than refused, so one huge line
 * never costs a flow its whole batch.
 */
export function prepareLogBatch(
  inputs: readonly LogInput[],
  now: Date,
): { entries: LogEntry[]; clipped: number; bytes: number; taskRunIds: string[] } {
  if (inputs.length === 0) {
    throw new InvalidArgumentError("logs must hold at least one record.", [{ field: "logs", description: "must not be empty" }]);
  }
  if (inputs.length > MAX_LOGS_PER_BATCH) {
    throw new InvalidArgumentError(`logs holds ${inputs.length} records; the limit is ${MAX_LOGS_PER_BATCH} per call.`, [
      { field: "logs", description: `must have at most ${MAX_LOGS_PER_BATCH} items` },
    ]);
  }
  let clipped = 0;
  let bytes = 0;
  const taskRunIds = new Set<string>();
  const entries = inputs.map((input, i): LogEntry => {
    const message = clipLogText(input.message, MAX_LOG_MESSAGE_CHARS);
    if (message.clipped) clipped++;
    const logger = Array.from(input.logger.trim()).slice(0, MAX_LOGGER_CHARS).join("");
    const entry: LogEntry = { level: toLogLevel(input.level), message: message.text, timestamp: validTime(input.timestamp) ?? now, logger };
    if (input.taskRunId !== "") {
      entry.taskRunId = requireId(`logs.${i}.task_run_id`, input.taskRunId);
      taskRunIds.add(entry.taskRunId);
    }
    bytes += entryBytes(entry);
    return entry;
  });
  return { entries, clipped, bytes, taskRunIds: [...taskRunIds] };
}

function validTime(t: Date | undefined): Date | undefined {
  return t && Number.isFinite(t.getTime()) ? t : undefined;
}

export function matchesLogFilter(e: LogEntry, f: LogFilter): boolean {
  if (f.minLevel !== undefined && e.level < f.minLevel) return false;
  if (f.taskRunId !== undefined && e.taskRunId !== f.taskRunId) return false;
  if (f.from && e.timestamp < f.from) return false;
  if (f.to && e.timestamp >= f.to) return false;
  return true;
}

/** The checked filter of a list or watch: ids are UUIDs, an end is after its start. */
export function checkLogFilter(raw: { taskRunId: string; minLevel: number; from?: Date | undefined; to?: Date | undefined }): LogFilter {
  const filter: LogFilter = {};
  if (raw.taskRunId !== "") filter.taskRunId = requireId("task_run_id", raw.taskRunId);
  if (raw.minLevel !== 0) filter.minLevel = toLogLevel(raw.minLevel);
  if (raw.from) filter.from = raw.from;
  if (raw.to) filter.to = raw.to;
  if (filter.from && filter.to && filter.to < filter.from) {
    throw new InvalidArgumentError("end_time is before start_time.", [{ field: "end_time", description: "must not be before start_time" }]);
  }
  return filter;
}

export function checkLogPageSize(pageSize: number): number {
  const size = pageSize === 0 ? DEFAULT_LOG_PAGE_SIZE : pageSize;
  if (!Number.isInteger(size) || size < 1 || size > MAX_LOG_PAGE_SIZE) {
    throw new InvalidArgumentError(`page_size must be between 1 and ${MAX_LOG_PAGE_SIZE}.`, [
      { field: "page_size", description: `must be between 1 and ${MAX_LOG_PAGE_SIZE}` },
    ]);
  }
  return size;
}

export function checkAfterSequence(after: number): number {
  if (!Number.isSafeInteger(after) || after < 0) {
    throw new InvalidArgumentError("after_sequence must be 0 or a positive sequence number.", [
      { field: "after_sequence", description: "must not be negative" },
    ]);
  }
  return after;
}

/** Where a stored batch starts: how many records and bytes the run's log held before it. */
export interface BatchBounds {
  startSequence: number;
  startBytes: number;
}

/**
 * Whether the run's oldest stored batch must go: the log from it to the newest record (`end`) is
 * over a cap. The newest batch itself is never removed (the caller stops there), so a run always
 * keeps at least its last batch whatever its size.
 */
export function mustTrimOldest(oldest: BatchBounds, end: { sequence: number; bytes: number }, caps: LogCaps): boolean {
  return end.sequence - oldest.startSequence > caps.maxLinesPerRun || end.bytes - oldest.startBytes > caps.maxBytesPerRun;
}
