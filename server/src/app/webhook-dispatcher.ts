import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { DeliveryAttempt, DeliveryRecord } from "../domain/webhook.js";
import { waitingPause } from "../domain/webhook-events.js";
import { webhookPayload, withoutLinks } from "../domain/webhook-payload.js";
import { nextAttemptAfterFailure, type RetryPolicy } from "../domain/webhook-retry.js";
import { webhookHeaders } from "../domain/webhook-signature.js";
import type { FlowRunStore } from "./ports.js";
import type { WebhookDeliveryStore, WebhookStore } from "./webhook-ports.js";

export interface DispatcherOptions {
  retry: RetryPolicy;
  /** How often the store is asked for due deliveries when nothing woke the dispatcher sooner. */
  pollMs: number;
  logger: Logger;
  uiUrl: () => string;
  /** One attempt's limit. */
  timeoutMs?: number;
  /** How long a claimed delivery is this server's; after that another server may send it. */
  leaseMs?: number;
  /** Attempts in flight at once. */
  maxInFlight?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Well beyond one attempt (timeout plus the writes around it), so a live server never loses a delivery it is sending. */
const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_MAX_IN_FLIGHT = 8;
/** Deliveries read per look at the outbox. */
const BATCH = 50;
const USER_AGENT = "Flowgate-Webhooks/1";

/**
 * Sends the outbox's deliveries. Each due delivery is first claimed with a version-guarded write that
 * moves its `nextAttemptAt` to the end of a lease: of several servers sharing the store exactly one
 * claims it, and a server that dies while sending leaves it to fall due again when the lease ends.
 * Each attempt is a POST with a time limit, recorded with its status code, error and duration; a 2xx
 * delivers, anything else is retried with exponential backoff until the retry window closes, then the
 * delivery is FAILED. A reminder is dropped, unsent, if its pause no longer waits. Once a delivery
 * ends, the resume links' tokens are removed from its stored body.
 *
 * Woken at once when this server enqueues (wake()); otherwise it looks at the store every `pollMs`,
 * or sooner when it knows the next delivery falls due sooner, so deliveries enqueued by another
 * server, retries, reminders and deliveries left by a server that died all go out.
 */
export class WebhookDispatcher {
  private readonly owner = randomUUID();
  private readonly stopping = new AbortController();
  private readonly inFlight = new Map<string, Promise<void>>();
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private loop: Promise<void> | undefined;
  private storeFailing = false;
  private readonly timeoutMs: number;
  private readonly leaseMs: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly deliveries: WebhookDeliveryStore,
    private readonly webhooks: WebhookStore,
    private readonly runs: FlowRunStore,
    private readonly opts: DispatcherOptions,
  ) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Look at the outbox now (a delivery was enqueued, or an attempt finished). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops looking; attempts in flight are abandoned and their deliveries handed back for the next try. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error("server stopping"));
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      this.woken = false;
      let sleepMs = this.opts.pollMs;
      try {
        const pending = await this.deliveries.pending(BATCH);
        if (this.storeFailing) this.opts.logger.info("webhook dispatcher reads the outbox again");
        this.storeFailing = false;
        const now = Date.now();
        for (const d of pending) {
          const wait = d.nextAttemptAt.getTime() - now;
          if (wait > 0) {
            sleepMs = Math.min(sleepMs, wait);
            break;
          }
          if (this.inFlight.size >= this.maxInFlight) break; // an attempt that ends wakes the loop
          if (this.inFlight.has(d.id)) continue;
          this.begin(d);
        }
      } catch (err) {
        // Logged once per outage: the store being away is reported by store health already.
        if (!this.storeFailing) this.opts.logger.warn({ err }, "webhook dispatcher cannot read the outbox; retrying");
        this.storeFailing = true;
      }
      if (!this.woken && !this.stopping.signal.aborted) await this.sleep(sleepMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }

  private begin(d: DeliveryRecord): void {
    const work = this.claimAndSend(d)
      .catch((err: unknown) =>
        this.opts.logger.warn({ err, deliveryId: d.id, webhookId: d.webhookId }, "webhook delivery attempt failed to complete"),
      )
      .finally(() => {
        this.inFlight.delete(d.id);
        this.wake();
      });
    this.inFlight.set(d.id, work);
  }

  private async claimAndSend(d: DeliveryRecord): Promise<void> {
    const claimed: DeliveryRecord = {
      ...d,
      leaseOwner: this.owner,
      nextAttemptAt: new Date(Date.now() + this.leaseMs),
      version: d.version + 1,
    };
    if (!(await this.deliveries.apply(claimed))) return; // another server has it
    const webhook = await this.webhooks.get(d.webhookId);
    if (!webhook) return this.finish(claimed, { status: "dropped" }); // deleted meanwhile

    let body = claimed.body;
    if (claimed.event === "reminder") {
      const run = await this.runs.get(claimed.flowRunId);
      const pause = claimed.reminderOf ? waitingPause(run, claimed.reminderOf) : undefined;
      if (!run || !pause) return this.finish(claimed, { status: "dropped" });
      body = JSON.stringify(webhookPayload({ id: claimed.id, event: "reminder", at: new Date(), run, pause, uiUrl: this.opts.uiUrl() }));
    }
    if (body === undefined) return this.finish(claimed, { status: "dropped" });

    const attempt = await this.post(webhook.url, webhook.secret, claimed.id, body);
    if (attempt === undefined) {
      // Stopping: hand it back for the next server (or this one after its restart) to try.
      await this.finish(claimed, { status: "pending", nextAttemptAt: new Date() });
      return;
    }
    const attempts = [...claimed.attempts, attempt];
    if (attempt.statusCode >= 200 && attempt.statusCode < 300) {
      return this.finish(claimed, { status: "delivered", attempts, ...(claimed.body ? { body: withoutLinks(claimed.body) } : {}) });
    }
    const firstAt = attempts[0]!.at;
    const failures = attempts.length;
    const next = nextAttemptAfterFailure(this.opts.retry, firstAt, failures, new Date(), Math.random());
    if (next) return this.finish(claimed, { status: "pending", attempts, nextAttemptAt: next });
    this.opts.logger.warn(
      { deliveryId: claimed.id, webhookId: claimed.webhookId, attempts: failures },
      "webhook delivery failed: no 2xx within its retry window",
    );
    return this.finish(claimed, { status: "failed", attempts, ...(claimed.body ? { body: withoutLinks(claimed.body) } : {}) });
  }

  /** Records the outcome and releases the lease; lost only if the lease ran out and another server took the delivery. */
  private async finish(claimed: DeliveryRecord, change: Partial<DeliveryRecord>): Promise<void> {
    const next: DeliveryRecord = { ...claimed, ...change, leaseOwner: "", version: claimed.version + 1 };
    if (!(await this.deliveries.apply(next))) {
      this.opts.logger.warn(
        { deliveryId: claimed.id, webhookId: claimed.webhookId },
        "webhook delivery's lease ran out before its attempt was recorded",
      );
    }
  }

  /** One attempt; never throws. Undefined when the dispatcher stopped during it. */
  private async post(url: string, secret: string, id: string, body: string): Promise<DeliveryAttempt | undefined> {
    const at = new Date();
    const started = performance.now();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const elapsed = (): number => Math.round(performance.now() - started);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": USER_AGENT, ...webhookHeaders(secret, id, at, body) },
        body,
        redirect: "manual",
        signal: AbortSignal.any([timeout, this.stopping.signal]),
      });
      // The answer's body is not read: only the status counts.
      await res.body?.cancel().catch(() => undefined);
      const ok = res.status >= 200 && res.status < 300;
      return { at, statusCode: res.status, error: ok ? "" : `HTTP ${res.status}`, durationMs: elapsed() };
    } catch (err) {
      if (this.stopping.signal.aborted) return undefined;
      const error = timeout.aborted ? `timeout after ${Math.round(this.timeoutMs / 1000)} s` : describeFetchError(err);
      return { at, statusCode: 0, error, durationMs: elapsed() };
    }
  }
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  UND_ERR_SOCKET: "connection closed",
  UND_ERR_HEADERS_TIMEOUT: "no answer",
};

/** fetch's "fetch failed" says little; its cause says what happened. */
function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const code = cause?.code;
  if (code && NETWORK_ERRORS[code]) return NETWORK_ERRORS[code];
  const text = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return text.slice(0, 500);
}
