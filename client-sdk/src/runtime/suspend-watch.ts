/**
 * Learns, through the WatchFlowRun stream, that someone else suspended the run this process executes
 * (suspendFlowRun({ flowRunId }) from outside), so the run stops at its next task boundary.
 */
import type { FlowgateClient } from "../transport/flowgate-client.js";
import { StateType } from "../types.js";
import { backoffMs, sleep } from "./abortable.js";
import type { FlowRunContext } from "./run-context.js";

export function watchForSuspend(client: FlowgateClient, flowRunId: string, ctx: Pick<FlowRunContext, "markSuspendedElsewhere">, signal: AbortSignal): void {
  void (async () => {
    for (let failures = 0; !signal.aborted; ) {
      try {
        for await (const e of client.watchFlowRun(flowRunId, { signal })) {
          failures = 0;
          const state = e.flowRun.state;
          if (state?.type === StateType.PAUSED && state.details?.pauseReschedule) ctx.markSuspendedElsewhere();
        }
        return; // the run reached a final state
      } catch {
        if (signal.aborted) return;
        await sleep(backoffMs(failures++, 100, 5_000), signal).catch(() => undefined);
      }
    }
  })();
}
