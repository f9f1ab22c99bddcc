import type { Collection, Db } from "mongodb";
import type { ServerRegistration, ServerRegistryStore } from "../app/ports.js";
import { COLLECTIONS } from "./collections.js";

interface ServerDocument {
  _id: string;
  address: string;
  hostName: string;
  expiresAt: Date;
}

/**
 * The `servers` collection: one small document per live server. It holds a handful of documents, so
 * reading it whole is cheap on every backend (FerretDB v1 filters it in memory).
 */
export class ServerRegistryRepository implements ServerRegistryStore {
  private readonly servers: Collection<ServerDocument>;

  constructor(db: Db) {
    this.servers = db.collection<ServerDocument>(COLLECTIONS.servers);
  }

  async put(entry: ServerRegistration): Promise<void> {
    await this.servers.replaceOne(
      { _id: entry.id },
      { address: entry.address, hostName: entry.hostName, expiresAt: entry.expiresAt },
      { upsert: true },
    );
  }

  async listLive(now: Date): Promise<ServerRegistration[]> {
    const docs = await this.servers.find({ expiresAt: { $gt: now } }).toArray();
    return docs.map((d) => ({ id: d._id, address: d.address, hostName: d.hostName, expiresAt: d.expiresAt }));
  }

  async remove(id: string): Promise<void> {
    await this.servers.deleteOne({ _id: id });
  }

  async deleteExpired(now: Date): Promise<number> {
    return (await this.servers.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  }
}
