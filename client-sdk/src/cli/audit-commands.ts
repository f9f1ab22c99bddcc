/** `flowgate audit …`: read the server's audit trail (runs:read) and verify its hash chain (admin). */
import { Command } from "commander";
import type { AuditEvent } from "../types.js";
import { CliError, ExitCode } from "./errors.js";
import { withContext } from "./runs-commands.js";

/** What a broken link means, for the one line `audit verify` prints. */
const PROBLEMS: Record<string, string> = {
  hash: "its content does not match its hash (it was edited)",
  link: "it does not follow the entry before it (that one was edited, removed or replaced)",
  gap: "entries before it are missing (deleted)",
};

function parseTime(value: string, flag: string): Date {
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw new CliError(`${flag} must be a date and time such as 2026-12-03T10:00:00Z, got "${value}"`);
  return t;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--limit must be a positive integer, got "${value}"`);
  return n;
}

/** "ResumeFlowRun" for "flowgate.v1.RunService/ResumeFlowRun"; HTTP routes as they are. */
function shortCall(call: string): string {
  return call.includes("/") && !call.includes(" ") ? call.slice(call.lastIndexOf("/") + 1) : call;
}

/** One entry per line: number, time, who (through what), call, run, pause, states, input. */
export function auditLine(e: AuditEvent): string {
  const parts = [`#${e.sequence}`, e.time?.toISOString() ?? "-", `${e.principal} (${e.channel})`, shortCall(e.call)];
  if (e.flowRunId) parts.push(`run ${e.flowRunId}`);
  if (e.pauseKey) parts.push(`pause ${e.pauseKey}`);
  if (e.stateBefore || e.stateAfter) parts.push(`${e.stateBefore?.name ?? "-"} → ${e.stateAfter?.name ?? "-"}`);
  if (e.subject) parts.push(e.subject);
  if (e.input !== undefined) parts.push(`input ${JSON.stringify(e.input)}`);
  else if (e.inputSha256) parts.push(`input sha256:${e.inputSha256}`);
  return parts.join("  ");
}

export function auditCommand(program: Command): Command {
  const audit = program.command("audit").description("read and verify the audit trail: who changed what, when and through what");

  audit
    .command("ls")
    .description("list audit entries, oldest first (needs runs:read)")
    .option("--run <id>", "only the entries of this flow run")
    .option("--principal <name>", "only the calls of this principal (API key name)")
    .option("--since <time>", "only entries at or after this time (ISO 8601)")
    .option("--until <time>", "only entries before this time (ISO 8601)")
    .option("--limit <n>", "at most this many entries")
    .action(async (opts: { run?: string; principal?: string; since?: string; until?: string; limit?: string }, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const limit = opts.limit === undefined ? Infinity : parseLimit(opts.limit);
        const filter = {
          ...(opts.run ? { flowRunId: opts.run } : {}),
          ...(opts.principal ? { principal: opts.principal } : {}),
          ...(opts.since ? { start: parseTime(opts.since, "--since") } : {}),
          ...(opts.until ? { end: parseTime(opts.until, "--until") } : {}),
        };
        const events: AuditEvent[] = [];
        let pageToken = "";
        do {
          const pageSize = Math.min(500, limit - events.length);
          const page = await ctx.client().listAuditEvents({ ...filter, pageSize, pageToken }, { signal });
          events.push(...page.events);
          pageToken = page.nextPageToken;
        } while (pageToken && events.length < limit);
        ctx.print(() => (events.length === 0 ? "No audit entries." : events.map(auditLine).join("\n")), events);
      }),
    );

  audit
    .command("verify")
    .description("recompute the audit trail's hash chain; exit 0 when intact, else 1 naming the first broken entry (needs admin)")
    .action(async (_opts: unknown, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const verdict = await ctx.client().verifyAuditChain({ signal });
        if (verdict.intact) {
          ctx.print(() => `The audit trail is intact: ${verdict.checked} entries.`, verdict);
          return;
        }
        const broken = verdict.broken!;
        if (ctx.json) ctx.print(() => "", verdict);
        throw new CliError(
          `the audit trail is broken at entry #${broken.sequence} (id ${broken.id}): ${PROBLEMS[broken.problem] ?? broken.problem}; ` +
            `the ${verdict.checked} entries before it are intact`,
          ExitCode.FAILURE,
        );
      }),
    );

  return audit;
}
