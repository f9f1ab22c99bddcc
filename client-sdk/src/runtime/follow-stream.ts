/**
 * The SDK's one reconnecting stream loop: pause waits, suspend watches and the runner's watches all
 * follow their server streams through it, so "what is worth a reconnect" and "how soon" are decided once.
 */
import { FlowgateError, isTransientError, UnavailableError } from "../errors.js";
import { sleep } from "./abortable.js";

export interface Backoff {
  /** The ceiling of the first wait (ms); each failure in a row doubles it. */
  baseMs: number;
  /** The highest ceiling (ms). */
  maxMs: number;
}

/**
 * Defaults: after a restart, a thousand waiters spread their reopenings over the whole ceiling (full
 * jitter) instead of arriving together, and each one tries about nine times in the first 20 s of an
 * outage and then every 5 s on average.
 */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 200, maxMs: 10_000 };

/**
 * The least ceiling after the server itself said it cannot serve yet (UNAVAILABLE or RESOURCE_EXHAUSTED
 * with a reason: its store is down, it holds too many streams): its HTTP API's Retry-After says 1 s.
 */
export const NOT_READY_MS = 1_000;

/** A stream that stayed open this long had recovered: the next failure starts the backoff afresh. */
export const STABLE_MS = 10_000;

export interface FollowOptions {
  /** Stops following; followStream then resolves (it does not reject with the reason). */
  signal: AbortSignal;
  /**
   * Reopen a stream that delivered nothing for this long (ms). A half-open connection (a server that
   * vanished without closing it) shows no error; streams with heartbeats detect it this way.
   */
  idleTimeoutMs?: number | undefined;
  /** Called before each reopening, with the failures in a row so far, the last one, and the wait chosen (ms). */
  onReconnect?: ((attempt: number, cause: unknown, delayMs: number) => void) | undefined;
  /** Backoff between reopenings (default DEFAULT_BACKOFF). */
  backoff?: Backoff | undefined;
  /** How long a stream must stay open for its next failure to count as the first again (default STABLE_MS). */
  stableMs?: number | undefined;
}

/**
 * How long to wait before reopening after `failures` failures in a row (1 for the first), the last being
 * `cause`: a random wait between 0 and a ceiling that doubles from `baseMs` up to `maxMs` ("full
 * jitter", so that clients dropped together do not come back together). When the server answered that
 * it cannot serve yet, the ceiling is at least NOT_READY_MS. `random` returns a number in [0, 1).
 */
export function reconnectDelayMs(failures: number, cause: unknown, backoff: Backoff, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  let ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** exponent);
  if (saysNotReady(cause)) ceiling = Math.max(ceiling, Math.min(NOT_READY_MS, backoff.maxMs));
  return Math.floor(random() * ceiling);
}

/** The server itself answered that it cannot serve now (as opposed to not being reached at all). */
function saysNotReady(cause: unknown): boolean {
  // 14 UNAVAILABLE, 8 RESOURCE_EXHAUSTED; a reason means the server sent it (a connection that failed has none).
  return cause instanceof FlowgateError && cause.reason !== undefined && (cause.code === 14 || cause.code === 8);
}

/**
 * Reads the stream `open` starts, handing each event to `onEvent` until it returns "stop" or the
 * signal aborts. A dropped, silent or ended stream is reopened with backoff (see reconnectDelayMs): the
 * watches resend the current state first and WaitForResume answers an ended pause at once, so nothing is
 * missed. Failures in a row are counted until a stream stays open for `stableMs`: a server that accepts
 * the stream, sends its first event and drops it again (say, while it cannot reach its store) gets ever
 * longer waits, not a reconnect per `baseMs`.
 * Only transient failures are retried (unavailable, cut by the server; see isTransientError); one
 * that retrying cannot mend (not found, invalid, refused, internal) is thrown.
 */
export async function followStream<E>(
  open: (signal: AbortSignal) => AsyncIterable<E>,
  onEvent: (e: E) => "stop" | void,
  options: FollowOptions,
): Promise<void> {
  const { signal, idleTimeoutMs, onReconnect } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const stableMs = options.stableMs ?? STABLE_MS;
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
    const opened = Date.now();
    let cause: unknown = new UnavailableError("The stream ended; reopening it.");
    let stopped = false;
    try {
      armIdle();
      for await (const e of open(attempt.signal)) {
        armIdle();
        if (onEvent(e) === "stop") {
          stopped = true;
          return;
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      // The idle timer's abort surfaces as its reason, an UnavailableError: transient.
      if (!isTransientError(err)) throw err;
      cause = err;
    } finally {
      clearTimeout(idle);
      signal.removeEventListener("abort", onAbort);
      // Once the caller has what it waited for, the stream's teardown (cancelling the call) waits for
      // the next turn of the event loop, so that the caller goes on first: see serverStream.
      if (stopped) setImmediate(() => attempt.abort());
      else attempt.abort();
    }
    if (Date.now() - opened >= stableMs) failures = 0;
    failures++;
    const delayMs = reconnectDelayMs(failures, cause, backoff);
    onReconnect?.(failures, cause, delayMs);
    await sleep(delayMs, signal).catch(() => undefined);
  }
}
