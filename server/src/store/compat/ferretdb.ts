import { setTimeout as delay } from "node:timers/promises";
import { MongoServerError, type Collection, type Db, type Filter, type MatchKeysAndValues } from "mongodb";
import { COLLECTIONS } from "../collections.js";
import type { StoreStrategy, Versioned, VersionedUpdateOptions } from "./strategy.js";

interface ClaimDocument {
  _id: string;
  /** The update the claim stands for, so that a claim left by a writer that died can be finished. */
  set: Record<string, unknown>;
  at: Date;
}

const DUPLICATE_KEY = 11000;
/** A claim whose update has not landed after this long is taken to belong to a writer that died. */
const STALE_CLAIM_MS = 5_000;
/** The longest pause between two looks at a version another server is writing. */
const MAX_POLL_MS = 50;

/**
 * The strategy for FerretDB v1 (the embedded store): compare-and-set by version through claims.
 *
 * An update filtered on `{ _id, version }` is not atomic on FerretDB v1: it finds the matching document,
 * then rewrites it by `_id` alone, so writers that read the same version all "succeed". So the right to
 * write version N of a document is claimed first, by inserting the unique id "{kind}:{id}:{N}" into one
 * claims collection. Exactly one writer gets it, on FerretDB and MongoDB alike and across servers.
 * Documents are then read and written by `_id` alone: FerretDB answers a filter of `_id` only from its
 * key, and scans the collection for any other.
 *
 * A loser waits until the winner's version is written, so that its re-read sees it: for a winner on this
 * server, until that write lands (no store round trip); for one on another server, by looking at the
 * document, a little less often each time. A claim whose update never lands (its writer died between
 * claiming and writing) is finished by the loser that finds it stale, from the update the claim
 * records; of several losers that find it, one does (it claims the takeover, "{claim}/1"), and the
 * caller is told through `finished`, so that the change is announced as its writer would have.
 */
export function ferretdbStrategy(db: Db): StoreStrategy {
  const claims = db.collection<ClaimDocument>(COLLECTIONS.versionClaims);
  /** Claims this server's writers hold, each settled when its update has landed (or failed). */
  const landing = new Map<string, Promise<void>>();

  async function versionedUpdate<T extends Versioned>(
    target: Collection<T>,
    kind: string,
    id: string,
    version: number,
    set: MatchKeysAndValues<T>,
    isOurs: (doc: T) => boolean,
    options: VersionedUpdateOptions<T> = {},
  ): Promise<boolean> {
    const claimId = `${kind}:${id}:${version}`;
    const { ready, alongside } = options;
    // The read, the caller's work and (when nothing must land before it) the claim go out together:
    // one round trip where there were three. A claim is what another writer would finish if this one
    // died, so it waits for `ready`, the work that must never be skipped. The read may come before the
    // claim: a document still at `version - 1` once this writer holds the claim can be written by no
    // one else (writing `version` takes its claim), save by a writer finishing this very claim, with
    // this very update, should this one stall past STALE_CLAIM_MS.
    const early = ready === undefined ? claim(claimId, set as Record<string, unknown>) : undefined;
    let before: T | null;
    try {
      [before] = await Promise.all([target.findOne({ _id: id } as Filter<T>) as Promise<T | null>, ready, alongside, early]);
    } catch (err) {
      (await early?.catch(() => undefined))?.landed();
      throw err;
    }
    if (!before || before.version !== version - 1) {
      (await early)?.landed();
      // This writer decided on an older version than the document's (another writer was first), or,
      // once old claims were trimmed, on one older still. A claim it may hold is for a version that
      // is written already: no writer will wait for it.
      return before !== null && before.version === version && isOurs(before);
    }
    const claimed = early ? await early : await claim(claimId, set as Record<string, unknown>);
    if (!claimed) {
      await settle(target, claimId, id, version, options);
      return false;
    }
    // From here the update lands: by this writer, or by the next one, from the claim, if this one dies.
    options.committed?.();
    try {
      // The claim makes this writer the only one for this version, so the update can filter on _id alone.
      await target.updateOne({ _id: id } as Filter<T>, { $set: set });
      return true;
    } finally {
      claimed.landed();
    }
  }

  /** Inserts the claim; undefined when another writer holds it. */
  async function claim(claimId: string, set: Record<string, unknown>): Promise<{ landed: () => void } | undefined> {
    try {
      await claims.insertOne({ _id: claimId, set, at: new Date() });
    } catch (err) {
      if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) throw err;
      return undefined;
    }
    let landed!: () => void;
    landing.set(claimId, new Promise<void>((resolve) => (landed = resolve)));
    return {
      landed: () => {
        landing.delete(claimId);
        landed();
      },
    };
  }

  /**
   * Returns once version `version` is written, or can no longer be (the document is gone): waits for
   * the claim's writer and, when that writer died, finishes its update.
   */
  async function settle<T extends Versioned>(
    target: Collection<T>,
    claimId: string,
    id: string,
    version: number,
    options: VersionedUpdateOptions<T>,
  ): Promise<void> {
    for (let takeover = 0; ; takeover++) {
      const held = takeover === 0 ? claimId : `${claimId}/${takeover}`;
      const stale = await awaitVersion(target, held, id, version, options.signal);
      if (!stale) return;
      // The writer died: whoever claims the takeover next writes its update, once.
      const finisher = await claim(`${claimId}/${takeover + 1}`, stale.set);
      if (!finisher) continue;
      try {
        const current = await target.findOne({ _id: id } as Filter<T>);
        if (current?.version !== version - 1) return;
        await target.updateOne({ _id: id } as Filter<T>, { $set: stale.set as MatchKeysAndValues<T> });
        // `set` names whole top-level fields, so the document now is the old one with them replaced.
        options.finished?.({ ...current, ...stale.set } as T);
        return;
      } finally {
        finisher.landed();
      }
    }
  }

  /**
   * Waits until the holder of claim `held` has written version `version` (undefined), or until the
   * claim is stale (the claim). A holder on this server is awaited directly; another server's by
   * looking at the document's version with growing pauses, up to the claim's staleness.
   */
  async function awaitVersion<T extends Versioned>(
    target: Collection<T>,
    held: string,
    id: string,
    version: number,
    signal: AbortSignal | undefined,
  ): Promise<ClaimDocument | undefined> {
    const local = landing.get(held);
    if (local) {
      await abortable(local, signal);
      return undefined;
    }
    const claimDoc = await claims.findOne({ _id: held });
    // A claim trimmed away was written long ago.
    if (!claimDoc) return undefined;
    const staleAt = claimDoc.at.getTime() + STALE_CLAIM_MS;
    for (let wait = 2; ; wait = Math.min(wait * 2, MAX_POLL_MS)) {
      const doc = await target.findOne({ _id: id } as Filter<T>, { projection: { version: 1 } });
      if (!doc || doc.version >= version) return undefined;
      const left = staleAt - Date.now();
      if (left <= 0) return claimDoc;
      await delay(Math.min(wait, left), undefined, signal ? { signal } : {});
    }
  }

  return {
    name: "ferretdb",
    versionedUpdate,
    /**
     * An old claim guards nothing: `versionedUpdate` checks the document's version again after
     * claiming, so a late writer that re-claims a trimmed version still loses.
     */
    async trimWriteGuards(cutoff: Date): Promise<void> {
      await claims.deleteMany({ at: { $lt: cutoff } });
    },
  };
}

/** `work`, or the signal's reason if it aborts first. */
function abortable(work: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
