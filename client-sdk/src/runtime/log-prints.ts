/**
 * `logPrints`: console.log inside a flow (or its tasks) still reaches stdout, and is also written to
 * the run's log — the SDK's run logger, which prefixes the run so interleaved runs stay readable.
 * The console is patched once, lazily, and only acts inside a run that asked for it.
 */
import { format } from "node:util";
import { currentContext } from "./run-context.js";

export type RunLogSink = (line: {
  flowRunId: string;
  flowRunName: string;
  taskRunName: string | undefined;
  message: string;
  at: Date;
}) => void;

const defaultSink: RunLogSink = (l) => {
  const where = l.taskRunName ? `Task run '${l.taskRunName}'` : `Flow run '${l.flowRunName}'`;
  process.stderr.write(`${l.at.toISOString().slice(11, 23)} | INFO    | ${where} - ${l.message}\n`);
};

let sink: RunLogSink = defaultSink;
let installed = false;

/** Where run log lines go (default: stderr, formatted like Prefect's console handler). */
export function setRunLogSink(next: RunLogSink | undefined): void {
  sink = next ?? defaultSink;
}

export function installLogPrints(): void {
  if (installed) return;
  installed = true;
  const original = console.log.bind(console);
  console.log = (...args: unknown[]): void => {
    original(...args);
    const ctx = currentContext();
    if (!ctx?.logPrints) return;
    sink({
      flowRunId: ctx.flowRun.id,
      flowRunName: ctx.flowRun.name,
      taskRunName: ctx.taskRun?.name,
      message: format(...args),
      at: new Date(),
    });
  };
}
