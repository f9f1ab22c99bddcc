import { setTimeout as delay } from "node:timers/promises";
import { MongoServerError, type Collection, type Db, type Filter, type MatchKeysAndValues } from "mongodb";
import { COLLECTIONS } from "../collections.js";
import type { StoreStrategy, Versioned } from "./strategy.js";

interface ClaimDocument {
  _id: string;
  /** The update the claim stands for, so that a claim left by a writer that died can be finished. */
  set: Record<string, unknown>;
  at: Date;
}

const DUPLICATE_KEY = 11000;
/** A claim whose update has not landed after this long is taken to belong to a writer that died. */
const STALE_CLAIM_MS = 5_000;

/**
 * The strategy for FerretDB v1 (the embedded store): compare-and-set by version through claims.
 *
 * An update filtered on `{ _id, version }` is not atomic on FerretDB v1: it finds the matching document,
 * then rewrites it by `_id` alone, so writers that read the same version all "succeed". So the right to
 * write version N of a document is claimed first, by inserting the unique id "{kind}:{id}:{N}" into one
 * claims collection. Exactly one writer gets it, on FerretDB and MongoDB alike and across servers.
 * Documents are then read and written by `_id` alone: FerretDB answers a filter of `_id` only from its
 * key, and scans the collection for any other.
 */
export function ferretdbStrategy(db: Db): StoreStrategy {
  const claims = db.collection<ClaimDocument>(COLLECTIONS.versionClaims);

  async function versionedUpdate<T extends Versioned>(
    target: Collection<T>,
    kind: string,
    id: string,
    version: number,
    set: MatchKeysAndValues<T>,
    isOurs: (doc: T) => boolean,
  ): Promise<boolean> {
    const claimId = `${kind}:${id}:${version}`;
    try {
      await claims.insertOne({ _id: claimId, set: set as Record<string, unknown>, at: new Date() });
    } catch (err) {
      if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) throw err;
      await awaitVersion(target, claimId, id, version);
      return false;
    }
    // The claim makes this writer the only one for this version, so the update can filter on _id alone.
    const before = await target.findOne({ _id: id } as Filter<T>);
    if (!before) return false;
    if (before.version !== version - 1) {
      // Either a writer that found this claim stale already wrote this very update, or this writer
      // decided on a version older than its claim (possible only once old claims were trimmed).
      return before.version === version && isOurs(before as T);
    }
    await target.updateOne({ _id: id } as Filter<T>, { $set: set });
    return true;
  }

  /**
   * Waits until the winner of a claim has written its version, so that the loser's re-read sees it. A
   * claim left by a writer that died between claiming and writing is finished here from the update it
   * recorded.
   */
  async function awaitVersion<T extends Versioned>(target: Collection<T>, claimId: string, id: string, version: number): Promise<void> {
    const deadline = Date.now() + STALE_CLAIM_MS;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      const doc = await target.findOne({ _id: id } as Filter<T>, { projection: { version: 1 } });
      if (!doc || doc.version >= version) return;
      if (Date.now() >= deadline) break;
      await delay(wait);
    }
    const claim = await claims.findOne({ _id: claimId });
    const current = await target.findOne({ _id: id } as Filter<T>, { projection: { version: 1 } });
    if (claim && current?.version === version - 1 && Date.now() - claim.at.getTime() >= STALE_CLAIM_MS) {
      await target.updateOne({ _id: id } as Filter<T>, { $set: claim.set as MatchKeysAndValues<T> });
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
