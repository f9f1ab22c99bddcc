/**
 * pauseFlowRun: the flow run enters PAUSED and this call blocks (the process stays alive) until the
 * pause is resumed, rejected, times out, is cancelled or is turned into a suspend.
 */
import type { z } from "zod";
import { FlowPauseTimeout, FlowRunCancelledError, NoFlowRunContextError } from "../errors.js";
import { asRunInput, type InputSchema } from "../inputs/run-input.js";
import { endSuspendedProcess } from "../runtime/end-process.js";
import { flushRunLogs } from "../logs/shippers.js";
import { currentContext } from "../runtime/run-context.js";
import {
  firedPauseEnd,
  pausedInfo,
  rejectedError,
  resumedValue,
  timeoutParams,
  type ApprovalOptions,
  type ApprovedInput,
} from "./approval.js";
import { nextKey } from "./pause-key.js";
import { pauseParams } from "./pause-request.js";
import { suspendCurrentRun } from "./suspend-flow-run.js";
import { waitForPauseEnd, type WaitOptions } from "./wait-for-resume.js";

/** `I`: the type of the awaited input (with `waitForInput`), which a timeout policy's `input` must have. */
export interface PauseOptions<I = never> extends ApprovalOptions<I> {
  /** Seconds until the pause expires and the run fails (default 3600). */
  timeout?: number;
  /** Pause key; defaults to the run's counter ("1", "2", …, shared with suspendFlowRun). */
  key?: string;
  /** True: behave as suspendFlowRun (the process ends; the run is re-executed after resume). */
  reschedule?: boolean;
  signal?: AbortSignal;
  /** Seconds between server heartbeats on the wait stream (default 10). */
  heartbeatSeconds?: number;
  onReconnect?: WaitOptions["onReconnect"];
  onHeartbeat?: WaitOptions["onHeartbeat"];
}

export const NOT_IN_FLOW_PAUSE = "Flow runs can only be paused from within a flow run.";
const NEVER_RESUMED = "Flow run was paused and never resumed.";

/**
 * Pauses the current flow run until it is resumed; with `waitForInput`, returns the validated input;
 * with `returnApprovals: true`, returns `{ input, approvals }` (every approval in order, the last one
 * completed the quorum).
 * @throws NoFlowRunContextError outside a flow; PauseRejectedError when an approver rejects the pause
 *   (catch it to decide what follows; uncaught, the run ends FAILED "Rejected by alice: <reason>");
 *   FlowPauseTimeout when the pause expires; FlowRunCancelledError when the run is cancelled meanwhile;
 *   RefusedError with the server's message; InvalidRunInputError for a timeout policy's input that
 *   fails the schema.
 */
export function pauseFlowRun<S extends z.ZodType>(
  options: PauseOptions<z.input<S>> & { waitForInput: InputSchema<S>; returnApprovals: true },
): Promise<ApprovedInput<z.output<S>>>;
export function pauseFlowRun<S extends z.ZodType>(
  options: PauseOptions<z.input<S>> & { waitForInput: InputSchema<S>; returnApprovals?: false | undefined },
): Promise<z.output<S>>;
export function pauseFlowRun(
  options: PauseOptions & { waitForInput?: undefined; returnApprovals: true },
): Promise<ApprovedInput<undefined>>;
export function pauseFlowRun(options?: PauseOptions & { waitForInput?: undefined; returnApprovals?: false | undefined }): Promise<void>;
export async function pauseFlowRun<S extends z.ZodType>(
  options: PauseOptions<z.input<S>> & { waitForInput?: InputSchema<S> | undefined; returnApprovals?: boolean | undefined } = {},
): Promise<z.output<S> | ApprovedInput<z.output<S> | undefined> | void> {
  const ctx = currentContext();
  if (!ctx) throw new NoFlowRunContextError(NOT_IN_FLOW_PAUSE);
  const input = asRunInput(options.waitForInput);
  const key = nextKey(ctx, options.key);
  const policy = { approval: options.approval, onTimeout: timeoutParams(options.onTimeout, input) };
  const wantApprovals = options.returnApprovals === true;
  if (options.reschedule) {
    const fired = await suspendCurrentRun(ctx, {
      key,
      timeout: options.timeout,
      input,
      viaPause: true,
      signal: options.signal,
      ...policy,
      onPaused: options.onPaused,
      returnApprovals: wantApprovals,
    });
    return resumedValue(input, fired.runInput, fired.approvals);
  }
  const params = pauseParams(ctx.flowRun.id, key, options.timeout, input, policy);
  const outcome = await ctx.client.pauseFlowRun({ ...params, reschedule: false }, { signal: options.signal });
  if (outcome.alreadyFired) {
    // The key fired in an earlier execution of this run: carry on with the input it was resumed with
    // (or meet its rejection again).
    const approvals = await firedPauseEnd(ctx.client, ctx.flowRun.id, key, options.signal);
    return resumedValue(input, outcome.runInput, wantApprovals ? approvals : undefined);
  }
  await options.onPaused?.(pausedInfo(outcome, params, false));
  const end = await waitForPauseEnd(ctx.client, ctx.flowRun.id, key, {
    signal: options.signal,
    heartbeatSeconds: options.heartbeatSeconds,
    onReconnect: options.onReconnect,
    onHeartbeat: options.onHeartbeat,
  });
  switch (end.type) {
    case "RESUMED":
      return resumedValue(input, end.runInput, wantApprovals ? end.approvals : undefined);
    case "REJECTED":
      // The run is RUNNING again: the flow decides what follows (uncaught, flow() records FAILED with this message).
      throw rejectedError(end.rejection);
    case "TIMED_OUT":
      throw new FlowPauseTimeout(NEVER_RESUMED, undefined, { reason: "PAUSE_TIMED_OUT" });
    case "CANCELLED":
      throw new FlowRunCancelledError("Flow run was cancelled while paused.");
    case "SUSPENDED":
      // Suspended from outside while waiting: the process ends; the re-executed run meets this key again.
      await flushRunLogs(ctx.client);
      return endSuspendedProcess();
    case "HEARTBEAT":
      throw new Error("unreachable: heartbeats are not final");
  }
}
