import type { Logger } from "pino";
import { currentPause, type FlowRun } from "../domain/flow-run.js";
import type { FlowRunStore } from "./ports.js";
import type { RunEventHub } from "./run-event-hub.js";

/** setTimeout cannot wait longer than this; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  key: string;
  at: number;
  timer: NodeJS.Timeout;
}

/**
 * Fails pauses that reach their expiry. Expiry times live in the store; every server keeps a timer per
 * pending pause it knows of (loaded at start, learned from the event feed, re-read periodically), and
 * expiring is a conditional update, so after a restart or with several servers each pause still fails
 * exactly once and on time.
 */
export class ExpiryScheduler {
  private readonly entries = new Map<string, Entry>();
  private unsubscribe: (() => void) | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      runs: FlowRunStore;
      hub: RunEventHub;
      expire: (runId: string, key: string) => Promise<void>;
      logger: Logger;
      rescanIntervalMs: number;
    },
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = this.deps.hub.subscribeAll((e) => this.track(e.run));
    await this.rescan();
    this.rescanTimer = setInterval(() => {
      this.rescan().catch((err: unknown) => this.deps.logger.warn({ err }, "rescanning paused runs failed"));
    }, this.deps.rescanIntervalMs);
    this.rescanTimer.unref();
  }

  stop(): void {
    this.unsubscribe?.();
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    for (const e of this.entries.values()) clearTimeout(e.timer);
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private async rescan(): Promise<void> {
    for (const run of await this.deps.runs.findPaused()) this.track(run);
  }

  /** Arms, re-arms or disarms the timer for a run from its latest known state. */
  track(run: FlowRun): void {
    const pause = currentPause(run);
    const existing = this.entries.get(run.id);
    if (!pause || pause.status !== "pending" || !pause.expiresAt) {
      if (existing) {
        clearTimeout(existing.timer);
        this.entries.delete(run.id);
      }
      return;
    }
    const at = pause.expiresAt.getTime();
    if (existing && existing.key === pause.key && existing.at === at) return;
    if (existing) clearTimeout(existing.timer);
    this.arm(run.id, pause.key, at);
  }

  private arm(runId: string, key: string, at: number): void {
    const delay = Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      if (Date.now() < at) return this.arm(runId, key, at);
      this.entries.delete(runId);
      this.deps.expire(runId, key).catch((err: unknown) => {
        this.deps.logger.warn({ err, runId }, "expiring a pause failed; retrying in 1 s");
        this.arm(runId, key, Date.now() + 1000);
      });
    }, delay);
    timer.unref();
    this.entries.set(runId, { key, at, timer });
  }
}
