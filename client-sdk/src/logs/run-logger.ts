/**
 * `getRunLogger()`: a logger bound to the flow or task run the calling code executes in, like
 * Prefect's `get_run_logger()`. Each line is shown once on the terminal (see terminal-sink.ts) and
 * sent once to the run's log on the server, through the client's log shipper; task runs' lines carry
 * their task run. Lines below FLOWGATE_RUN_LOG_LEVEL (default "info") are neither shown nor sent.
 */
import { format } from "node:util";
import { NoFlowRunContextError } from "../errors.js";
import { currentContext, type FlowRunContext } from "../runtime/run-context.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import { shipperFor } from "./shippers.js";
import { LOG_LEVELS, type LogLevel } from "./log-types.js";
import { showRunLog } from "./terminal-sink.js";

export interface RunLogger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warning(...args: unknown[]): void;
  /** The same as warning. */
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  critical(...args: unknown[]): void;
  log(level: LogLevel, ...args: unknown[]): void;
}

let threshold: number | undefined;

/** FLOWGATE_RUN_LOG_LEVEL, read once: debug, info (default), warning, error or critical. */
function minimumLevel(): number {
  if (threshold === undefined) {
    const named = (process.env["FLOWGATE_RUN_LOG_LEVEL"] ?? "info").trim().toLowerCase();
    const level = (named === "warn" ? "warning" : named) as LogLevel;
    threshold = Math.max(0, LOG_LEVELS.indexOf(level === ("" as LogLevel) ? "info" : level));
  }
  return threshold;
}

export function levelEnabled(level: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= minimumLevel();
}

/** Where a line goes: the run (and task run) it belongs to, and the client that ships it. */
interface LogTarget {
  client: FlowgateClient;
  flowRunId: string;
  taskRunId: string | undefined;
}

function targetOf(ctx: FlowRunContext): LogTarget {
  return { client: ctx.client, flowRunId: ctx.flowRun.id, taskRunId: ctx.taskRun?.id };
}

/** Sends a line of the current run (or task run) to its log on the server, not to the terminal. */
export function shipRunLog(ctx: FlowRunContext, level: LogLevel, message: string): void {
  ship(targetOf(ctx), level, message);
}

function ship(t: LogTarget, level: LogLevel, message: string): void {
  if (!levelEnabled(level)) return;
  const logger = t.taskRunId ? "flowgate.task_runs" : "flowgate.flow_runs";
  shipperFor(t.client).enqueue(t.flowRunId, { level, message, logger, timestamp: new Date(), taskRunId: t.taskRunId });
}

/**
 * The logger of the flow or task run the calling code executes in.
 * @throws NoFlowRunContextError outside a flow or task run
 */
export function getRunLogger(): RunLogger {
  const ctx = currentContext();
  if (!ctx) throw new NoFlowRunContextError("There is no active flow or task run context.");
  // Bound now, as Prefect's is: a logger taken in a flow logs as the flow, even from inside a task.
  const target = targetOf(ctx);
  const taskRunName = ctx.taskRun?.name;
  const log = (level: LogLevel, args: unknown[]): void => {
    if (!levelEnabled(level)) return;
    const message = format(...args);
    const at = new Date();
    showRunLog({ flowRunId: ctx.flowRun.id, flowRunName: ctx.flowRun.name, taskRunName, message, at, level });
    ship(target, level, message);
  };
  return {
    debug: (...args) => log("debug", args),
    info: (...args) => log("info", args),
    warning: (...args) => log("warning", args),
    warn: (...args) => log("warning", args),
    error: (...args) => log("error", args),
    critical: (...args) => log("critical", args),
    log: (level, ...args) => log(level, args),
  };
}
