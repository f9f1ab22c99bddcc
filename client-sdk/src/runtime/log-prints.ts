/**
 * `logPrints`: console.log inside a flow (or its tasks) prints as usual, once, and each line is also
 * sent once to the run's log on the server (as an INFO line of the flow or task run). The console
 * is patched once, lazily, and only acts inside a run that asked for it.
 */
import { format } from "node:util";
import { shipRunLog } from "../logs/run-logger.js";
import { currentContext } from "./run-context.js";

export { setRunLogSink, type RunLogSink } from "../logs/terminal-sink.js";

let installed = false;

export function installLogPrints(): void {
  if (installed) return;
  installed = true;
  const original = console.log.bind(console);
  console.log = (...args: unknown[]): void => {
    original(...args);
    const ctx = currentContext();
    if (ctx?.logPrints) shipRunLog(ctx, "info", format(...args));
  };
}
