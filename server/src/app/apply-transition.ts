import { AbortedError, type DomainError } from "../domain/errors.js";
import type { Clock } from "../domain/rules.js";
import { systemClock } from "./context.js";
import { Turns } from "./turns.js";

/**
 * Lost races are retried this often before giving up. Writers on this server take turns (see below), so
 * a race is lost only to another server's writer, and each lost race means that writer made progress.
 */
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

/** What a write is told besides the version to store. */
export interface WriteOptions<S> {
  /** The caller's signal: a write waiting for another writer's version stops waiting when it aborts. */
  signal?: AbortSignal | undefined;
  /**
   * Called when the write found the version it wanted claimed by a writer that died before storing it,
   * and stored that writer's version in its place (see store/compat/ferretdb.ts): `finished` is the
   * record as it now stands. The write itself then reports false (it did not store `next`).
   */
  finished?: (finished: S) => void;
  /**
   * The decision's `before` work, under way: the write makes its own preparations alongside it and
   * must not store the version until it has landed (nor at all when it fails, whose error it throws).
   */
  ready?: Promise<void> | undefined;
  /**
   * Called when the write can no longer fail to be stored, before it returns: on the embedded store,
   * once the version's claim (which records the whole update, and which the next writer finishes if
   * this one dies) is stored and the record is found at the version before. Never called for a write
   * that returns false; a write may store without calling it (one conditional update on MongoDB is
   * both the commitment and the write).
   */
  committed?: () => void;
}

/** The record a transition applies to, and how it is read, written and announced. */
export interface TransitionSubject<S> {
  /** Names the record in the error a lost race ends with ("Flow run 1f0c…"). */
  readonly label: string;
  /** Tells this record from every other on this server (writers of one record take turns); the label when unset. */
  readonly key?: string;
  /** The current version; throws the record's NotFoundError when it does not exist. */
  read(): Promise<S>;
  /** Stores `next` if the record is still at the version it was decided from; false when another writer was first. */
  write(next: S, options: WriteOptions<S>): Promise<boolean>;
  /**
   * Called once for every change stored (publishing, logging); `finished` when the change is a dead
   * writer's, finished here (see WriteOptions.finished), not the one this writer decided.
   */
  written?(next: S, previous: S, finished: boolean): Promise<void>;
  /**
   * Called when the change is certain to be stored, which may be before `write` returns (see
   * WriteOptions.committed), so that those waiting for it on this server can go on one store round
   * trip sooner. `written` still follows once the write returns.
   */
  committed?(next: S, previous: S): void;
}

export interface TransitionOptions<S> {
  /** A current copy the caller already holds, used for the first decision instead of a read. */
  first?: S | undefined;
  /**
   * A copy that may be stale (RecentRuns), used for the first decision when the caller holds no
   * current one: a change decided from it is stored only if it was current after all (the version
   * guard), and a decision that changes nothing is made again from the store before it is answered.
   * Looked up once this writer's turn has come, so that it holds what the writers before it stored.
   */
  cached?: (() => S | undefined) | undefined;
  /** The call's signal: waiting for a turn, or for another writer's version, stops when it aborts. */
  signal?: AbortSignal | undefined;
}

/** Writers of one record on this server, in turn; shared by every transition of this process. */
const turns = new Turns();

/**
 * The one path of every state change: read, decide, store the decision as one version-guarded write;
 * when another writer got there first, read and decide again. A decision whose result is an error
 * (say, a resume that finds its pause expired: the run fails, the caller is told PAUSE_TIMED_OUT)
 * has its change stored and announced before the error is thrown.
 *
 * Writers of one record on this server take turns instead of racing each other through the store: a
 * lost race costs a claim, a wait and a re-read, and N racing writers would lose O(N²) of them. A writer
 * whose turn comes decides from the record as the previous turn read or wrote it, when that read or
 * write began after this writer arrived (so the record it decides from was current at a moment within
 * its own call): the 999 losers of a 1,000-way resume race are each refused NOT_PAUSED from the
 * winner's write, without a store round trip. Writers on other servers still race through the store's
 * guard, which is what keeps the whole thing correct; the turns only make it cheap.
 */
export async function applyTransition<S, T>(
  subject: TransitionSubject<S>,
  decide: (current: S, clock: Clock) => Decision<S, T>,
  options: TransitionOptions<S> = {},
): Promise<T> {
  const { signal } = options;
  const turn = await turns.take<S>(subject.key ?? subject.label, signal);
  try {
    let known = options.first;
    let cached = options.cached?.();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const seen = known ?? turn.seen();
      const fromCache = seen === undefined && cached !== undefined;
      const current: S = seen ?? cached ?? (await turn.observe<S>(() => subject.read()));
      known = undefined;
      cached = undefined;
      let decision: Decision<S, T>;
      try {
        decision = decide(current, systemClock());
      } catch (err) {
        // A refusal thrown from a copy that may be stale could be wrong: ask the store.
        if (fromCache) continue;
        throw err;
      }
      // So could a refusal returned, or a change of nothing.
      if (fromCache && decision.next === undefined) continue;
      if (decision.next !== undefined) {
        const next = decision.next;
        // Started here and awaited by the write, which reads what it needs meanwhile.
        const ready = decision.before?.();
        // Observed by the write; this only keeps a failure that the write did not wait for (it failed
        // first) from being reported as unhandled.
        ready?.catch(() => undefined);
        let finished: S | undefined;
        const stored = await turn.observe<S | undefined>(async () => {
          const committed = subject.committed && (() => subject.committed?.(next, current));
          const ok = await subject.write(next, { signal, ready, finished: (f) => (finished = f), committed });
          return ok ? next : finished;
        });
        if (!stored) continue;
        // Announced while this turn is still held, so that changes are announced in the order they
        // were stored; the announcement's own round trips then overlap the next turn.
        const announced = subject.written?.(stored, current, stored !== next);
        if (stored !== next) {
          // A writer that died had claimed this version: it is finished and announced as that writer
          // would have, and this writer decides again on it.
          await announced;
          continue;
        }
        turn.release();
        await announced;
      }
      if ("error" in decision.result) throw decision.result.error;
      return decision.result.value;
    }
    throw new AbortedError("CONTENTION", `${subject.label} kept changing under ${MAX_ATTEMPTS} attempts to update it; retry.`);
  } finally {
    turn.release();
  }
}
