/**
 * Wakes the runner's claim loop as soon as the server announces a SCHEDULED run of one of its
 * deployments (WatchFlowRuns, pushed), so a new or resumed run does not wait out a poll interval.
 * Polling stays as the net for an event the watch missed while reconnecting.
 */
import { sleep } from "../runtime/abortable.js";
import { followStream } from "../runtime/follow-stream.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import { StateType } from "../types.js";

export class ScheduledRunsSignal {
  private pending = false;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly client: FlowgateClient,
    private readonly log: (line: string) => void,
  ) {}

  /** Watches each deployment until `signal` aborts (one stream per deployment; runners serve a few). */
  follow(deploymentIds: readonly string[], signal: AbortSignal): void {
    for (const deploymentId of deploymentIds) void this.followOne(deploymentId, signal);
  }

  /** Resolves at the next announcement (at once if one came since the last call), or after `ms`. */
  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    const announced = new Promise<void>((resolve) => (this.waiter = resolve));
    // Its own signal, so that the timer ends with the wait instead of lingering after an announcement.
    const timer = new AbortController();
    const onAbort = (): void => timer.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await Promise.race([announced, sleep(ms, timer.signal).catch(() => undefined)]);
    } finally {
      timer.abort();
      signal.removeEventListener("abort", onAbort);
      this.waiter = undefined;
      this.pending = false;
    }
  }

  private notify(): void {
    if (this.waiter) this.waiter();
    else this.pending = true;
  }

  private async followOne(deploymentId: string, signal: AbortSignal): Promise<void> {
    try {
      await followStream(
        (sig) => this.client.watchFlowRuns({ stateTypes: [StateType.SCHEDULED], deploymentId }, { signal: sig }),
        (e) => {
          if (e.flowRun.state?.type === StateType.SCHEDULED) this.notify();
        },
        { signal },
      );
    } catch (err) {
      this.log(`watching deployment ${deploymentId} failed (${err instanceof Error ? err.message : String(err)}); polling only`);
    }
  }
}
