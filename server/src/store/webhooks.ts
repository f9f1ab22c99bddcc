import type { Collection, Db } from "mongodb";
import type { WebhookStore } from "../app/webhook-ports.js";
import type { WebhookRecord } from "../domain/webhook.js";
import { COLLECTIONS } from "./collections.js";

type WebhookDocument = Omit<WebhookRecord, "id"> & { _id: string };

function toRecord(doc: WebhookDocument): WebhookRecord {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}

/** Registered webhooks by id, with their signing secrets (see domain/webhook.ts for why in clear). */
export class WebhookRepository implements WebhookStore {
  private readonly webhooks: Collection<WebhookDocument>;

  constructor(db: Db) {
    this.webhooks = db.collection<WebhookDocument>(COLLECTIONS.webhooks);
  }

  async insert(webhook: WebhookRecord): Promise<void> {
    const { id, ...rest } = webhook;
    await this.webhooks.insertOne({ _id: id, ...rest });
  }

  async get(id: string): Promise<WebhookRecord | undefined> {
    const doc = await this.webhooks.findOne({ _id: id });
    return doc ? toRecord(doc) : undefined;
  }

  async list(): Promise<WebhookRecord[]> {
    const docs = await this.webhooks.find({}).sort({ createdAt: -1, _id: 1 }).toArray();
    return docs.map(toRecord);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.webhooks.deleteOne({ _id: id });
    return result.deletedCount > 0;
  }
}
