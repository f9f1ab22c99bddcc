import type { Logger } from "pino";
import type { LogNotice, LogNoticeFeedStore } from "./log-ports.js";

export type LogNoticeListener = (notice: LogNotice) => void;

export interface LogHubOptions {
  /** How often the shared notice feed is read for other servers' batches. */
  pollIntervalMs: number;
  logger: Logger;
}

/**
 * Wakes this server's log watches when a run's log grows. A batch stored here is announced at once;
 * batches stored by other servers arrive through the shared notice feed, which this hub follows with
 * one primary-key lookup per interval however many watches are open. A notice carries no records
 * (each watch reads them from the store at its own pace), so what the hub holds per watch is one
 * listener, whatever the volume of logs.
 */
export class LogHub {
  private readonly byRun = new Map<string, Set<LogNoticeListener>>();
  private readonly own = new Set<number>();
  private next = 1;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private polling: Promise<void> | undefined;
  private appending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly feed: LogNoticeFeedStore,
    private readonly opts: LogHubOptions,
  ) {}

  async start(): Promise<void> {
    this.next = (await this.feed.readHead()) + 1;
    this.schedulePoll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
    await this.appending;
  }

  subscribe(flowRunId: string, listener: LogNoticeListener): () => void {
    let set = this.byRun.get(flowRunId);
    if (!set) {
      set = new Set();
      this.byRun.set(flowRunId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byRun.get(flowRunId) === set) this.byRun.delete(flowRunId);
    };
  }

  /** Wakes this server's watches of the run, then tells the other servers through the feed. */
  async publish(notice: LogNotice): Promise<void> {
    this.deliver(notice);
    const appended = this.appending.then(async () => {
      try {
        this.own.add(await this.feed.append(notice));
      } catch (err) {
        // The batch itself is stored; other servers' watches find it on their next re-read.
        this.opts.logger.warn({ err, flowRunId: notice.flowRunId }, "could not append to the log notice feed");
      }
    });
    this.appending = appended;
    await appended;
  }

  private deliver(notice: LogNotice): void {
    for (const listener of this.byRun.get(notice.flowRunId) ?? []) {
      try {
        listener(notice);
      } catch (err) {
        this.opts.logger.error({ err }, "log notice listener failed");
      }
    }
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll()
        .catch((err: unknown) => this.opts.logger.warn({ err }, "reading the log notice feed failed; retrying"))
        .finally(() => {
          this.polling = undefined;
          this.schedulePoll();
        });
    }, this.opts.pollIntervalMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      const n = this.next;
      if (this.own.delete(n)) {
        this.next++;
        continue;
      }
      const notice = await this.feed.get(n);
      if (!notice) return;
      this.next++;
      this.deliver(notice);
    }
  }
}
