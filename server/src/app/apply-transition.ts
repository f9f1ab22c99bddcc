import { AbortedError, type DomainError } from "../domain/errors.js";
import type { Clock } from "../domain/rules.js";
import { systemClock } from "./context.js";

/** Lost races are retried this often before giving up; each retry means another writer made progress. */
export const MAX_ATTEMPTS = 50;

/** What the caller gets: a value, or an error that stands even though the decision's change was stored. */
export type Result<T> = { value: T } | { error: DomainError };

/** A decision about one versioned record, made from its current version. */
export interface Decision<S, T> {
  /** The record's next version (version + 1), to store; absent when nothing changes. */
  next?: S;
  result: Result<T>;
  /** Work that must land before `next` does (e.g. mirrors that readers must see no later than the state). */
  before?: () => Promise<void>;
}

/** The record a transition applies to, and how it is read, written and announced. */
export interface TransitionSubject<S> {
  /** Names the record in the error a lost race ends with ("Flow run 1f0c…"). */
  readonly label: string;
  /** The current version; throws the record's NotFoundError when it does not exist. */
  read(): Promise<S>;
  /** Stores `next` if the record is still at the version it was decided from; false when another writer was first. */
  write(next: S): Promise<boolean>;
  /** Called once for every change stored (publishing, logging). */
  written?(next: S, previous: S): Promise<void>;
}

/**
 * The one path of every state change: read, decide, store the decision as one version-guarded write;
 * when another writer got there first, read and decide again. A decision whose result is an error
 * (say, a resume that finds its pause expired: the run fails, the caller is told PAUSE_TIMED_OUT)
 * has its change stored and announced before the error is thrown. `first` saves the first read when
 * the caller already holds a current copy.
 */
export async function applyTransition<S, T>(
  subject: TransitionSubject<S>,
  decide: (current: S, clock: Clock) => Decision<S, T>,
  first?: S,
): Promise<T> {
  let known = first;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = known ?? (await subject.read());
    known = undefined;
    const decision = decide(current, systemClock());
    if (decision.next !== undefined) {
      await decision.before?.();
      if (!(await subject.write(decision.next))) continue;
      await subject.written?.(decision.next, current);
    }
    if ("error" in decision.result) throw decision.result.error;
    return decision.result.value;
  }
  throw new AbortedError("CONTENTION", `${subject.label} kept changing under ${MAX_ATTEMPTS} attempts to update it; retry.`);
}
