import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { FlowRun } from "../domain/flow-run.js";
import type { DeliveryRecord, WebhookRecord } from "../domain/webhook.js";
import { pauseRefOf, reminderDueAt, webhookEventsOf, type RunEventFact } from "../domain/webhook-events.js";
import { webhookPayload } from "../domain/webhook-payload.js";
import type { IssuedLink, RunChangeNotifier } from "./run-change-notifier.js";
import type { WebhookDeliveryStore, WebhookStore } from "./webhook-ports.js";

/** How long this server trusts its copy of the webhook list (another server's create or delete shows within it). */
export const WEBHOOK_LIST_CACHE_MS = 5_000;

export interface WebhookOutboxOptions {
  logger: Logger;
  /** The web UI's base URL, for run links in payloads. */
  uiUrl: () => string;
  /** Called after deliveries were enqueued, so this server's dispatcher sends them at once. */
  enqueued: () => void;
  cacheMs?: number;
}

/**
 * The webhooks' outbox, told of every stored run change: it derives the change's events (pure, no
 * store read), and only when some webhook wants one of them writes one delivery per webhook and event
 * to the store. Nothing is sent here: the dispatcher does that, so a slow or dead receiver never
 * delays the call that changed the run. A "paused" event also enqueues the pause's one reminder, due
 * `remindAfterSeconds` after it began (the dispatcher drops it if the pause no longer waits then).
 *
 * Delivery ids are derived from the webhook, run, pause instance and event, so an enqueue repeated
 * for the same change stores nothing twice.
 */
export class WebhookOutbox implements RunChangeNotifier {
  private cached: { webhooks: WebhookRecord[]; until: number } | undefined;
  private readonly cacheMs: number;

  constructor(
    private readonly webhooks: WebhookStore,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly opts: WebhookOutboxOptions,
  ) {
    this.cacheMs = opts.cacheMs ?? WEBHOOK_LIST_CACHE_MS;
  }

  /** Forgets the cached webhook list (a webhook was created or deleted on this server). */
  invalidate(): void {
    this.cached = undefined;
  }

  async runChanged(next: FlowRun, previous: FlowRun | undefined, links?: readonly IssuedLink[]): Promise<void> {
    try {
      const facts = webhookEventsOf(next, previous);
      if (facts.length === 0) return;
      const webhooks = await this.list();
      if (webhooks.length === 0) return;
      const out = facts.flatMap((fact) => this.deliveriesOf(fact, next, webhooks, links));
      if (out.length === 0) return;
      for (const d of out) await this.deliveries.enqueue(d);
      this.opts.enqueued();
    } catch (err) {
      // The run's change stands; its webhook events are lost. Never the payload: it may hold link tokens.
      this.opts.logger.error(
        { err, flowRunId: next.id, events: webhookEventsOf(next, previous).map((f) => f.event) },
        "webhook deliveries not enqueued",
      );
    }
  }

  private deliveriesOf(
    fact: RunEventFact,
    run: FlowRun,
    webhooks: readonly WebhookRecord[],
    links: readonly IssuedLink[] | undefined,
  ): DeliveryRecord[] {
    const now = new Date();
    const out: DeliveryRecord[] = [];
    const instance = fact.pause.instanceId ?? `t${fact.pause.createdAt.getTime()}`;
    // Approvals are told apart by their place in the pause's list.
    const nth = fact.approval ? String(fact.pause.approvals?.indexOf(fact.approval) ?? 0) : "";
    for (const w of webhooks) {
      if (!w.events.includes(fact.event)) continue;
      const id = deliveryId(w.id, run.id, fact.pause.key, instance, fact.event, nth);
      const body = JSON.stringify(
        webhookPayload({ id, event: fact.event, at: fact.at, run, pause: fact.pause, links: links ?? [], uiUrl: this.opts.uiUrl() }),
      );
      out.push(newDelivery(id, w.id, fact.event, run.id, now, now, { body }));
    }
    const remindAt = fact.event === "paused" ? reminderDueAt(fact.pause) : undefined;
    if (remindAt) {
      for (const w of webhooks) {
        if (!w.events.includes("reminder")) continue;
        const id = deliveryId(w.id, run.id, fact.pause.key, instance, "reminder", "");
        out.push(newDelivery(id, w.id, "reminder", run.id, now, remindAt, { reminderOf: pauseRefOf(fact.pause) }));
      }
    }
    return out;
  }

  private async list(): Promise<WebhookRecord[]> {
    const now = Date.now();
    if (this.cached && this.cached.until > now) return this.cached.webhooks;
    const webhooks = await this.webhooks.list();
    this.cached = { webhooks, until: now + this.cacheMs };
    return webhooks;
  }
}

function newDelivery(
  id: string,
  webhookId: string,
  event: DeliveryRecord["event"],
  flowRunId: string,
  createdAt: Date,
  due: Date,
  more: Pick<DeliveryRecord, "body" | "reminderOf">,
): DeliveryRecord {
  return {
    id,
    webhookId,
    event,
    flowRunId,
    status: "pending",
    attempts: [],
    createdAt,
    nextAttemptAt: due,
    leaseOwner: "",
    version: 1,
    ...more,
  };
}

/** "msg_" + 32 hex characters, the same for the same webhook, run, pause instance and event. */
function deliveryId(...parts: string[]): string {
  return `msg_${createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32)}`;
}
