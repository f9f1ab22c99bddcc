import type { Logger } from "pino";
import type { Store } from "./ports.js";

export interface HousekeepingOptions {
  intervalMs: number;
  /** How long events (and write guards, where the store keeps any) are kept; other servers read events within their poll interval. */
  eventRetentionMs: number;
  /** How long a request id protects against a duplicate call. */
  requestRetentionMs: number;
  /** How long webhook deliveries that ended (delivered, failed, dropped) stay listed with their attempts. */
  deliveryRetentionMs: number;
}

export const DEFAULT_HOUSEKEEPING: HousekeepingOptions = {
  intervalMs: 60_000,
  eventRetentionMs: 10 * 60_000,
  requestRetentionMs: 24 * 3600_000,
  deliveryRetentionMs: 7 * 24 * 3600_000,
};

/** Periodic trimming of the event feed, write guards and the request log (no TTL indexes on FerretDB v1). */
export function startHousekeeping(store: Store, logger: Logger, opts: HousekeepingOptions = DEFAULT_HOUSEKEEPING): () => void {
  const tick = async (): Promise<void> => {
    const now = Date.now();
    const events = await store.events.deleteOlderThan(new Date(now - opts.eventRetentionMs));
    await store.trimWriteGuards(new Date(now - opts.eventRetentionMs));
    await store.requests.deleteOlderThan(new Date(now - opts.requestRetentionMs));
    await store.webhookDeliveries.deleteEndedBefore(new Date(now - opts.deliveryRetentionMs));
    if (events > 0) logger.debug({ events }, "trimmed the event feed");
  };
  const timer = setInterval(() => {
    tick().catch((err: unknown) => logger.warn({ err }, "housekeeping failed"));
  }, opts.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
