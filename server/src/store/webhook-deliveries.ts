import { MongoServerError, type Collection, type Db } from "mongodb";
import type { WebhookDeliveryStore } from "../app/webhook-ports.js";
import type { DeliveryRecord } from "../domain/webhook.js";
import { COLLECTIONS } from "./collections.js";
import type { StoreStrategy } from "./compat/strategy.js";

type DeliveryDocument = Omit<DeliveryRecord, "id"> & { _id: string };

const DUPLICATE_KEY = 11000;
const ENDED = ["delivered", "failed", "dropped"];

function toRecord(doc: DeliveryDocument): DeliveryRecord {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}

/**
 * The webhook outbox: one document per delivery. Every change of a delivery is a version-guarded
 * write through the store strategy (a conditional update on MongoDB, a claim on the embedded store,
 * whose filtered updates are not atomic), so of several servers trying to claim a due delivery
 * exactly one gets it.
 */
export class WebhookDeliveryRepository implements WebhookDeliveryStore {
  private readonly deliveries: Collection<DeliveryDocument>;

  constructor(
    db: Db,
    private readonly strategy: StoreStrategy,
  ) {
    this.deliveries = db.collection<DeliveryDocument>(COLLECTIONS.webhookDeliveries);
  }

  async enqueue(delivery: DeliveryRecord): Promise<void> {
    const { id, ...rest } = delivery;
    try {
      await this.deliveries.insertOne({ _id: id, ...rest });
    } catch (err) {
      if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) throw err;
    }
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const doc = await this.deliveries.findOne({ _id: id });
    return doc ? toRecord(doc) : undefined;
  }

  async pending(limit: number): Promise<DeliveryRecord[]> {
    const docs = await this.deliveries.find({ status: "pending" }).sort({ nextAttemptAt: 1, _id: 1 }).limit(limit).toArray();
    return docs.map(toRecord);
  }

  async apply(next: DeliveryRecord): Promise<boolean> {
    const { id, ...rest } = next;
    const set: Partial<DeliveryDocument> = { ...rest };
    return this.strategy.versionedUpdate(
      this.deliveries,
      "webhook_delivery",
      id,
      next.version,
      set,
      (doc) => doc.leaseOwner === next.leaseOwner && doc.status === next.status && doc.attempts.length === next.attempts.length,
    );
  }

  async listForWebhook(webhookId: string, offset: number, limit: number): Promise<DeliveryRecord[]> {
    const docs = await this.deliveries.find({ webhookId }).sort({ createdAt: -1, _id: 1 }).skip(offset).limit(limit).toArray();
    return docs.map(toRecord);
  }

  async deleteForWebhook(webhookId: string): Promise<void> {
    await this.deliveries.deleteMany({ webhookId });
  }

  async deleteEndedBefore(cutoff: Date): Promise<number> {
    const result = await this.deliveries.deleteMany({ status: { $in: ENDED }, createdAt: { $lt: cutoff } } as never);
    return result.deletedCount;
  }
}
