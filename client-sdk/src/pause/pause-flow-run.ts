/**
 * pauseFlowRun: the flow run enters PAUSED and this call blocks (the process stays alive) until the
 * pause is resumed, times out, is cancelled or is turned into a suspend.
 */
import type { z } from "zod";
import { FlowPauseTimeout, FlowRunCancelledError, NoFlowRunContextError } from "../errors.js";
import { asRunInput, type InputSchema } from "../inputs/run-input.js";
import { endSuspendedProcess } from "../runtime/end-process.js";
import { currentContext } from "../runtime/run-context.js";
import { nextKey } from "./pause-key.js";
import { parseInput, pauseParams } from "./pause-request.js";
import { suspendCurrentRun } from "./suspend-flow-run.js";
import { waitForPauseEnd, type WaitOptions } from "./wait-for-resume.js";

export interface PauseOptions {
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
 * Pauses the current flow run until it is resumed; with `waitForInput`, returns the validated input.
 * @throws NoFlowRunContextError outside a flow; FlowPauseTimeout when the pause expires;
 *   FlowRunCancelledError when the run is cancelled meanwhile; RefusedError with the server's message.
 */
export function pauseFlowRun<S extends z.ZodType>(options: PauseOptions & { waitForInput: InputSchema<S> }): Promise<z.output<S>>;
export function pauseFlowRun(options?: PauseOptions & { waitForInput?: undefined }): Promise<void>;
export async function pauseFlowRun<S extends z.ZodType>(
  options: PauseOptions & { waitForInput?: InputSchema<S> | undefined } = {},
): Promise<z.output<S> | void> {
  const ctx = currentContext();
  if (!ctx) throw new NoFlowRunContextError(NOT_IN_FLOW_PAUSE);
  const input = asRunInput(options.waitForInput);
  const key = nextKey(ctx, options.key);
  if (options.reschedule) {
    return parseInput(
      input,
      await suspendCurrentRun(ctx, { key, timeout: options.timeout, input, viaPause: true, signal: options.signal }),
    );
  }
  const params = pauseParams(ctx.flowRun.id, key, options.timeout, input);
  const outcome = await ctx.client.pauseFlowRun({ ...params, reschedule: false }, { signal: options.signal });
  // The key fired in an earlier execution of this run: carry on with the input it was resumed with.
  if (outcome.alreadyFired) return parseInput(input, outcome.runInput);
  const end = await waitForPauseEnd(ctx.client, ctx.flowRun.id, key, {
    signal: options.signal,
    heartbeatSeconds: options.heartbeatSeconds,
    onReconnect: options.onReconnect,
    onHeartbeat: options.onHeartbeat,
  });
  switch (end.type) {
    case "RESUMED":
      return parseInput(input, end.runInput);
    case "TIMED_OUT":
      throw new FlowPauseTimeout(NEVER_RESUMED, undefined, { reason: "PAUSE_TIMED_OUT" });
    case "CANCELLED":
      throw new FlowRunCancelledError("Flow run was cancelled while paused.");
    case "SUSPENDED":
      // Suspended from outside while waiting: the process ends; the re-executed run meets this key again.
      return endSuspendedProcess();
    case "HEARTBEAT":
      throw new Error("unreachable: heartbeats are not final");
  }
}
