import type { Collection, Filter, MatchKeysAndValues } from "mongodb";
import type { StoreStrategy, Versioned, VersionedUpdateOptions } from "./strategy.js";

/**
 * The strategy for a real MongoDB (standalone, replica set, Atlas): a version-guarded update is one
 * conditional findOneAndUpdate on `{ _id, version: version - 1 }`, which MongoDB applies atomically
 * per document, so of writers that read the same version exactly one matches. No bookkeeping is kept.
 */
export function mongodbStrategy(): StoreStrategy {
  return {
    name: "mongodb",
    async versionedUpdate<T extends Versioned>(
      target: Collection<T>,
      _kind: string,
      id: string,
      version: number,
      set: MatchKeysAndValues<T>,
      _isOurs: unknown,
      options: VersionedUpdateOptions<T> = {},
    ): Promise<boolean> {
      await Promise.all([options.ready, options.alongside]);
      const filter = { _id: id, version: version - 1 } as Filter<T>;
      // No projection: FerretDB does not implement one on findAndModify, and this strategy also runs
      // the store's test table against the embedded store.
      const updated = await target.findOneAndUpdate(filter, { $set: set });
      return updated !== null;
    },
    async trimWriteGuards(): Promise<void> {},
  };
}
