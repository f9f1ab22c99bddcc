/**
 * What webhooks need from storage (implemented in store/webhooks.ts and store/webhook-deliveries.ts).
 * Records are plain data, as in ports.ts.
 */
import type { DeliveryRecord, WebhookRecord } from "../domain/webhook.js";

export interface WebhookStore {
  insert(webhook: WebhookRecord): Promise<void>;
  get(id: string): Promise<WebhookRecord | undefined>;
  /** Newest first; webhooks are few (an administrator registers them). */
  list(): Promise<WebhookRecord[]>;
  /** False when there was none. */
  delete(id: string): Promise<boolean>;
}

/** The outbox. */
export interface WebhookDeliveryStore {
  /** Inserts the delivery unless one with its id exists already (an enqueue repeated for the same change). */
  enqueue(delivery: DeliveryRecord): Promise<void>;
  get(id: string): Promise<DeliveryRecord | undefined>;
  /** PENDING deliveries, the earliest `nextAttemptAt` first: the due ones, then when the next falls due. */
  pending(limit: number): Promise<DeliveryRecord[]>;
  /**
   * Stores `next` if the delivery is still at `next.version - 1`. Of writers that read the same
   * version exactly one gets true, on every server sharing the store: that is how a delivery is
   * claimed by one server only.
   */
  apply(next: DeliveryRecord): Promise<boolean>;
  /** A webhook's deliveries, newest first. */
  listForWebhook(webhookId: string, offset: number, limit: number): Promise<DeliveryRecord[]>;
  deleteForWebhook(webhookId: string): Promise<void>;
  /** Deletes deliveries that ended (delivered, failed, dropped) and were created before the cutoff; how many. */
  deleteEndedBefore(cutoff: Date): Promise<number>;
}
