/** `flowgate runs …`: list, inspect, resume (approve), reject, suspend, cancel and watch flow runs; list and revoke resume links. */
import { readFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { isFinalStateType, StateType, type JsonObject } from "../types.js";
import { cliContext, type CliContext } from "./context.js";
import { approvalDetails, linksTable, resumeOutcome } from "./approval-format.js";
import { CliError, ExitCode } from "./errors.js";
import { eventLine, runDetails, runsTable, stateLabel } from "./format.js";
import { followStream } from "../runtime/follow-stream.js";

type Action = (ctx: CliContext, signal: AbortSignal) => Promise<void>;

/**
 * Runs a command body with a client and an AbortSignal that Ctrl-C aborts, so a wait (watch) ends
 * cleanly and the channel is closed before the process exits.
 */
export async function withContext(command: Command, action: Action): Promise<void> {
  const ctx = await cliContext(command);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new CliError("interrupted", ExitCode.INTERRUPTED));
  process.once("SIGINT", onSigint);
  try {
    await action(ctx, controller.signal);
  } catch (err) {
    throw controller.signal.aborted ? controller.signal.reason : err;
  } finally {
    process.removeListener("SIGINT", onSigint);
    ctx.close();
  }
}

function parseStates(values: string[]): StateType[] {
  return values
    .flatMap((v) => v.split(","))
    .map((v) => {
      const type = v.trim().toUpperCase();
      if (!(type in StateType)) throw new CliError(`unknown state "${v}"; one of: ${Object.values(StateType).join(", ").toLowerCase()}`);
      return type as StateType;
    });
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new CliError(`--limit must be an integer from 1 to 1000, got "${value}"`);
  return n;
}

async function readInput(opts: { input?: string; inputFile?: string }): Promise<JsonObject | undefined> {
  let text: string;
  let source: string;
  if (opts.inputFile !== undefined) {
    source = `--input-file ${opts.inputFile}`;
    try {
      text = await readFile(opts.inputFile, "utf8");
    } catch (err) {
      throw new CliError(`cannot read ${opts.inputFile}: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else if (opts.input !== undefined) {
    source = "--input";
    text = opts.input;
  } else {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${source} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  // The contract takes a JSON object; a bare value would only be refused by the server less clearly.
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new CliError(`${source} must be a JSON object`);
  return value as JsonObject;
}

export function runsCommand(program: Command): Command {
  const runs = program.command("runs").description("list, inspect, resume (approve), reject, suspend, cancel and watch flow runs");

  runs
    .command("ls")
    .description("list flow runs, newest first")
    .option("--state <types...>", "only runs in these states (e.g. paused, running; comma-separated or repeated)")
    .option("--flow <name>", "only runs of this flow")
    .option("--limit <n>", "at most this many runs (1-1000)", "20")
    .option("--awaiting-me", "only paused runs this key may approve or reject now and has not approved yet")
    .action(async (opts: { state?: string[]; flow?: string; limit: string; awaitingMe?: boolean }, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const { flowRuns } = await ctx.client().listFlowRuns(
          {
            stateTypes: parseStates(opts.state ?? []),
            flowName: opts.flow,
            pageSize: parseLimit(opts.limit),
            awaitingMe: opts.awaitingMe === true,
          },
          { signal },
        );
        ctx.print(() => runsTable(flowRuns, ctx.color), flowRuns);
      }),
    );

  runs
    .command("inspect")
    .description("show a run: state, and while paused its key, expiry, description, input schema and approvals")
    .argument("<id>", "flow run id")
    .action(async (id: string, _opts: unknown, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const run = await ctx.client().getFlowRun(id, { signal });
        ctx.print(() => [runDetails(run, ctx.color), ...approvalDetails(run)].join("\n"), run);
      }),
    );

  runs
    .command("resume")
    .description(
      "resume a paused run, with input validated against the pause's schema; with an approval policy this approves it, " +
        'and the run resumes once enough approvers have (until then it prints e.g. "1 of 2 approvals")',
    )
    .argument("<id>", "flow run id")
    .addOption(new Option("--input <json>", "run input as a JSON object").conflicts("inputFile"))
    .option("--input-file <file>", "read the run input (a JSON object) from a file")
    .option("--token <token>", "a resume link's token, in place of an API key (acts as the link's approver; good for one decision)")
    .action(async (id: string, opts: { input?: string; inputFile?: string; token?: string }, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const input = await readInput(opts);
        const run = await ctx.client().resumeFlowRun(id, input, { signal, resumeToken: opts.token });
        ctx.print(() => resumeOutcome(run, ctx.color), run);
      }),
    );

  runs
    .command("reject")
    .description(
      "reject a paused run, whatever its quorum: a waiting flow gets PauseRejectedError; a suspended run ends FAILED " +
        '"Rejected by <you>: <reason>"',
    )
    .argument("<id>", "flow run id")
    .requiredOption("--reason <text>", "why (shown to the flow and in the run's state; at most 2,000 characters)")
    .option("--token <token>", "a resume link's token, in place of an API key (acts as the link's approver; good for one decision)")
    .action(async (id: string, opts: { reason: string; token?: string }, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const run = await ctx.client().rejectFlowRun(id, opts.reason, { signal, resumeToken: opts.token });
        const message = run.state?.message ? ` - ${run.state.message}` : "";
        ctx.print(() => `Rejected ${run.name} (${run.id}): ${stateLabel(run.state, ctx.color)}${message}`, run);
      }),
    );

  runs
    .command("links")
    .description("list a run's resume links: whom each is for and whether it was used or revoked (never their tokens)")
    .argument("<id>", "flow run id")
    .action(async (id: string, _opts: unknown, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const links = await ctx.client().listResumeLinks(id, { signal });
        ctx.print(() => linksTable(links), links);
      }),
    );

  runs
    .command("revoke-link")
    .description("revoke one resume link: it is refused from then on")
    .argument("<link-id>", "resume link id (from `flowgate runs links`)")
    .action(async (linkId: string, _opts: unknown, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const link = await ctx.client().revokeResumeLink(linkId, { signal });
        ctx.print(
          () => `Revoked resume link ${link.id} (${link.approver ? `for ${link.approver}` : "shared"}) of run ${link.flowRunId}`,
          link,
        );
      }),
    );

  runs
    .command("suspend")
    .description("suspend a running run (it needs a deployment); its process stops at the next task boundary")
    .argument("<id>", "flow run id")
    .option("--timeout <seconds>", "fail the run if not resumed within this many seconds", "3600")
    .option("--no-timeout", "never expire")
    .action(async (id: string, opts: { timeout: string | false }, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const timeoutSeconds = opts.timeout === false ? null : Number(opts.timeout);
        if (timeoutSeconds !== null && !(Number.isInteger(timeoutSeconds) && timeoutSeconds > 0)) {
          throw new CliError(`--timeout must be a positive number of seconds, got "${String(opts.timeout)}"`);
        }
        const { flowRun } = await ctx.client().suspendFlowRun({ flowRunId: id, key: "", timeoutSeconds }, { signal });
        ctx.print(() => `Suspended ${flowRun.name} (${flowRun.id}): ${stateLabel(flowRun.state, ctx.color)}`, flowRun);
      }),
    );

  runs
    .command("cancel")
    .description("cancel a run that is not in a final state")
    .argument("<id>", "flow run id")
    .action(async (id: string, _opts: unknown, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const run = await ctx.client().cancelFlowRun(id, { signal });
        ctx.print(() => `Cancelled ${run.name} (${run.id}): ${stateLabel(run.state, ctx.color)}`, run);
      }),
    );

  runs
    .command("watch")
    .description("print the run's state, then every change as it happens; ends at a final state")
    .argument("<id>", "flow run id")
    .action(async (id: string, _opts: unknown, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        // Follows the run across dropped connections and server restarts (the SDK's one backoff); a
        // reopened stream starts with the run's current state, so versions already printed are skipped.
        let printed = 0;
        await followStream(
          (sig) => ctx.client().watchFlowRun(id, { signal: sig }),
          (event) => {
            if (event.flowRun.version <= printed) return;
            printed = event.flowRun.version;
            // --json: one event per line (NDJSON), so a script can act on each change as it comes.
            process.stdout.write(`${ctx.json ? JSON.stringify(event) : eventLine(event, ctx.color)}\n`);
            const type = event.flowRun.state?.type;
            return type !== undefined && isFinalStateType(type) ? "stop" : undefined;
          },
          {
            signal,
            onReconnect: (_attempt, cause, delayMs) =>
              process.stderr.write(`flowgate: the watch was cut (${errorText(cause)}); reconnecting in ${(delayMs / 1000).toFixed(1)} s\n`),
          },
        );
        signal.throwIfAborted();
      }),
    );

  return runs;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
