/**
 * When a failed delivery is tried again: exponential backoff from `baseMs`, doubling per failed
 * attempt up to `capMs`, with a little jitter so deliveries that failed together do not retry in
 * lockstep; the last attempt falls at `windowMs` after the delivery was created, and after it the
 * delivery is FAILED. Defaults: 5 s, 10 s, 20 s … capped at 1 h, for 24 h (about 30 attempts).
 */
export interface RetryPolicy {
  baseMs: number;
  capMs: number;
  windowMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 5_000,
  capMs: 3_600_000,
  windowMs: 24 * 3_600_000,
};

/** Up to this fraction is added to each delay. */
const JITTER = 0.1;

/**
 * The time of the next attempt after `failedAttempts` failures (1 after the first), or undefined when
 * the delivery has had its last attempt. `random` is in [0, 1).
 */
export function nextAttemptAfterFailure(
  policy: RetryPolicy,
  createdAt: Date,
  failedAttempts: number,
  now: Date,
  random: number,
): Date | undefined {
  const deadline = createdAt.getTime() + policy.windowMs;
  if (now.getTime() >= deadline) return undefined;
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 40);
  const delay = Math.min(policy.baseMs * 2 ** exponent, policy.capMs) * (1 + JITTER * random);
  return new Date(Math.min(now.getTime() + delay, deadline));
}
