/**
 * suspendFlowRun: the run becomes PAUSED "Suspended" and holds nothing. For the current run the
 * process ends (exit code 0) once the server confirms; a run resumed later is re-executed from the
 * start and, meeting the same key, gets the input instead of suspending again.
 */
import type { z } from "zod";
import { getClient } from "../client.js";
import { NoFlowRunContextError } from "../errors.js";
import { asRunInput, type InputSchema, type RunInput } from "../inputs/run-input.js";
import { endSuspendedProcess } from "../runtime/end-process.js";
import { currentContext, type FlowRunContext } from "../runtime/run-context.js";
import type { JsonObject } from "../types.js";
import { nextKey } from "./pause-key.js";
import { parseInput, pauseParams } from "./pause-request.js";

export interface SuspendOptions {
  /** Another run to suspend; it stops at its next task boundary. Default: the current run. */
  flowRunId?: string;
  /** Seconds until the suspend expires and the run fails (default 3600); null: never. */
  timeout?: number | null;
  key?: string;
  signal?: AbortSignal;
}

export const NOT_IN_FLOW_SUSPEND = "Flow runs can only be suspended from within a flow run.";

/**
 * Suspends the current run (ends the process; returns only if the key already fired, with its input)
 * or, with `flowRunId`, another run.
 * @throws NoFlowRunContextError outside a flow without flowRunId; RefusedError with the server's message
 *   ("Cannot suspend subflows.", "Cannot suspend flows without a deployment.", …).
 */
export function suspendFlowRun<S extends z.ZodType>(options: SuspendOptions & { waitForInput: InputSchema<S> }): Promise<z.output<S>>;
export function suspendFlowRun(options?: SuspendOptions & { waitForInput?: undefined }): Promise<void>;
export async function suspendFlowRun<S extends z.ZodType>(
  options: SuspendOptions & { waitForInput?: InputSchema<S> | undefined } = {},
): Promise<z.output<S> | void> {
  const ctx = currentContext();
  const input = asRunInput(options.waitForInput);
  if (options.flowRunId !== undefined && options.flowRunId !== ctx?.flowRun.id) {
    // Another run: its own process learns of the suspend (suspend-watch.ts); "" lets the server pick the key.
    await (ctx?.client ?? getClient()).suspendFlowRun(pauseParams(options.flowRunId, options.key ?? "", options.timeout, input), {
      signal: options.signal,
    });
    return;
  }
  if (!ctx) throw new NoFlowRunContextError(NOT_IN_FLOW_SUSPEND);
  const key = nextKey(ctx, options.key);
  return parseInput(input, await suspendCurrentRun(ctx, { key, timeout: options.timeout, input, viaPause: false, signal: options.signal }));
}

/**
 * Suspends the run `ctx` executes. Returns the stored input when the key already fired (a
 * re-execution); otherwise ends the process and never returns.
 */
export async function suspendCurrentRun<S extends z.ZodType>(
  ctx: FlowRunContext,
  p: {
    key: string;
    timeout: number | null | undefined;
    input: RunInput<S> | undefined;
    viaPause: boolean;
    signal: AbortSignal | undefined;
  },
): Promise<JsonObject | undefined> {
  const params = pauseParams(ctx.flowRun.id, p.key, p.timeout, p.input);
  // pauseFlowRun({ reschedule: true }) is a suspend sent as PauseFlowRun, as Prefect's pause_flow_run does.
  const outcome = p.viaPause
    ? await ctx.client.pauseFlowRun({ ...params, reschedule: true }, { signal: p.signal })
    : await ctx.client.suspendFlowRun(params, { signal: p.signal });
  if (outcome.alreadyFired) return outcome.runInput;
  // Tasks submitted before the suspend (already past their boundary) finish and report their
  // persisted results first, so the re-executed run reuses them instead of running them again (the
  // seed's noblock_pausing); tasks they would start stop at their boundary. Inside a task the flow's
  // pending work includes that task itself, so it cannot wait for it.
  ctx.markSuspendedElsewhere();
  if (!ctx.taskRun) await Promise.allSettled([...ctx.pending]);
  return endSuspendedProcess();
}
