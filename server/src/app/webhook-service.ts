import { randomUUID } from "node:crypto";
import { NotFoundError } from "../domain/errors.js";
import { requireId } from "../domain/validation.js";
import { checkWebhookInput, type DeliveryRecord, type WebhookRecord } from "../domain/webhook.js";
import { newWebhookSecret } from "../domain/webhook-signature.js";
import { pageOf, readPage } from "./paging.js";
import type { WebhookDeliveryStore, WebhookStore } from "./webhook-ports.js";

/**
 * WebhookService: registering, listing and deleting webhooks, and reading their deliveries. Who may
 * call it (admins) is the middleware's business. `changed` tells this server's outbox to forget its
 * cached list, so a webhook created here gets the very next event.
 */
export class WebhookService {
  constructor(
    private readonly webhooks: WebhookStore,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly changed: () => void = () => undefined,
  ) {}

  /** The secret is in this result only. */
  async create(
    input: { url: string; events: readonly string[]; description: string },
    createdBy: string,
  ): Promise<{ webhook: WebhookRecord }> {
    const checked = checkWebhookInput(input);
    const webhook: WebhookRecord = { id: randomUUID(), ...checked, secret: newWebhookSecret(), createdAt: new Date(), createdBy };
    await this.webhooks.insert(webhook);
    this.changed();
    return { webhook };
  }

  async list(): Promise<WebhookRecord[]> {
    return this.webhooks.list();
  }

  /** Deletes the webhook and its deliveries, pending ones included (they will not be sent). */
  async delete(webhookIdText: string): Promise<void> {
    const id = requireId("webhook_id", webhookIdText);
    if (!(await this.webhooks.delete(id))) throw notFound(id);
    this.changed();
    await this.deliveries.deleteForWebhook(id);
  }

  async deliveriesOf(
    webhookIdText: string,
    pageSize: number,
    pageToken: string,
  ): Promise<{ deliveries: DeliveryRecord[]; nextPageToken: string }> {
    const id = requireId("webhook_id", webhookIdText);
    const page = readPage(pageSize, pageToken);
    if (!(await this.webhooks.get(id))) throw notFound(id);
    const { items, nextPageToken } = pageOf(await this.deliveries.listForWebhook(id, page.offset, page.size + 1), page);
    return { deliveries: items, nextPageToken };
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError("WEBHOOK_NOT_FOUND", `Webhook ${id} was not found.`);
}
