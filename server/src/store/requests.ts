import { BSON, MongoServerError, type Collection, type Db } from "mongodb";
import type { RequestLogStore, StoredOutcome } from "../app/ports.js";
import { COLLECTIONS } from "./collections.js";

/**
 * Stored as Extended JSON text: an outcome holds user JSON (keys such as "$schema" that FerretDB refuses
 * as field names) and Dates, which Extended JSON keeps.
 */
interface RequestDocument {
  _id: string;
  outcome: string;
  createdAt: Date;
}

export class RequestLog implements RequestLogStore {
  private readonly requests: Collection<RequestDocument>;

  constructor(db: Db) {
    this.requests = db.collection<RequestDocument>(COLLECTIONS.requests);
  }

  async get(id: string): Promise<StoredOutcome | undefined> {
    const doc = await this.requests.findOne({ _id: id });
    return doc ? (BSON.EJSON.parse(doc.outcome) as StoredOutcome) : undefined;
  }

  /** First writer wins; a concurrent duplicate keeps the first outcome. */
  async put(id: string, outcome: StoredOutcome, now: Date): Promise<void> {
    try {
      await this.requests.insertOne({ _id: id, outcome: BSON.EJSON.stringify(outcome), createdAt: now });
    } catch (err) {
      if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
    }
  }

  async deleteOlderThan(cutoff: Date): Promise<void> {
    await this.requests.deleteMany({ createdAt: { $lt: cutoff } });
  }
}
