/**
 * Waits for a run's final state on the WatchFlowRun stream (pushed, never polled), reconnecting with
 * backoff when the stream drops: the watch resends the current state first, so nothing is missed.
 */
import { followStream } from "../runtime/follow-stream.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import { isFinalStateType, type FlowRun } from "../types.js";

/** Resolves with the run once final, or as last seen when `timeoutSeconds` pass. */
export async function waitForFinalState(
  client: FlowgateClient,
  run: FlowRun,
  timeoutSeconds: number | undefined,
  signal?: AbortSignal,
): Promise<FlowRun> {
  signal?.throwIfAborted();
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const timer = timeoutSeconds === undefined ? undefined : setTimeout(() => stop.abort(), timeoutSeconds * 1000);
  let latest = run;
  try {
    let final = false;
    await followStream(
      (sig) => client.watchFlowRun(run.id, { signal: sig }),
      (e) => {
        latest = e.flowRun;
        final = latest.state !== undefined && isFinalStateType(latest.state.type);
        return final ? "stop" : undefined;
      },
      { signal: stop.signal },
    );
    if (final) return latest;
    if (signal?.aborted) throw signal.reason;
    return latest; // the timeout passed: the run as last seen, as Prefect's run_deployment does
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    stop.abort();
  }
}
