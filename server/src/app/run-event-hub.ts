import type { Logger } from "pino";
import type { FlowRun } from "../domain/flow-run.js";
import type { State } from "../domain/states.js";
import type { EventLog } from "../store/event-log.js";
import type { RunEvent } from "../store/records.js";

export type RunEventListener = (event: RunEvent) => void;

export interface RunEventHubOptions {
  /** How often the shared feed is read for other servers' changes. */
  pollIntervalMs: number;
  logger: Logger;
}

const FIRST_READ = 64;
const MAX_READ = 4096;
const SEEN_CAPACITY = 50_000;

/**
 * Delivers state changes to this server's waiters and watchers. Changes made here are delivered at
 * once; changes made by other servers arrive through the shared `events` collection, which this hub
 * reads with one query per interval however many streams are open. Every event has an id, so each is
 * delivered once whichever way it arrives.
 */
export class RunEventHub {
  private readonly byRun = new Map<string, Set<RunEventListener>>();
  private readonly all = new Set<RunEventListener>();
  private readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly opts: RunEventHubOptions,
  ) {}

  async start(): Promise<void> {
    // History before start-up is not replayed: waiters read current state from the runs themselves.
    for (const id of await this.log.newestIds(MAX_READ)) this.markSeen(id);
    this.schedulePoll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
  }

  subscribe(runId: string, listener: RunEventListener): () => void {
    let set = this.byRun.get(runId);
    if (!set) {
      set = new Set();
      this.byRun.set(runId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byRun.get(runId) === set) this.byRun.delete(runId);
    };
  }

  subscribeAll(listener: RunEventListener): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  get listenerCount(): number {
    let n = this.all.size;
    for (const s of this.byRun.values()) n += s.size;
    return n;
  }

  /** Delivers locally, then appends to the shared feed for the other servers. */
  async publish(run: FlowRun, previousState: State | undefined): Promise<void> {
    const event: RunEvent = { id: this.log.newEventId(), run, ...(previousState ? { previousState } : {}) };
    this.markSeen(event.id);
    this.deliver(event);
    try {
      await this.log.append(event);
    } catch (err) {
      // The change itself is stored; only other servers' live streams miss it until they reconcile.
      this.opts.logger.error({ err, runId: run.id }, "could not append to the event feed");
    }
  }

  private deliver(event: RunEvent): void {
    for (const l of this.byRun.get(event.run.id) ?? []) this.safely(l, event);
    for (const l of this.all) this.safely(l, event);
  }

  private safely(listener: RunEventListener, event: RunEvent): void {
    try {
      listener(event);
    } catch (err) {
      this.opts.logger.error({ err }, "event listener failed");
    }
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll()
        .catch((err: unknown) => this.opts.logger.warn({ err }, "reading the event feed failed; retrying"))
        .finally(() => {
          this.polling = undefined;
          this.schedulePoll();
        });
    }, this.opts.pollIntervalMs);
    this.timer.unref();
  }

  /** Idle, a poll reads one id; only new events are read in full, oldest first. */
  private async poll(): Promise<void> {
    let limit = 1;
    let ids = await this.log.newestIds(limit);
    // Read further back until the batch reaches an event already seen (or the feed's start).
    while (ids.length === limit && limit < MAX_READ && !this.seen.has(ids[0]!)) {
      limit = Math.min(limit === 1 ? FIRST_READ : limit * 4, MAX_READ);
      ids = await this.log.newestIds(limit);
    }
    for (const id of ids) {
      if (this.seen.has(id)) continue;
      const event = await this.log.get(id);
      this.markSeen(id);
      if (event) this.deliver(event);
    }
  }

  private markSeen(id: string): void {
    this.seen.add(id);
    if (this.seen.size > SEEN_CAPACITY) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
