import {
  DeliveryStatus,
  WebhookEvent,
  type DeliveryAttempt,
  type Webhook,
  type WebhookDelivery,
  type WebhookServiceServer,
} from "@flowgate/contract/flowgate/v1/webhook_service.js";
import type { WebhookService } from "../app/webhook-service.js";
import { actorOf, type Actor, type AuditFacts } from "../domain/audit.js";
import type { DeliveryRecord, DeliveryStatus as StoredStatus, WebhookEventName, WebhookRecord } from "../domain/webhook.js";
import type { HandlerAdapter } from "./adapter.js";

const EVENT_TO_WIRE: Record<WebhookEventName, WebhookEvent> = {
  paused: WebhookEvent.WEBHOOK_EVENT_PAUSED,
  approved: WebhookEvent.WEBHOOK_EVENT_APPROVED,
  resumed: WebhookEvent.WEBHOOK_EVENT_RESUMED,
  rejected: WebhookEvent.WEBHOOK_EVENT_REJECTED,
  timed_out: WebhookEvent.WEBHOOK_EVENT_TIMED_OUT,
  reminder: WebhookEvent.WEBHOOK_EVENT_REMINDER,
};

const STATUS_TO_WIRE: Record<StoredStatus, DeliveryStatus> = {
  pending: DeliveryStatus.DELIVERY_STATUS_PENDING,
  delivered: DeliveryStatus.DELIVERY_STATUS_DELIVERED,
  failed: DeliveryStatus.DELIVERY_STATUS_FAILED,
  dropped: DeliveryStatus.DELIVERY_STATUS_DROPPED,
};

/** A wire event as the domain names it; an unknown number keeps its number, which the domain's check refuses. */
function eventName(e: WebhookEvent): string {
  const found = Object.entries(EVENT_TO_WIRE).find(([, wire]) => wire === e);
  return found ? found[0] : `event ${String(e)}`;
}

function webhookToWire(w: WebhookRecord): Webhook {
  return {
    id: w.id,
    url: w.url,
    events: w.events.map((e) => EVENT_TO_WIRE[e]),
    description: w.description,
    createdAt: w.createdAt,
    createdBy: w.createdBy,
  };
}

function attemptToWire(a: DeliveryRecord["attempts"][number]): DeliveryAttempt {
  return { at: a.at, statusCode: a.statusCode, error: a.error, durationMs: a.durationMs };
}

function deliveryToWire(d: DeliveryRecord): WebhookDelivery {
  return {
    id: d.id,
    webhookId: d.webhookId,
    event: EVENT_TO_WIRE[d.event],
    flowRunId: d.flowRunId,
    status: STATUS_TO_WIRE[d.status],
    attempts: d.attempts.map(attemptToWire),
    createdAt: d.createdAt,
    // Only a pending delivery has a next attempt (while one is being sent, the end of its lease).
    nextAttemptAt: d.status === "pending" ? d.nextAttemptAt : undefined,
  };
}

/**
 * WebhookService: thin handlers over the webhook service; the middleware lets admins only in.
 * Creating and deleting a webhook are audited (`webhook:<id>`), never with the secret.
 */
export function webhookHandlers(
  a: HandlerAdapter,
  webhooks: WebhookService,
  audit: (actor: Actor, facts: AuditFacts) => Promise<void>,
): WebhookServiceServer {
  return {
    createWebhook: a.unary("CreateWebhook", async (req, ctx) => {
      const actor = actorOf(ctx);
      const { webhook } = await webhooks.create(
        { url: req.url, events: req.events.map(eventName), description: req.description },
        actor.principal,
      );
      await audit(actor, { subject: `webhook:${webhook.id}` });
      return { webhook: webhookToWire(webhook), secret: webhook.secret };
    }),
    listWebhooks: a.unary("ListWebhooks", async () => ({ webhooks: (await webhooks.list()).map(webhookToWire) })),
    deleteWebhook: a.unary("DeleteWebhook", async (req, ctx) => {
      await webhooks.delete(req.webhookId);
      await audit(actorOf(ctx), { subject: `webhook:${req.webhookId.toLowerCase()}` });
      return {};
    }),
    listWebhookDeliveries: a.unary("ListWebhookDeliveries", async (req) => {
      const r = await webhooks.deliveriesOf(req.webhookId, req.pageSize, req.pageToken);
      return { deliveries: r.deliveries.map(deliveryToWire), nextPageToken: r.nextPageToken };
    }),
  };
}
