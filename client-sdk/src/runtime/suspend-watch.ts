/**
 * Learns, through the WatchFlowRun stream, that someone else suspended the run this process executes
 * (suspendFlowRun({ flowRunId }) from outside), so the run stops at its next task boundary.
 */
import type { FlowgateClient } from "../transport/flowgate-client.js";
import { isFinalStateType, StateType } from "../types.js";
import { followStream } from "./follow-stream.js";
import type { FlowRunContext } from "./run-context.js";

/**
 * Follows the run until it is final or `signal` aborts, reconnecting across drops. Never rejects: a
 * failure no reconnect can mend (the run is gone) leaves nothing to watch for.
 */
export function watchForSuspend(
  client: FlowgateClient,
  flowRunId: string,
  ctx: Pick<FlowRunContext, "markSuspendedElsewhere">,
  signal: AbortSignal,
): void {
  void followStream(
    (sig) => client.watchFlowRun(flowRunId, { signal: sig }),
    (e) => {
      const state = e.flowRun.state;
      if (state?.type === StateType.PAUSED && state.details?.pauseReschedule) ctx.markSuspendedElsewhere();
      return state !== undefined && isFinalStateType(state.type) ? "stop" : undefined;
    },
    { signal },
  ).catch(() => undefined);
}
