/**
 * Watches whether the store answers, so that health checks can say so and calls can fail at once
 * while it does not, instead of each one waiting out the driver's server selection.
 *
 * One ping at a time: a ping still outstanding when the next is due (a hung store) counts as a miss
 * without piling more pings onto the same dead connection. The store is down after MISSES_BEFORE_DOWN
 * misses in a row, not one: a single slow answer on a loaded machine (a garbage collection, a SQLite
 * checkpoint) would otherwise fail every call for a second with STORE_UNAVAILABLE while the store works.
 */
import type { Logger } from "pino";

export interface StoreHealthOptions {
  /** One round trip to the store; rejects (or never settles) when the store cannot be reached. */
  ping(): Promise<void>;
  logger: Logger;
  /** How often the store is pinged. */
  intervalMs?: number;
  /** A ping slower than this counts as a failure. */
  timeoutMs?: number;
}

export type StoreHealthListener = (up: boolean) => void;

const DEFAULT_INTERVAL_MS = 1_000;
const DEFAULT_TIMEOUT_MS = 1_500;
/** Consecutive missed pings that make the store down; one answer makes it up again. */
export const MISSES_BEFORE_DOWN = 2;

export class StoreHealth {
  private up = true;
  private readonly listeners = new Set<StoreHealthListener>();
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> | undefined;
  private downSince: number | undefined;
  private misses = 0;

  constructor(private readonly opts: StoreHealthOptions) {}

  /** False from the first failed ping until the next successful one. */
  isUp(): boolean {
    return this.up;
  }

  /** Calls `listener` on every change between up and down; returns the unsubscribe function. */
  onChange(listener: StoreHealthListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.check(), this.opts.intervalMs ?? DEFAULT_INTERVAL_MS);
    // Health watching alone must not keep a process alive.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private check(): void {
    if (this.pending) {
      // The previous ping has not come back within a whole interval: the store may be hung.
      this.missed("a ping is still unanswered");
      return;
    }
    const timeoutMs = this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const ping = this.opts.ping();
    // The ping itself may settle long after the race; it is only awaited to know when it did.
    this.pending = ping.then(
      () => undefined,
      () => undefined,
    );
    void this.pending.then(() => (this.pending = undefined));
    Promise.race([ping, timedOut])
      .then(
        () => {
          this.misses = 0;
          this.set(true);
        },
        (err: unknown) => this.missed(err instanceof Error ? err.message : String(err)),
      )
      .finally(() => clearTimeout(timer));
  }

  private missed(why: string): void {
    this.misses++;
    if (this.misses >= MISSES_BEFORE_DOWN) this.set(false, why);
  }

  private set(up: boolean, why?: string): void {
    if (up === this.up) return;
    this.up = up;
    if (up) {
      const downMs = this.downSince === undefined ? undefined : Date.now() - this.downSince;
      this.opts.logger.info({ downMs }, "the store answers again");
      this.downSince = undefined;
    } else {
      this.downSince = Date.now();
      this.opts.logger.warn({ why }, "the store does not answer; calls fail with STORE_UNAVAILABLE until it does");
    }
    for (const listener of this.listeners) listener(up);
  }
}
