/**
 * Waits for a run's final state on the WatchFlowRun stream (pushed, never polled), reconnecting with
 * backoff when the stream drops: the watch resends the current state first, so nothing is missed.
 */
import { isTransientError } from "../errors.js";
import { backoffMs, sleep } from "../runtime/abortable.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import { isFinalStateType, type FlowRun } from "../types.js";

/** Resolves with the run once final, or as last seen when `timeoutSeconds` pass. */
export async function waitForFinalState(client: FlowgateClient, run: FlowRun, timeoutSeconds: number | undefined, signal?: AbortSignal): Promise<FlowRun> {
  signal?.throwIfAborted();
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const timer = timeoutSeconds === undefined ? undefined : setTimeout(() => stop.abort(), timeoutSeconds * 1000);
  let latest = run;
  try {
    for (let failures = 0; !stop.signal.aborted; ) {
      try {
        for await (const e of client.watchFlowRun(run.id, { signal: stop.signal })) {
          failures = 0;
          latest = e.flowRun;
          if (latest.state && isFinalStateType(latest.state.type)) return latest;
        }
      } catch (err) {
        if (stop.signal.aborted) break;
        // Not found or refused will not get better by retrying; a dropped stream will.
        if (!isTransientError(err)) throw err;
      }
      if (!stop.signal.aborted) await sleep(backoffMs(failures++, 100, 5_000), stop.signal).catch(() => undefined);
    }
    if (signal?.aborted) throw signal.reason;
    return latest; // the timeout passed: the run as last seen, as Prefect's run_deployment does
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    stop.abort();
  }
}
