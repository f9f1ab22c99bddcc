import { DomainError, InvalidArgumentError, domainErrorFrom } from "../domain/errors.js";
import type { Actor } from "../domain/audit.js";
import type { RequestLogStore, StoredOutcome } from "./ports.js";

/**
 * Runs a mutating call at most once per principal and client request id: a retry gets the first
 * call's outcome, success or domain error alike. Unexpected errors are not stored, so a retry does
 * the work again. Request ids belong to the principal that sent them: another principal reusing
 * `job-42` gets its own call done, never the first principal's outcome.
 */
export async function once<T>(
  log: RequestLogStore,
  actor: Pick<Actor, "principal">,
  scope: string,
  requestId: string | undefined,
  work: () => Promise<T>,
): Promise<T> {
  if (!requestId) return work();
  const id = requestLogId(actor, scope, requestId);
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

/** `<principal>/<scope>:<request id>`; the principal is URI-encoded so no name can reach into another's ids. */
export function requestLogId(actor: Pick<Actor, "principal">, scope: string, requestId: string): string {
  return `${encodeURIComponent(actor.principal)}/${scope}:${requestId}`;
}

function replay<T>(outcome: StoredOutcome): T {
  if (outcome.ok) return outcome.value as T;
  throw domainErrorFrom(outcome);
}
