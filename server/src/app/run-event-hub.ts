import type { Logger } from "pino";
import type { FlowRun } from "../domain/flow-run.js";
import type { State } from "../domain/states.js";
import type { EventFeedStore, RunEvent } from "./ports.js";
import { RecentRuns } from "./recent-runs.js";

export type RunEventListener = (event: RunEvent) => void;

export interface RunEventHubOptions {
  /** How often the shared feed is read for other servers' changes. */
  pollIntervalMs: number;
  /**
   * How often the runs this server's streams follow are re-read in one batch. This is a net for a
   * change whose event never reached the feed (its server died between storing it and appending).
   */
  reconcileIntervalMs: number;
  /** Reads runs by id, in one query. */
  readRuns: (ids: readonly string[]) => Promise<FlowRun[]>;
  /**
   * Called after this server appended an event to the feed, so that other servers can be told to read
   * it now instead of at their next poll (peer-wakeups.ts); they call `wake()` on their hub.
   */
  appended?: () => void;
  logger: Logger;
}

/**
 * Delivers state changes to this server's waiters and watchers. Changes made here are delivered at
 * once; changes made by other servers arrive through the shared event feed, which this hub follows
 * with one primary-key lookup per interval however many streams are open, and reads at once when
 * told the feed has news (`wake()`: a hint from another server; a change stream could call it too).
 * Events this server wrote itself are skipped when the feed brings them back.
 *
 * The feed stays the only source of truth: a wake-up carries nothing, so a false one costs one read
 * and a lost one leaves the change to the next poll.
 */
export class RunEventHub {
  private readonly byRun = new Map<string, Set<RunEventListener>>();
  private readonly all = new Set<RunEventListener>();
  /** Numbers of events this server appended and the feed has not yet passed. */
  private readonly own = new Set<number>();
  /** The next feed number to read. */
  private next = 1;
  private timer: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  /** The newest version of each followed run that was delivered, for reconciliation. */
  private readonly delivered = new Map<string, number>();
  private stopped = false;
  private polling: Promise<void> | undefined;
  /** A wake-up came while a read ran: read once more after it, for what that read may have missed. */
  private readAgain = false;
  /** Appends from this server go one at a time, so they enter the feed in the order they happened. */
  private appending: Promise<unknown> = Promise.resolve();
  /** The newest version of each run this server worked on lately: every change delivered here passes by. */
  readonly recent = new RecentRuns();

  constructor(
    private readonly log: EventFeedStore,
    private readonly opts: RunEventHubOptions,
  ) {}

  async start(): Promise<void> {
    // History before start-up is not replayed: waiters read current state from the runs themselves.
    this.next = (await this.log.readHead()) + 1;
    this.schedulePoll();
    this.reconcileTimer = setInterval(() => {
      this.reconcile().catch((err: unknown) => this.opts.logger.warn({ err }, "reconciling followed runs failed"));
    }, this.opts.reconcileIntervalMs);
    this.reconcileTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    while (this.polling) await this.polling;
    await this.appending;
  }

  /**
   * Reads the feed now instead of at the next poll. Wake-ups coalesce: during a read, any number of
   * them cause one more read after it, so a flood costs at most one read at a time.
   */
  wake(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.readAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.read();
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
      if (set.size === 0 && this.byRun.get(runId) === set) {
        this.byRun.delete(runId);
        this.delivered.delete(runId);
      }
    };
  }

  subscribeAll(listener: RunEventListener): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  /** Delivers locally, then appends to the shared feed for the other servers. */
  async publish(run: FlowRun, previousState: State | undefined): Promise<void> {
    this.deliver({ id: `local:${run.id}:${run.version}`, run, ...(previousState ? { previousState } : {}) });
    const appended = this.appending.then(async () => {
      try {
        this.own.add(await this.log.append(run, previousState));
        this.opts.appended?.();
      } catch (err) {
        // The change itself is stored; only other servers' live streams miss it.
        this.opts.logger.error({ err, flowRunId: run.id }, "could not append to the event feed");
      }
    });
    this.appending = appended;
    await appended;
  }

  /**
   * Tells this server's waiters and watchers of `run` about a change certain to be stored but perhaps
   * not yet written (see TransitionSubject.committed). `publish` follows once it is written, and
   * delivers it again to them (they ignore a version they have) and to everyone else. Those who watch
   * every run are told only then: they answer by reading the store (a runner claiming a scheduled
   * run), which must show the change by the time they hear of it.
   */
  tellFollowers(run: FlowRun, previousState: State | undefined): void {
    const followers = this.byRun.get(run.id);
    if (!followers) return;
    this.delivered.set(run.id, Math.max(this.delivered.get(run.id) ?? 0, run.version));
    const event: RunEvent = { id: `committed:${run.id}:${run.version}`, run, ...(previousState ? { previousState } : {}) };
    for (const l of followers) this.safely(l, event);
  }

  private deliver(event: RunEvent): void {
    this.recent.note(event.run);
    const followers = this.byRun.get(event.run.id);
    if (followers) this.delivered.set(event.run.id, Math.max(this.delivered.get(event.run.id) ?? 0, event.run.version));
    for (const l of followers ?? []) this.safely(l, event);
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
      this.timer = undefined;
      this.read();
    }, this.opts.pollIntervalMs);
    this.timer.unref();
  }

  /** One read of the feed, then another if woken meanwhile, else the next poll's timer. */
  private read(): void {
    this.readAgain = false;
    this.polling = this.poll()
      .catch((err: unknown) => this.opts.logger.warn({ err }, "reading the event feed failed; retrying"))
      .finally(() => {
        this.polling = undefined;
        if (this.readAgain && !this.stopped) this.read();
        else this.schedulePoll();
      });
  }

  /** Re-reads every followed run in one query and delivers those that moved on unannounced. */
  private async reconcile(): Promise<void> {
    const ids = [...this.byRun.keys()];
    if (ids.length === 0) return;
    for (const run of await this.opts.readRuns(ids)) {
      const known = this.delivered.get(run.id) ?? 0;
      if (run.version <= known) continue;
      // Subscribers ignore versions they already have, so a snapshot is safe to deliver.
      if (known > 0) this.opts.logger.warn({ flowRunId: run.id, version: run.version, known }, "delivering a change the event feed missed");
      this.deliver({ id: `reconciled:${run.id}:${run.version}`, run });
    }
  }

  /** Reads forward from the next unread number until a number not yet written. */
  private async poll(): Promise<void> {
    while (!this.stopped) {
      const n = this.next;
      if (this.own.delete(n)) {
        this.next++;
        continue;
      }
      const event = await this.log.get(n);
      if (!event) return;
      this.next++;
      this.deliver(event);
    }
  }
}
