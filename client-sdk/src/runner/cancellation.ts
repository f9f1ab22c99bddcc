/**
 * Cancellation of a run a runner executes: CancelFlowRun moves a RUNNING run to CANCELLING, and the
 * runner that holds its process is the one that can end it. The runner follows the run's state on
 * WatchFlowRun (pushed, reconnecting) and acts once it sees CANCELLING.
 */
import { followStream } from "../runtime/follow-stream.js";
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
  try {
    await followStream(
      (sig) => client.watchFlowRun(flowRunId, { signal: sig }),
      (e) => {
        const type = e.flowRun.state?.type;
        if (type === StateType.CANCELLING) onCancelling();
        return type === StateType.CANCELLING || (type !== undefined && isFinalStateType(type)) ? "stop" : undefined;
      },
      { signal },
    );
  } catch (err) {
    log(`flow run ${flowRunId}: cannot watch for cancellation: ${err instanceof Error ? err.message : String(err)}`);
  }
}
