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
  /** Run logs' retention: batches written before now - retentionMs are removed (log-service.ts). */
  logs?: { retentionMs: number; trimExpired(cutoff: Date): Promise<number> };
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
    // Log notices only wake other servers' watches, like events: kept as long.
    await store.logs.notices.deleteOlderThan(new Date(now - opts.eventRetentionMs));
    const logLines = opts.logs ? await opts.logs.trimExpired(new Date(now - opts.logs.retentionMs)) : 0;
    if (logLines > 0) logger.debug({ logLines }, "removed run logs past their retention");
    if (events > 0) logger.debug({ events }, "trimmed the event feed");
  };
  const timer = setInterval(() => {
    tick().catch((err: unknown) => logger.warn({ err }, "housekeeping failed"));
  }, opts.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
