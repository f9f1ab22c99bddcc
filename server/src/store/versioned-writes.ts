import { setTimeout as delay } from "node:timers/promises";
import { MongoServerError, type Collection, type Db, type Filter, type MatchKeysAndValues } from "mongodb";
import { COLLECTIONS } from "./collections.js";

interface ClaimDocument {
  _id: string;
  /** The update the claim stands for, so that a claim left by a writer that died can be finished. */
  set: Record<string, unknown>;
  at: Date;
}

export interface Versioned {
  _id: string;
  version: number;
}

const DUPLICATE_KEY = 11000;
/** A claim whose update has not landed after this long is taken to belong to a writer that died. */
const STALE_CLAIM_MS = 5_000;

/**
 * Compare-and-set by version that holds on every MongoDB-compatible store.
 *
 * An update filtered on `{ _id, version }` is not atomic on FerretDB v1: it finds the matching document,
 * then rewrites it by `_id` alone, so writers that read the same version all "succeed". So the right to
 * write version N of a document is claimed first, by inserting the unique id "{kind}:{id}:{N}" into one
 * claims collection. Exactly one writer gets it, on MongoDB and FerretDB alike and across servers.
 */
export class VersionedWrites {
  private readonly claims: Collection<ClaimDocument>;

  constructor(db: Db) {
    this.claims = db.collection<ClaimDocument>(COLLECTIONS.versionClaims);
  }

  /**
   * Writes `set` (which must set `version` to `version`) to the document if it is still at
   * `version - 1` and this writer wins the claim. False means another writer won: by the time this
   * returns, that writer's version is visible, so the caller re-reads the new state.
   * `isOurs` tells whether a document at `version` holds this very write.
   */
  async write<T extends Versioned>(
    target: Collection<T>,
    kind: string,
    id: string,
    version: number,
    set: MatchKeysAndValues<T>,
    isOurs: (doc: T) => boolean,
  ): Promise<boolean> {
    const claimId = `${kind}:${id}:${version}`;
    try {
      await this.claims.insertOne({ _id: claimId, set: set as Record<string, unknown>, at: new Date() });
    } catch (err) {
      if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) throw err;
      await this.awaitVersion(target, claimId, id, version);
      return false;
    }
    // The claim makes this writer the only one for this version, so the update can filter on _id alone:
    // FerretDB answers a filter of `_id` only from its key, and scans the collection for any other.
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
   * Waits until the winner of a claim has written its version. A claim left by a writer that died
   * between claiming and writing is finished here from the update it recorded.
   */
  private async awaitVersion<T extends Versioned>(target: Collection<T>, claimId: string, id: string, version: number): Promise<void> {
    const deadline = Date.now() + STALE_CLAIM_MS;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      const doc = await target.findOne({ _id: id } as Filter<T>, { projection: { version: 1 } });
      if (!doc || doc.version >= version) return;
      if (Date.now() >= deadline) break;
      await delay(wait);
    }
    const claim = await this.claims.findOne({ _id: claimId });
    const current = await target.findOne({ _id: id } as Filter<T>, { projection: { version: 1 } });
    if (claim && current?.version === version - 1 && Date.now() - claim.at.getTime() >= STALE_CLAIM_MS) {
      await target.updateOne({ _id: id } as Filter<T>, { $set: claim.set as MatchKeysAndValues<T> });
    }
  }

  /**
   * Drops claims older than the cutoff. An old claim guards nothing: `write` checks the document's
   * version again after writing, so a late writer that re-claims a trimmed version still loses.
   */
  async deleteOlderThan(cutoff: Date): Promise<void> {
    await this.claims.deleteMany({ at: { $lt: cutoff } });
  }
}
