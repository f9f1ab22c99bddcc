import type { Collection, Db } from "mongodb";
import type { ResumeLinkRecord, ResumeLinkStore } from "../app/ports.js";
import { COLLECTIONS } from "./collections.js";

type ResumeLinkDocument = Omit<ResumeLinkRecord, "tokenHash"> & { _id: string };

function toRecord(doc: ResumeLinkDocument): ResumeLinkRecord {
  const { _id, ...rest } = doc;
  return { tokenHash: _id, ...rest };
}

/**
 * Resume links by the SHA-256 of their token (see app/resume-links.ts): a link is found from its token
 * with one lookup by `_id`; the token itself is never stored.
 */
export class ResumeLinkRepository implements ResumeLinkStore {
  private readonly links: Collection<ResumeLinkDocument>;

  constructor(db: Db) {
    this.links = db.collection<ResumeLinkDocument>(COLLECTIONS.resumeLinks);
  }

  async insertMany(links: readonly ResumeLinkRecord[]): Promise<void> {
    if (links.length === 0) return;
    await this.links.insertMany(links.map(({ tokenHash, ...rest }) => ({ _id: tokenHash, ...rest })));
  }

  async byTokenHash(tokenHash: string): Promise<ResumeLinkRecord | undefined> {
    const doc = await this.links.findOne({ _id: tokenHash });
    return doc ? toRecord(doc) : undefined;
  }

  async byId(id: string): Promise<ResumeLinkRecord | undefined> {
    const doc = await this.links.findOne({ id });
    return doc ? toRecord(doc) : undefined;
  }

  async listByRun(flowRunId: string): Promise<ResumeLinkRecord[]> {
    const docs = await this.links.find({ flowRunId }).sort({ createdAt: 1, id: 1 }).toArray();
    return docs.map(toRecord);
  }

  async markRevoked(id: string, at: Date): Promise<void> {
    await this.links.updateOne({ id, revokedAt: { $exists: false } }, { $set: { revokedAt: at } });
  }

  async markUsed(id: string, at: Date): Promise<void> {
    await this.links.updateOne({ id, usedAt: { $exists: false } }, { $set: { usedAt: at } });
  }
}
