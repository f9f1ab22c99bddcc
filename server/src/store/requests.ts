import { BSON, MongoServerError, type Collection, type Db } from "mongodb";
import type { RequestLogEntry, RequestLogStore, StoredOutcome } from "../app/ports.js";
import { COLLECTIONS } from "./collections.js";

/**
 * One request id's entry: a reservation (`owner`, `leaseUntil`) until the call's `outcome` replaces it.
 * The outcome is stored as Extended JSON text: it holds user JSON (keys such as "$schema" that FerretDB
 * refuses as field names) and Dates, which Extended JSON keeps.
 */
interface RequestDocument {
  _id: string;
  outcome?: string;
  owner?: string;
  leaseUntil?: Date;
  createdAt: Date;
}

const DUPLICATE_KEY = 11000;

/**
 * Takeover markers live beside the entries. Their ids start with "#", which no entry id can: an entry
 * id starts with a URI-encoded principal, in which "#" is always escaped.
 */
function takeoverMarkerId(id: string, from: string): string {
  return `#takeover/${id}/${from}`;
}

/**
 * Every operation names a document by `_id` alone: FerretDB v1 finds and then rewrites a document for a
 * filtered update (not atomic), but refuses a duplicate `_id` atomically, so every race is an insert.
 */
export class RequestLog implements RequestLogStore {
  private readonly requests: Collection<RequestDocument>;

  constructor(db: Db) {
    this.requests = db.collection<RequestDocument>(COLLECTIONS.requests);
  }

  async reserve(id: string, owner: string, leaseUntil: Date, now: Date): Promise<boolean> {
    return this.insertFirst({ _id: id, owner, leaseUntil, createdAt: now });
  }

  async read(id: string): Promise<RequestLogEntry | undefined> {
    const doc = await this.requests.findOne({ _id: id });
    if (!doc) return undefined;
    if (doc.outcome !== undefined) return { state: "done", outcome: BSON.EJSON.parse(doc.outcome) as StoredOutcome };
    return { state: "pending", owner: doc.owner ?? "", leaseUntil: doc.leaseUntil ?? new Date(0) };
  }

  async takeOver(id: string, from: string, owner: string, leaseUntil: Date, now: Date): Promise<boolean> {
    if (!(await this.insertFirst({ _id: takeoverMarkerId(id, from), owner, createdAt: now }))) return false;
    // Only this taker holds `from`'s reservation now; whether the entry still is that reservation is
    // checked once more, since its owner may have finished (or released it) since the caller read it.
    const current = await this.read(id);
    if (current?.state !== "pending" || current.owner !== from) return false;
    await this.requests.replaceOne({ _id: id }, { owner, leaseUntil, createdAt: now });
    return true;
  }

  async complete(id: string, _owner: string, outcome: StoredOutcome, now: Date): Promise<void> {
    // Written even if the lease ran out and another owner took over: the work is done, and waiters
    // are better served by this outcome than by a second one later.
    await this.requests.replaceOne({ _id: id }, { outcome: BSON.EJSON.stringify(outcome), createdAt: now }, { upsert: true });
  }

  async release(id: string, owner: string): Promise<void> {
    const current = await this.read(id);
    if (current?.state === "pending" && current.owner === owner) await this.requests.deleteOne({ _id: id });
  }

  async get(id: string): Promise<StoredOutcome | undefined> {
    const entry = await this.read(id);
    return entry?.state === "done" ? entry.outcome : undefined;
  }

  async put(id: string, outcome: StoredOutcome, now: Date): Promise<void> {
    await this.insertFirst({ _id: id, outcome: BSON.EJSON.stringify(outcome), createdAt: now });
  }

  async deleteOlderThan(cutoff: Date): Promise<void> {
    await this.requests.deleteMany({ createdAt: { $lt: cutoff } });
  }

  /** Inserts `doc` unless its `_id` is taken; true if it was inserted. */
  private async insertFirst(doc: RequestDocument): Promise<boolean> {
    try {
      await this.requests.insertOne(doc);
      return true;
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) return false;
      throw err;
    }
  }
}
