/**
 * Store compatibility strategies: everything that differs between a real MongoDB and the embedded
 * store (FerretDB v1 over SQLite) is decided here, once, when the store is opened.
 *
 * What differs is how a version-guarded write is made atomic (one conditional findOneAndUpdate on
 * MongoDB; claims in a collection of their own on FerretDB, whose filtered update is not atomic) and
 * the bookkeeping that needs trimming. What does not differ, deliberately: documents have one shape
 * under both, so a database reads the same whichever strategy opens it. In particular user JSON is kept
 * as text (json-text.ts) under both: FerretDB refuses "$"-prefixed keys, and MongoDB restricts them
 * (and dotted keys) in update operators too. The embedded store's SQLite `_id` index helper is part of
 * the embedded store itself (tools/embedded-store), not of this code.
 */
import type { Collection, Db, Document, MatchKeysAndValues } from "mongodb";
import { ferretdbStrategy } from "./ferretdb.js";
import { mongodbStrategy } from "./mongodb.js";

export const STORE_COMPATS = ["mongodb", "ferretdb"] as const;
export type StoreCompat = (typeof STORE_COMPATS)[number];

export interface Versioned {
  _id: string;
  version: number;
}

/** What a version-guarded write is told besides the update. */
export interface VersionedUpdateOptions<T> {
  /** Stops waiting for another writer's version when it aborts (the wait rejects with its reason). */
  signal?: AbortSignal | undefined;
  /**
   * Called with the document as it now stands when this write, instead of its own update, stored the
   * update of a writer that claimed the version and died before writing it (ferretdb strategy only).
   */
  finished?: ((doc: T) => void) | undefined;
  /**
   * Work that must have landed before the update may be made (mirrors, archives): awaited alongside
   * the strategy's own reads, and before anything that another writer could act on (a claim). When it
   * fails, nothing is written and its error is thrown.
   */
  ready?: Promise<unknown> | undefined;
  /**
   * Work that must have landed before the update but may go out with everything else (a record that
   * is harmless even if the update never lands, such as the state the run leaves): when it fails,
   * the update is not made and its error is thrown, though another writer may still finish a claim
   * already stored.
   */
  alongside?: Promise<unknown> | undefined;
  /**
   * Called once the update is certain to land and before it is made, where a strategy knows that
   * sooner than the update returns (ferretdb: once the claim, which the next writer finishes if this
   * one dies, is stored and the document is at `version - 1`). Not called when the write loses.
   */
  committed?: (() => void) | undefined;
}

export interface StoreStrategy {
  readonly name: StoreCompat;
  /**
   * Writes `set` (which must set `version` to `version`) to document `id` if it is still at
   * `version - 1`. Of writers that read the same version exactly one gets true; when this returns
   * false, the winner's version is visible, so the caller re-reads the new state.
   * `isOurs` tells whether a document found already at `version` holds this very write. `set` names
   * top-level fields only.
   */
  versionedUpdate<T extends Versioned>(
    target: Collection<T>,
    kind: string,
    id: string,
    version: number,
    set: MatchKeysAndValues<T>,
    isOurs: (doc: T) => boolean,
    options?: VersionedUpdateOptions<T>,
  ): Promise<boolean>;
  /** Drops bookkeeping older than the cutoff. */
  trimWriteGuards(cutoff: Date): Promise<void>;
}

/**
 * Which kind of server answered `buildInfo`. FerretDB says so in its reply: v1 adds `ferretdbVersion`
 * (and `ferretdbFeatures`), later versions a `ferretdb` document; anything else is taken for MongoDB.
 */
export function detectCompat(buildInfo: Document): StoreCompat {
  if (typeof buildInfo["ferretdbVersion"] === "string" || "ferretdbFeatures" in buildInfo) return "ferretdb";
  if (typeof buildInfo["ferretdb"] === "object" && buildInfo["ferretdb"] !== null) return "ferretdb";
  const texts = [buildInfo["version"], buildInfo["gitVersion"]].filter((v): v is string => typeof v === "string");
  return texts.some((t) => /ferret/i.test(t)) ? "ferretdb" : "mongodb";
}

/** The strategy for this database: the one named by `override`, else the one its server calls for. */
export async function chooseStrategy(db: Db, override: StoreCompat | undefined): Promise<StoreStrategy> {
  const compat = override ?? detectCompat(await db.admin().command({ buildInfo: 1 }));
  return compat === "mongodb" ? mongodbStrategy() : ferretdbStrategy(db);
}
