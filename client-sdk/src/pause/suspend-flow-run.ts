/**
 * suspendFlowRun: the run becomes PAUSED "Suspended" and holds nothing. For the current run the
 * process ends (exit code 0) once the server confirms; a run resumed later is re-executed from the
 * start and, meeting the same key, gets the input instead of suspending again. A rejected suspend
 * ends FAILED on the server ("Rejected by alice: <reason>") and is never re-executed.
 */
import type { z } from "zod";
import { getClient } from "../client.js";
import { FlowgateError, NoFlowRunContextError } from "../errors.js";
import { asRunInput, type InputSchema, type RunInput } from "../inputs/run-input.js";
import { endSuspendedProcess } from "../runtime/end-process.js";
import { flushRunLogs } from "../logs/shippers.js";
import { currentContext, type FlowRunContext } from "../runtime/run-context.js";
import type { PauseTimeoutParams } from "../transport/flowgate-client.js";
import type { Approval, ApprovalPolicy, JsonObject } from "../types.js";
import {
  firedPauseEnd,
  pausedInfo,
  resumedValue,
  timeoutParams,
  type ApprovalOptions,
  type ApprovedInput,
  type OnPaused,
} from "./approval.js";
import { nextKey } from "./pause-key.js";
import { pauseParams } from "./pause-request.js";

/** `I`: the type of the awaited input (with `waitForInput`), which a timeout policy's `input` must have. */
export interface SuspendOptions<I = never> extends ApprovalOptions<I> {
  /** Another run to suspend; it stops at its next task boundary. Default: the current run. */
  flowRunId?: string;
  /** Seconds until the suspend expires and the run fails (default 3600); null: never. */
  timeout?: number | null;
  key?: string;
  signal?: AbortSignal;
}

export const NOT_IN_FLOW_SUSPEND = "Flow runs can only be suspended from within a flow run.";

/**
 * Suspends the current run (ends the process; returns only if the key already fired, with its input,
 * or with `returnApprovals: true` `{ input, approvals }`) or, with `flowRunId`, another run.
 * @throws NoFlowRunContextError outside a flow without flowRunId; RefusedError with the server's message
 *   ("Cannot suspend subflows.", "Cannot suspend flows without a deployment.", …).
 */
export function suspendFlowRun<S extends z.ZodType>(
  options: SuspendOptions<z.input<S>> & { waitForInput: InputSchema<S>; returnApprovals: true },
): Promise<ApprovedInput<z.output<S>>>;
export function suspendFlowRun<S extends z.ZodType>(
  options: SuspendOptions<z.input<S>> & { waitForInput: InputSchema<S>; returnApprovals?: false | undefined },
): Promise<z.output<S>>;
export function suspendFlowRun(
  options: SuspendOptions & { waitForInput?: undefined; returnApprovals: true },
): Promise<ApprovedInput<undefined>>;
export function suspendFlowRun(options?: SuspendOptions & { waitForInput?: undefined; returnApprovals?: false | undefined }): Promise<void>;
export async function suspendFlowRun<S extends z.ZodType>(
  options: SuspendOptions<z.input<S>> & { waitForInput?: InputSchema<S> | undefined; returnApprovals?: boolean | undefined } = {},
): Promise<z.output<S> | ApprovedInput<z.output<S> | undefined> | void> {
  const ctx = currentContext();
  const input = asRunInput(options.waitForInput);
  const policy = { approval: options.approval, onTimeout: timeoutParams(options.onTimeout, input) };
  if (options.flowRunId !== undefined && options.flowRunId !== ctx?.flowRun.id) {
    if (options.returnApprovals) {
      throw new FlowgateError("returnApprovals applies to suspending the current run; suspending another run returns at once.");
    }
    // Another run: its own process learns of the suspend (suspend-watch.ts); "" lets the server pick the key.
    const params = pauseParams(options.flowRunId, options.key ?? "", options.timeout, input, policy);
    const outcome = await (ctx?.client ?? getClient()).suspendFlowRun(params, { signal: options.signal });
    if (!outcome.alreadyFired) await options.onPaused?.(pausedInfo(outcome, params, true));
    return;
  }
  if (!ctx) throw new NoFlowRunContextError(NOT_IN_FLOW_SUSPEND);
  const key = nextKey(ctx, options.key);
  const fired = await suspendCurrentRun(ctx, {
    key,
    timeout: options.timeout,
    input,
    viaPause: false,
    signal: options.signal,
    ...policy,
    onPaused: options.onPaused,
    returnApprovals: options.returnApprovals === true,
  });
  return resumedValue(input, fired.runInput, fired.approvals);
}

/** A suspend's key that already fired: the input it was resumed with, and its approvals when asked for. */
export interface FiredSuspend {
  runInput: JsonObject | undefined;
  approvals: Approval[] | undefined;
}

/**
 * Suspends the run `ctx` executes. Returns the stored input when the key already fired (a
 * re-execution); otherwise calls `onPaused`, ends the process and never returns.
 */
export async function suspendCurrentRun<S extends z.ZodType>(
  ctx: FlowRunContext,
  p: {
    key: string;
    timeout: number | null | undefined;
    input: RunInput<S> | undefined;
    viaPause: boolean;
    signal: AbortSignal | undefined;
    approval?: ApprovalPolicy | undefined;
    onTimeout?: PauseTimeoutParams | undefined;
    onPaused?: OnPaused | undefined;
    returnApprovals?: boolean | undefined;
  },
): Promise<FiredSuspend> {
  const params = pauseParams(ctx.flowRun.id, p.key, p.timeout, p.input, { approval: p.approval, onTimeout: p.onTimeout });
  // pauseFlowRun({ reschedule: true }) is a suspend sent as PauseFlowRun, as Prefect's pause_flow_run does.
  const outcome = p.viaPause
    ? await ctx.client.pauseFlowRun({ ...params, reschedule: true }, { signal: p.signal })
    : await ctx.client.suspendFlowRun(params, { signal: p.signal });
  if (outcome.alreadyFired) {
    // How the fired pause ended (its approvals, or its rejection thrown again) is not in the response.
    const approvals = await firedPauseEnd(ctx.client, ctx.flowRun.id, p.key, p.signal);
    return { runInput: outcome.runInput, approvals: p.returnApprovals ? approvals : undefined };
  }
  // The links are in this response only: the process must not end before onPaused has handed them on.
  await p.onPaused?.(pausedInfo(outcome, params, true));
  // Tasks submitted before the suspend (already past their boundary) finish and report their
  // persisted results first, so the re-executed run reuses them instead of running them again (the
  // seed's noblock_pausing); tasks they would start stop at their boundary. Inside a task the flow's
  // pending work includes that task itself, so it cannot wait for it.
  ctx.markSuspendedElsewhere();
  if (!ctx.taskRun) await Promise.allSettled([...ctx.pending]);
  await flushRunLogs(ctx.client);
  return endSuspendedProcess();
}
