import { MongoServerError, type Collection, type Db } from "mongodb";
import type { ApiKeyStore } from "../app/ports.js";
import type { ApiKeyRecord } from "../domain/access.js";
import { COLLECTIONS } from "./collections.js";

type ApiKeyDocument = Omit<ApiKeyRecord, "id"> & { _id: string };

/** The one document whose unique `_id` lets exactly one server create the first key. */
const FIRST_KEY_MARKER = "first-key";
const DUPLICATE_KEY = 11000;

function toRecord(doc: ApiKeyDocument): ApiKeyRecord {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}

/** API keys by id; secrets only as hashes (see app/api-keys.ts). */
export class ApiKeyRepository implements ApiKeyStore {
  private readonly keys: Collection<ApiKeyDocument>;
  private readonly markers: Collection<{ _id: string; at: Date }>;

  constructor(db: Db) {
    this.keys = db.collection<ApiKeyDocument>(COLLECTIONS.apiKeys);
    this.markers = db.collection<{ _id: string; at: Date }>(COLLECTIONS.apiKeyMarkers);
  }

  async insert(key: ApiKeyRecord, opts: { onlyIfFirst?: boolean } = {}): Promise<boolean> {
    if (opts.onlyIfFirst) {
      // Two servers starting at once on an empty store: one marker insert wins, the other creates nothing.
      if ((await this.keys.countDocuments({}, { limit: 1 })) > 0) return false;
      try {
        await this.markers.insertOne({ _id: FIRST_KEY_MARKER, at: key.createdAt });
      } catch (err) {
        if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) return false;
        throw err;
      }
    }
    const { id, ...rest } = key;
    await this.keys.insertOne({ _id: id, ...rest });
    return true;
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const doc = await this.keys.findOne({ _id: id });
    return doc ? toRecord(doc) : undefined;
  }

  async list(offset: number, limit: number, includeRevoked: boolean): Promise<ApiKeyRecord[]> {
    const docs = await this.keys
      .find(includeRevoked ? {} : { revokedAt: { $exists: false } })
      .sort({ createdAt: -1, _id: 1 })
      .skip(offset)
      .limit(limit)
      .toArray();
    return docs.map(toRecord);
  }

  async revoke(id: string, at: Date): Promise<ApiKeyRecord | undefined> {
    // By `_id` alone (FerretDB answers those from its key); a second revoke keeps the first time.
    const doc = await this.keys.findOne({ _id: id });
    if (!doc) return undefined;
    if (doc.revokedAt) return toRecord(doc);
    await this.keys.updateOne({ _id: id }, { $set: { revokedAt: at } });
    return toRecord({ ...doc, revokedAt: at });
  }
}
