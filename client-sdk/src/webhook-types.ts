/** Webhooks as the SDK and the CLI see them (WebhookService; admin scope). */

/** The events a webhook can ask for. */
export const WEBHOOK_EVENTS = ["paused", "approved", "resumed", "rejected", "timed_out", "reminder"] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

export interface Webhook {
  id: string;
  url: string;
  /** Event names; a newer server may send ones this SDK does not know ("event 7"). */
  events: string[];
  description: string;
  createdAt: Date | undefined;
  /** The principal that created it. */
  createdBy: string;
}

/** "pending" (waiting for its next attempt), "delivered" (2xx), "failed" (no 2xx within the retry window), "dropped" (a reminder whose pause had ended). */
export type DeliveryStatus = "pending" | "delivered" | "failed" | "dropped" | "unknown";

export interface DeliveryAttempt {
  at: Date | undefined;
  /** The HTTP status; 0 when there was no answer. */
  statusCode: number;
  /** Why it failed ("connection refused", "HTTP 503", "timeout after 10 s"); "" on success. */
  error: string;
  durationMs: number;
}

export interface WebhookDelivery {
  /** Also the `webhook-id` header the receiver got. */
  id: string;
  webhookId: string;
  event: string;
  flowRunId: string;
  status: DeliveryStatus;
  /** Oldest first. */
  attempts: DeliveryAttempt[];
  createdAt: Date | undefined;
  /** Pending deliveries only. */
  nextAttemptAt: Date | undefined;
}
