import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { AbortedError, DomainError, InvalidArgumentError, domainErrorFrom } from "../domain/errors.js";
import type { Actor } from "../domain/audit.js";
import type { RequestLogStore, StoredOutcome } from "./ports.js";

/** How long a reservation's owner is trusted to be alive; after that a duplicate may take the work over. */
export const RESERVATION_LEASE_MS = 30_000;
/** A duplicate waits this long beyond a lease for an outcome before giving up with CONTENTION. */
const WAIT_BEYOND_LEASE_MS = 10_000;
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 200;

export interface OnceOptions<T = unknown> {
  /** The call's signal: a duplicate waiting for the first call's outcome stops when it aborts. */
  signal?: AbortSignal | undefined;
  /** Overrides RESERVATION_LEASE_MS. */
  leaseMs?: number;
  /**
   * What of a successful outcome is kept for retries (default: all of it). A secret handed out once,
   * such as a resume link's token, is left out: a retry is answered without it.
   */
  stored?: (value: T) => unknown;
}

/**
 * Runs a mutating call at most once per principal and client request id: a retry gets the first
 * call's outcome, success or domain error alike. The id is reserved (a unique insert) before the work,
 * so a duplicate that arrives while the first call is still working, on this server or another one
 * sharing the store, waits for that call's outcome instead of doing the work again. Unexpected errors
 * are not stored and release the reservation, so a retry does the work again; so does a duplicate
 * that finds the reservation of an owner whose lease ran out (a server that died mid-call).
 * Request ids belong to the principal that sent them: another principal reusing `job-42` gets its own
 * call done, never the first principal's outcome.
 */
export async function once<T>(
  log: RequestLogStore,
  actor: Pick<Actor, "principal" | "signal">,
  scope: string,
  requestId: string | undefined,
  work: () => Promise<T>,
  options: OnceOptions<T> = {},
): Promise<T> {
  if (!requestId) return work();
  const opts = { ...options, signal: options.signal ?? actor.signal };
  const id = requestLogId(actor, scope, requestId);
  const owner = randomUUID();
  const leaseMs = opts.leaseMs ?? RESERVATION_LEASE_MS;
  const leaseUntil = () => new Date(Date.now() + leaseMs);
  const deadline = Date.now() + leaseMs + WAIT_BEYOND_LEASE_MS;
  for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
    opts.signal?.throwIfAborted();
    if (await log.reserve(id, owner, leaseUntil(), new Date())) return doAndRecord(log, id, owner, work, opts.stored);
    const entry = await log.read(id);
    // Released between our insert and our read: the id is free again, so try to reserve it at once.
    if (!entry) continue;
    if (entry.state === "done") return replay<T>(entry.outcome);
    if (entry.leaseUntil.getTime() <= Date.now() && (await log.takeOver(id, entry.owner, owner, leaseUntil(), new Date()))) {
      return doAndRecord(log, id, owner, work, opts.stored);
    }
    if (Date.now() >= deadline) {
      throw new AbortedError("CONTENTION", `Another call with request id ${requestId} is still in progress; retry later.`);
    }
    await delay(pause, undefined, opts.signal ? { signal: opts.signal } : {});
  }
}

/** The reservation's owner: does the work and replaces the reservation with its outcome. */
async function doAndRecord<T>(
  log: RequestLogStore,
  id: string,
  owner: string,
  work: () => Promise<T>,
  stored: (value: T) => unknown = (value) => value,
): Promise<T> {
  let value: T;
  try {
    value = await work();
  } catch (err) {
    if (err instanceof DomainError) {
      const violations = err instanceof InvalidArgumentError ? [...err.violations] : [];
      await log.complete(id, owner, { ok: false, reason: err.reason, kind: err.kind, message: err.message, violations }, new Date());
    } else {
      // Nothing was decided: free the id for a retry. If even that fails, the lease frees it later.
      await log.release(id, owner).catch(() => undefined);
    }
    throw err;
  }
  await log.complete(id, owner, { ok: true, value: stored(value) }, new Date());
  return value;
}

/** `<principal>/<scope>:<request id>`; the principal is URI-encoded so no name can reach into another's ids. */
export function requestLogId(actor: Pick<Actor, "principal">, scope: string, requestId: string): string {
  return `${encodeURIComponent(actor.principal)}/${scope}:${requestId}`;
}

function replay<T>(outcome: StoredOutcome): T {
  if (outcome.ok) return outcome.value as T;
  throw domainErrorFrom(outcome);
}
