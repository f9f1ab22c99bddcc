/**
 * Webhooks and their deliveries as plain data, and the checks of what a caller may register. Pure:
 * the outbox (app/webhook-outbox.ts) and the dispatcher (app/webhook-dispatcher.ts) decide from these.
 */
import { InvalidArgumentError, type FieldViolation } from "./errors.js";

/** The events a webhook can ask for, as the CLI and payloads name them (contract: WebhookEvent). */
export const WEBHOOK_EVENTS = ["paused", "approved", "resumed", "rejected", "timed_out", "reminder"] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

export function isWebhookEvent(value: string): value is WebhookEventName {
  return (WEBHOOK_EVENTS as readonly string[]).includes(value);
}

export const WEBHOOK_LIMITS = {
  maxUrlLength: 2_048,
  maxDescriptionLength: 1_000,
} as const;

export interface WebhookRecord {
  id: string;
  url: string;
  events: WebhookEventName[];
  description: string;
  /**
   * "whsec_" + base64 of 32 random bytes. Kept in clear, unlike API keys: the server needs it to sign
   * every delivery. Never returned after CreateWebhook, never logged.
   */
  secret: string;
  createdAt: Date;
  createdBy: string;
}

export type DeliveryStatus = "pending" | "delivered" | "failed" | "dropped";

export interface DeliveryAttempt {
  at: Date;
  /** The HTTP status; 0 when there was no answer. */
  statusCode: number;
  /** Why it failed; "" on success. */
  error: string;
  durationMs: number;
}

/** The pause instance a reminder is about: it is sent only while that very instance still waits. */
export interface PauseRef {
  key: string;
  /** Absent on pauses stored before instances were named; then `createdAt` tells instances apart. */
  instanceId?: string;
  createdAt: Date;
}

export interface DeliveryRecord {
  /** Also the `webhook-id` header and the payload's `id`: receivers deduplicate on it. */
  id: string;
  webhookId: string;
  event: WebhookEventName;
  flowRunId: string;
  status: DeliveryStatus;
  /** Oldest first. */
  attempts: DeliveryAttempt[];
  createdAt: Date;
  /**
   * When it may next be tried. While a server holds it (sending), this is the end of that server's
   * lease: a server that dies mid-send leaves a delivery that falls due again when its lease ends.
   */
  nextAttemptAt: Date;
  /** The JSON body, fixed when enqueued so every retry sends the same bytes. Reminders have none: theirs is built when sent. */
  body?: string;
  /** Reminders: the pause that must still wait when it is sent (else the reminder is dropped). */
  reminderOf?: PauseRef;
  /** The server holding its lease, "" when none. */
  leaseOwner: string;
  /** Bumped by every write; writes are guarded by it (one of several servers wins each claim). */
  version: number;
}

/** What CreateWebhook accepts, checked: a URL, at least one known event, a short description. */
export function checkWebhookInput(input: { url: string; events: readonly string[]; description: string }): {
  url: string;
  events: WebhookEventName[];
  description: string;
} {
  const violations: FieldViolation[] = [];
  const url = input.url.trim();
  if (!url) {
    violations.push({ field: "url", description: "is required" });
  } else if (url.length > WEBHOOK_LIMITS.maxUrlLength) {
    violations.push({ field: "url", description: `must be at most ${WEBHOOK_LIMITS.maxUrlLength} characters` });
  } else if (!isHttpUrl(url)) {
    violations.push({ field: "url", description: "must be an http:// or https:// URL" });
  }
  const events: WebhookEventName[] = [];
  input.events.forEach((e, i) => {
    if (!isWebhookEvent(e)) {
      violations.push({ field: `events.${i}`, description: `must be one of ${WEBHOOK_EVENTS.join(", ")}` });
    } else if (!events.includes(e)) {
      events.push(e);
    }
  });
  if (input.events.length === 0) violations.push({ field: "events", description: "must name at least one event" });
  if ([...input.description].length > WEBHOOK_LIMITS.maxDescriptionLength) {
    violations.push({ field: "description", description: `must be at most ${WEBHOOK_LIMITS.maxDescriptionLength} characters` });
  }
  if (violations.length > 0) {
    const first = violations[0]!;
    throw new InvalidArgumentError(`Invalid webhook: ${first.field} ${first.description}.`, violations);
  }
  return { url, events, description: input.description };
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}
