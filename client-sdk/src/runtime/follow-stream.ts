/**
 * The SDK's one reconnecting stream loop: pause waits, suspend watches and the runner's watches all
 * follow their server streams through it, so "what is worth a reconnect" is decided once.
 */
import { isTransientError, UnavailableError } from "../errors.js";
import { backoffMs, sleep } from "./abortable.js";

export interface FollowOptions {
  /** Stops following; followStream then resolves (it does not reject with the reason). */
  signal: AbortSignal;
  /**
   * Reopen a stream that delivered nothing for this long (ms). A half-open connection (a server that
   * vanished without closing it) shows no error; streams with heartbeats detect it this way.
   */
  idleTimeoutMs?: number | undefined;
  /** Called before each reopening, with the failure that caused it (for logs and tests). */
  onReconnect?: ((attempt: number, cause: unknown) => void) | undefined;
  /** Backoff between reopenings (default 100 ms doubling to 5 s); reset by every event. */
  backoff?: { baseMs: number; maxMs: number } | undefined;
}

/**
 * Reads the stream `open` starts, handing each event to `onEvent` until it returns "stop" or the
 * signal aborts. A dropped, silent or ended stream is reopened with backoff: the watches resend the
 * current state first and WaitForResume answers an ended pause at once, so nothing is missed.
 * Only transient failures are retried (unavailable, cut by the server; see isTransientError); one
 * that retrying cannot mend (not found, invalid, refused, internal) is thrown.
 */
export async function followStream<E>(
  open: (signal: AbortSignal) => AsyncIterable<E>,
  onEvent: (e: E) => "stop" | void,
  options: FollowOptions,
): Promise<void> {
  const { signal, idleTimeoutMs, onReconnect } = options;
  const { baseMs, maxMs } = options.backoff ?? { baseMs: 100, maxMs: 5_000 };
  for (let failures = 0; !signal.aborted;) {
    const attempt = new AbortController();
    const onAbort = (): void => attempt.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      if (idleTimeoutMs === undefined) return;
      clearTimeout(idle);
      idle = setTimeout(() => attempt.abort(new UnavailableError("The stream fell silent; reopening it.")), idleTimeoutMs);
    };
    let cause: unknown = new UnavailableError("The stream ended; reopening it.");
    try {
      armIdle();
      for await (const e of open(attempt.signal)) {
        failures = 0;
        armIdle();
        if (onEvent(e) === "stop") return;
      }
    } catch (err) {
      if (signal.aborted) return;
      // The idle timer's abort surfaces as its reason, an UnavailableError: transient.
      if (!isTransientError(err)) throw err;
      cause = err;
    } finally {
      clearTimeout(idle);
      signal.removeEventListener("abort", onAbort);
      attempt.abort();
    }
    onReconnect?.(failures + 1, cause);
    await sleep(backoffMs(failures++, baseMs, maxMs), signal).catch(() => undefined);
  }
}
