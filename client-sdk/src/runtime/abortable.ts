/** Waiting helpers that always honour an AbortSignal, so no SDK wait can outlive its caller. */
import { setTimeout as delay } from "node:timers/promises";

/** Sleeps `ms`; rejects with the signal's reason if it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : {});
}

/**
 * Runs `work` with a deadline: after `seconds` the returned promise rejects with `onTimeout()` and the
 * signal given to `work` aborts, so cooperative work can stop. Without `seconds`, just runs it.
 */
export async function withTimeout<T>(
  seconds: number | undefined,
  parent: AbortSignal | undefined,
  onTimeout: () => Error,
  work: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (seconds === undefined) return work(parent);
  const controller = new AbortController();
  const onParentAbort = (): void => controller.abort(parent?.reason);
  parent?.addEventListener("abort", onParentAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = onTimeout();
      controller.abort(err);
      reject(err);
    }, seconds * 1000);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener("abort", onParentAbort);
  }
}

/** Exponential backoff with jitter: 1st retry ≈ base, doubling up to max. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
