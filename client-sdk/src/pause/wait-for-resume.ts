/**
 * Waits for a pause to end on the server's WaitForResume stream: pushed, never polled. A dropped stream
 * (server restart, network) is reopened with backoff, naming the pause key, and the server answers a
 * wait on a pause that already ended with its final event at once, so a resume that happened while
 * the stream was down is not missed. Heartbeats double as a liveness check for half-open connections.
 */
import { FlowgateError, FlowRunNotFoundError, InvalidArgumentError, NotFoundError, RefusedError } from "../errors.js";
import { backoffMs, sleep } from "../runtime/abortable.js";
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

/** Errors that no reconnect can fix. */
function isPermanent(err: unknown): boolean {
  return err instanceof NotFoundError || err instanceof FlowRunNotFoundError || err instanceof RefusedError || err instanceof InvalidArgumentError;
}

/** Resolves with the pause's final event (RESUMED, TIMED_OUT, CANCELLED or SUSPENDED). */
export async function waitForPauseEnd(client: FlowgateClient, flowRunId: string, key: string, opts: WaitOptions = {}): Promise<WaitEvent> {
  const heartbeatSeconds = opts.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS;
  for (let attempt = 0; ; attempt++) {
    opts.signal?.throwIfAborted();
    const stream = new AbortController();
    const onAbort = (): void => stream.abort(opts.signal?.reason);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    let watchdog: NodeJS.Timeout | undefined;
    const armWatchdog = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => stream.abort(new FlowgateError("No heartbeat from the server; reconnecting.")), heartbeatSeconds * 3000);
    };
    let cause: unknown = new FlowgateError("The WaitForResume stream ended without a final event.");
    try {
      armWatchdog();
      for await (const event of client.waitForResume(flowRunId, key, heartbeatSeconds, { signal: stream.signal })) {
        attempt = 0; // a live stream resets the backoff
        if (event.type !== "HEARTBEAT") return event;
        armWatchdog();
        opts.onHeartbeat?.(event);
      }
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (isPermanent(err)) throw err;
      cause = err;
    } finally {
      clearTimeout(watchdog);
      opts.signal?.removeEventListener("abort", onAbort);
    }
    opts.onReconnect?.(attempt + 1, cause);
    await sleep(backoffMs(attempt, 50, 2_000), opts.signal);
  }
}
