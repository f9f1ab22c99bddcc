/** `flowgate runs logs ID [-f] [--level warning] [--task-run ID]`: print a run's log, and follow it. */
import { Command, Option } from "commander";
import { followLogs } from "../logs/follow-logs.js";
import { LOG_LEVELS, type LogLevel, type RunLog } from "../logs/log-types.js";
import { CliError } from "./errors.js";
import { withContext } from "./runs-commands.js";

const LEVEL_COLORS: Record<LogLevel, number> = { debug: 90, info: 0, warning: 33, error: 31, critical: 31 };

function parseLevel(value: string): LogLevel {
  const v = value.trim().toLowerCase();
  const level = v === "warn" ? "warning" : v;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new CliError(`unknown level "${value}"; one of: ${LOG_LEVELS.join(", ")}`);
  return level as LogLevel;
}

/** "2026-01-31 12:00:00.123 | WARNING  | message", as `prefect flow-run logs` prints (UTC). */
export function logLine(l: RunLog, color: boolean): string {
  const at = l.timestamp.toISOString().replace("T", " ").slice(0, 23);
  const level = l.level.toUpperCase().padEnd(8);
  const code = LEVEL_COLORS[l.level];
  return `${at} | ${color && code ? `\u001b[${code}m${level}\u001b[0m` : level} | ${l.message}`;
}

function gone(n: number): string {
  return `… ${n.toLocaleString("en-US")} earlier line${n === 1 ? " is" : "s are"} no longer stored (per-run cap or retention)`;
}

export function logsCommand(runs: Command): Command {
  runs
    .command("logs")
    .description("print a run's log, oldest first; with -f, then follow it until the run ends")
    .argument("<id>", "flow run id")
    .option("-f, --follow", "keep printing new lines as they are logged; ends when the run has ended and every line was printed")
    .addOption(new Option("--level <level>", "only lines at this level or above: debug, info, warning, error, critical"))
    .option("--task-run <id>", "only the lines of this task run")
    .action(async (id: string, opts: { follow?: boolean; level?: string; taskRun?: string }, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const filter = { minLevel: opts.level === undefined ? undefined : parseLevel(opts.level), taskRunId: opts.taskRun };
        // --json: one record per line (NDJSON).
        const print = (l: RunLog): void => void process.stdout.write(`${ctx.json ? JSON.stringify(l) : logLine(l, ctx.color)}\n`);
        const note = (n: number): void => {
          if (n > 0 && !ctx.json) process.stderr.write(`${gone(n)}\n`);
        };
        const logs = ctx.client().logs;
        if (opts.follow) {
          await followLogs(
            ctx.client(),
            id,
            (m) => {
              note(m.skippedCount);
              m.logs.forEach(print);
            },
            { ...filter, signal },
          );
          // Ctrl-C ends following like any other wait: with the interrupted exit code.
          signal.throwIfAborted();
          return;
        }
        let pageToken = "";
        let first = true;
        do {
          const page = await logs.list({ flowRunId: id, ...filter, pageSize: 1000, pageToken }, { signal });
          if (first) note(page.trimmedCount);
          first = false;
          page.logs.forEach(print);
          pageToken = page.nextPageToken;
        } while (pageToken);
      }),
    );
  return runs;
}
