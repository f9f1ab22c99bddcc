/**
 * Cancellation of a run a runner executes: CancelFlowRun moves a RUNNING run to CANCELLING, and the
 * runner that holds its process is the one that can end it. The runner follows the run's state on
 * WatchFlowRun (pushed, reconnecting like waitForFinalState) and acts once it sees CANCELLING.
 */
import { isTransientError } from "../errors.js";
import { backoffMs, sleep } from "../runtime/abortable.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import { StateType, isFinalStateType } from "../types.js";

/**
 * Calls `onCancelling` once if the run reaches CANCELLING before a final state or `signal`. Never
 * rejects: a watch that cannot be kept is logged, and the run is then left to end on its own.
 */
export async function followCancellation(
  client: FlowgateClient,
  flowRunId: string,
  signal: AbortSignal,
  onCancelling: () => void,
  log: (line: string) => void,
): Promise<void> {
  for (let failures = 0; !signal.aborted; ) {
    try {
      for await (const e of client.watchFlowRun(flowRunId, { signal })) {
        failures = 0;
        const type = e.flowRun.state?.type;
        if (type === StateType.CANCELLING) {
          onCancelling();
          return;
        }
        if (type !== undefined && isFinalStateType(type)) return;
      }
      return; // the watch ended: the run is final
    } catch (err) {
      if (signal.aborted) return;
      if (!isTransientError(err)) {
        log(`flow run ${flowRunId}: cannot watch for cancellation: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
    }
    await sleep(backoffMs(failures++, 100, 5_000), signal).catch(() => undefined);
  }
}
