/**
 * Waits for a pause to end on the server's WaitForResume stream: pushed, never polled. The stream is
 * followed by followStream: a dropped stream (server restart, network) is reopened with backoff,
 * naming the pause key, and the server answers a wait on a pause that already ended with its final
 * event at once, so a resume that happened while the stream was down is not missed. Heartbeats double
 * as a liveness check for half-open connections.
 */
import { followStream } from "../runtime/follow-stream.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import type { WaitEvent } from "../types.js";

export interface WaitOptions {
  signal?: AbortSignal | undefined;
  /** Seconds between server heartbeats; a stream silent for three of them is reopened. */
  heartbeatSeconds?: number | undefined;
  /** Called before each reconnect (for logs and tests). */
  onReconnect?: ((attempt: number, cause: unknown) => void) | undefined;
  /** Called for each heartbeat: the stream is open and the pause still pending. */
  onHeartbeat?: ((event: WaitEvent) => void) | undefined;
}

const DEFAULT_HEARTBEAT_SECONDS = 10;

/**
 * Resolves with the pause's final event (RESUMED with its approvals, REJECTED with its rejection,
 * TIMED_OUT, CANCELLED or SUSPENDED). Every event but a heartbeat is final: the wait stops there and is
 * never reopened, so a rejection is never retried into a second wait.
 * @throws the signal's reason once aborted; FlowRunNotFoundError, PauseNotFoundError and the other
 *   failures a reconnect cannot mend.
 */
export async function waitForPauseEnd(client: FlowgateClient, flowRunId: string, key: string, opts: WaitOptions = {}): Promise<WaitEvent> {
  const signal = opts.signal ?? new AbortController().signal;
  signal.throwIfAborted();
  const heartbeatSeconds = opts.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS;
  let final: WaitEvent | undefined;
  await followStream(
    (sig) => client.waitForResume(flowRunId, key, heartbeatSeconds, { signal: sig }),
    (event) => {
      if (event.type === "HEARTBEAT") return void opts.onHeartbeat?.(event);
      final = event;
      return "stop";
    },
    // The SDK's one backoff (DEFAULT_BACKOFF), as the suspend watch, the runner and the Python and Go
    // clients use: a thousand waiters of a restarted server come back spread out, in single digits of
    // attempts each over the first 15 s of an outage.
    { signal, idleTimeoutMs: heartbeatSeconds * 3_000, onReconnect: opts.onReconnect },
  );
  if (final) return final;
  throw signal.reason;
}
