import type { Collection, Db } from "mongodb";
import type { SessionRecord, SessionStore } from "../app/ports.js";
import { COLLECTIONS } from "./collections.js";

type SessionDocument = Omit<SessionRecord, "idHash"> & { _id: string };

function toRecord(doc: SessionDocument): SessionRecord {
  const { _id, ...rest } = doc;
  return { idHash: _id, ...rest };
}

/** Web UI sessions by the SHA-256 of their secret (see app/sessions.ts); the secret itself is never stored. */
export class SessionRepository implements SessionStore {
  private readonly sessions: Collection<SessionDocument>;

  constructor(db: Db) {
    this.sessions = db.collection<SessionDocument>(COLLECTIONS.sessions);
  }

  async insert(session: SessionRecord): Promise<void> {
    const { idHash, ...rest } = session;
    await this.sessions.insertOne({ _id: idHash, ...rest });
  }

  async get(idHash: string): Promise<SessionRecord | undefined> {
    const doc = await this.sessions.findOne({ _id: idHash });
    return doc ? toRecord(doc) : undefined;
  }

  async touch(idHash: string, at: Date): Promise<void> {
    await this.sessions.updateOne({ _id: idHash }, { $set: { lastSeenAt: at } });
  }

  async delete(idHash: string): Promise<void> {
    await this.sessions.deleteOne({ _id: idHash });
  }

  async deleteEnded(idleCutoff: Date, now: Date): Promise<number> {
    const { deletedCount } = await this.sessions.deleteMany({ $or: [{ lastSeenAt: { $lt: idleCutoff } }, { expiresAt: { $lte: now } }] });
    return deletedCount;
  }
}
