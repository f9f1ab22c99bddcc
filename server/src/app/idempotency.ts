import { DomainError, InvalidArgumentError, domainErrorFrom } from "../domain/errors.js";
import type { RequestLogStore, StoredOutcome } from "./ports.js";

/**
 * Runs a mutating call at most once per client request id: a retry gets the first call's outcome,
 * success or domain error alike. Unexpected errors are not stored, so a retry does the work again.
 */
export async function once<T>(log: RequestLogStore, scope: string, requestId: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!requestId) return work();
  const id = `${scope}:${requestId}`;
  const stored = await log.get(id);
  if (stored) return replay<T>(stored);
  try {
    const value = await work();
    await log.put(id, { ok: true, value }, new Date());
    return value;
  } catch (err) {
    if (err instanceof DomainError) {
      const violations = err instanceof InvalidArgumentError ? [...err.violations] : [];
      await log.put(id, { ok: false, reason: err.reason, kind: err.kind, message: err.message, violations }, new Date());
    }
    throw err;
  }
}

function replay<T>(outcome: StoredOutcome): T {
  if (outcome.ok) return outcome.value as T;
  throw domainErrorFrom(outcome);
}
