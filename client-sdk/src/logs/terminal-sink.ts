/** Where the run logger's lines are shown locally: stderr by default, formatted like Prefect's console handler. */
import type { LogLevel } from "./log-types.js";

export type RunLogSink = (line: {
  flowRunId: string;
  flowRunName: string;
  taskRunName: string | undefined;
  message: string;
  at: Date;
  /** "info" for callers that predate levels. */
  level: LogLevel;
}) => void;

const defaultSink: RunLogSink = (l) => {
  const where = l.taskRunName ? `Task run '${l.taskRunName}'` : `Flow run '${l.flowRunName}'`;
  process.stderr.write(`${l.at.toISOString().slice(11, 23)} | ${l.level.toUpperCase().padEnd(8)}| ${where} - ${l.message}\n`);
};

let sink: RunLogSink = defaultSink;

/** Where run logger lines are shown (default: stderr, formatted like Prefect's console handler); undefined restores it. */
export function setRunLogSink(next: RunLogSink | undefined): void {
  sink = next ?? defaultSink;
}

export function showRunLog(line: Parameters<RunLogSink>[0]): void {
  sink(line);
}
