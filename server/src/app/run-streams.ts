import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import type { ApprovalRecord, RejectionRecord } from "../domain/approval.js";
import { currentPause, type FlowRun, type JsonObject, type PauseRecord } from "../domain/flow-run.js";
import { isFinal, type State } from "../domain/states.js";
import { requireId, requirePauseKey } from "../domain/validation.js";
import type { AppContext } from "./context.js";
import type { RunEvent, RunFilter } from "./ports.js";
import { SharedReads } from "./shared-reads.js";

export type WaitEventType = "HEARTBEAT" | "RESUMED" | "TIMED_OUT" | "CANCELLED" | "SUSPENDED" | "REJECTED";

export interface WaitEvent {
  type: WaitEventType;
  key: string;
  run: FlowRun;
  runInput?: JsonObject;
  /** With RESUMED: every approval, the last one met the quorum. */
  approvals?: ApprovalRecord[];
  /** With REJECTED. */
  rejection?: RejectionRecord;
}

export interface WatchEvent {
  run: FlowRun;
  previousState?: State;
  initial: boolean;
}

const DEFAULT_HEARTBEAT_SECONDS = 15;
const MAX_HEARTBEAT_SECONDS = 300;
const MAX_WATCH_INITIAL = 500;

interface Beat {
  readonly every: number;
  slot: number;
  readonly send: () => void;
}

/**
 * One timer for every held wait's heartbeats, not one each: a wheel of one-second slots, each beat in
 * the slot of its next second and moved on as it fires, so a held wait costs one small object in a
 * set, and the beats stay spread over the seconds the waits opened in rather than all at once. A beat
 * fires within its interval of the last (at most a second early), never later.
 */
class HeartbeatWheel {
  private readonly slots: Set<Beat>[] = Array.from({ length: MAX_HEARTBEAT_SECONDS + 1 }, () => new Set());
  private cursor = 0;
  private size = 0;
  private timer: NodeJS.Timeout | undefined;

  add(every: number, send: () => void): Beat {
    const beat: Beat = { every, slot: 0, send };
    this.place(beat);
    this.size += 1;
    this.timer ??= setInterval(() => this.tick(), 1000);
    return beat;
  }

  delete(beat: Beat): void {
    if (!this.slots[beat.slot]!.delete(beat)) return;
    this.size -= 1;
    if (this.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private place(beat: Beat): void {
    beat.slot = (this.cursor + beat.every) % this.slots.length;
    this.slots[beat.slot]!.add(beat);
  }

  private tick(): void {
    this.cursor = (this.cursor + 1) % this.slots.length;
    const due = this.slots[this.cursor]!;
    if (due.size === 0) return;
    const beats = [...due];
    due.clear();
    // Placed again before sending: a send that ends the wait (and deletes the beat) finds it.
    for (const beat of beats) this.place(beat);
    for (const beat of beats) if (this.slots[beat.slot]!.has(beat)) beat.send();
  }
}

/** How a pause has ended, seen from a process waiting on it; undefined while it is still pending. */
export function waitOutcome(run: FlowRun, key: string): WaitEvent | undefined {
  const pause = run.pauses[key];
  return pause ? outcomeOf(run, pause) : undefined;
}

function outcomeOf(run: FlowRun, pause: PauseRecord): WaitEvent | undefined {
  const key = pause.key;
  switch (pause.status) {
    case "resumed":
      return {
        type: "RESUMED",
        key,
        run,
        ...(pause.runInput ? { runInput: pause.runInput } : {}),
        ...(pause.approvals ? { approvals: pause.approvals } : {}),
      };
    case "rejected":
      return { type: "REJECTED", key, run, ...(pause.rejection ? { rejection: pause.rejection } : {}) };
    case "timed_out":
      return { type: "TIMED_OUT", key, run };
    case "cancelled":
    case "ended":
      return { type: "CANCELLED", key, run };
    case "pending":
      return pause.suspendedWhileWaiting ? { type: "SUSPENDED", key, run } : undefined;
  }
}

/**
 * Subscribes before the caller reads current state, buffering what arrives meanwhile, so that no
 * change can fall between the read and the subscription. `attach` replays the buffer, then forwards.
 */
class BufferedSubscription {
  private readonly pending: RunEvent[] = [];
  private handler: ((e: RunEvent) => void) | undefined;
  private done = false;
  readonly unsubscribe: () => void;

  constructor(subscribe: (listener: (e: RunEvent) => void) => () => void) {
    this.unsubscribe = subscribe((e) => {
      if (this.done) return;
      if (this.handler) this.handler(e);
      else this.pending.push(e);
    });
  }

  attach(handler: (e: RunEvent) => void): void {
    this.handler = handler;
    for (const e of this.pending.splice(0)) {
      if (this.done) return;
      handler(e);
    }
  }

  /** Stops forwarding; later events are dropped. */
  close(): void {
    this.done = true;
  }
}

/**
 * Server-push streams over the event hub: a waiting or watching stream costs one listener and, for
 * waits, one entry in the shared heartbeat wheel; no store query runs per stream after it opens, and
 * streams opening together share their opening reads (shared-reads.ts).
 */
export class RunStreams {
  /** The reads streams make as they open, shared by the streams that open together. */
  private readonly reads: SharedReads;
  private readonly heartbeats = new HeartbeatWheel();

  constructor(private readonly ctx: AppContext) {
    this.reads = new SharedReads(ctx.store.runs);
  }

  /**
   * Sends heartbeats until the pause ends, then its one final event, then resolves. A wait opened
   * after the end gets the final event at once.
   */
  async waitForResume(
    flowRunId: string,
    keyText: string,
    heartbeatSeconds: number,
    signal: AbortSignal,
    send: (e: WaitEvent) => void,
  ): Promise<void> {
    const id = requireId("flow_run_id", flowRunId);
    const requestedKey = keyText ? requirePauseKey(keyText) : undefined;
    const interval = heartbeatSeconds === 0 ? DEFAULT_HEARTBEAT_SECONDS : heartbeatSeconds;
    if (!Number.isInteger(interval) || interval < 1 || interval > MAX_HEARTBEAT_SECONDS) {
      throw new InvalidArgumentError("heartbeat_seconds must be between 1 and 300.", [
        { field: "heartbeat_seconds", description: "must be between 1 and 300" },
      ]);
    }

    const subscription = new BufferedSubscription((l) => this.ctx.hub.subscribe(id, l));
    try {
      const run = await this.reads.run(id);
      if (!run) throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Flow run ${id} was not found.`);
      const key = requestedKey ?? currentPause(run)?.key;
      if (!key) throw new FailedPreconditionError("NOT_PAUSED", "The flow run is not paused; name the pause key to learn how it ended.");
      if (!run.pauses[key]) {
        // An ended pause that has left the run document: its outcome is final, so it is told at once.
        const ended = await this.ctx.store.endedPauses.get(id, key);
        const final = ended ? outcomeOf(run, ended) : undefined;
        if (!final) throw new NotFoundError("PAUSE_NOT_FOUND", `Flow run ${id} has no pause with key "${key}".`);
        if (!signal.aborted) send(final);
        return;
      }

      await new Promise<void>((resolve) => {
        let latest = run;
        // Added before anything can call `finish`, which removes it; its first beat comes after this setup.
        const beat = this.heartbeats.add(interval, () => send({ type: "HEARTBEAT", key, run: latest }));
        let finished = false;
        /** The archive lookup under way, if any: later versions that also lack the pause wait for it, not a read each. */
        let lookingUp: Promise<void> | undefined;
        const finish = (): void => {
          finished = true;
          this.heartbeats.delete(beat);
          signal.removeEventListener("abort", finish);
          subscription.close();
          resolve();
        };
        /** True when the pause has ended (and its final event was sent). */
        const consider = (candidate: FlowRun): boolean => {
          if (candidate.version < latest.version) return false;
          latest = candidate;
          const final = waitOutcome(candidate, key);
          if (final) {
            send(final);
            finish();
            return true;
          }
          // Gone from the document: it ended, and left for the archive when the next pause began, in
          // versions this waiter did not see one by one (say, a burst coalesced on its way here).
          if (!candidate.pauses[key] && !lookingUp) {
            lookingUp = this.sendArchivedOutcome(candidate, key, send, () => finished, finish).finally(() => (lookingUp = undefined));
          }
          return false;
        };
        if (signal.aborted) return finish();
        signal.addEventListener("abort", finish);
        if (consider(run)) return;
        send({ type: "HEARTBEAT", key, run });
        subscription.attach((e) => void consider(e.run));
      });
    } finally {
      subscription.unsubscribe();
    }
  }

  /** Sends the archived outcome of `key` and finishes the wait, unless it finished first or none is found. */
  private async sendArchivedOutcome(
    run: FlowRun,
    key: string,
    send: (e: WaitEvent) => void,
    isFinished: () => boolean,
    finish: () => void,
  ): Promise<void> {
    try {
      const ended = await this.ctx.store.endedPauses.get(run.id, key);
      const final = ended ? outcomeOf(run, ended) : undefined;
      if (!final || isFinished()) return;
      send(final);
      finish();
    } catch (err) {
      // The waiter stays attached; its client's reconnect asks again (and finds the archive).
      this.ctx.logger.warn({ err, flowRunId: run.id, key }, "could not read an archived pause for its waiter");
    }
  }

  /** The run's current state, then every change in order; ends after a final state. */
  async watchRun(flowRunId: string, signal: AbortSignal, send: (e: WatchEvent) => void): Promise<void> {
    const id = requireId("flow_run_id", flowRunId);
    const subscription = new BufferedSubscription((l) => this.ctx.hub.subscribe(id, l));
    try {
      const run = await this.reads.run(id);
      if (!run) throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Flow run ${id} was not found.`);
      await new Promise<void>((resolve) => {
        let version = run.version;
        const finish = (): void => {
          signal.removeEventListener("abort", finish);
          subscription.close();
          resolve();
        };
        const deliver = (e: WatchEvent): void => {
          if (!e.initial && e.run.version <= version) return;
          version = e.run.version;
          send(e);
          if (e.run.state && isFinal(e.run.state.type)) finish();
        };
        if (signal.aborted) return finish();
        signal.addEventListener("abort", finish);
        deliver({ run, initial: true });
        subscription.attach((e) => deliver(toWatchEvent(e)));
      });
    } finally {
      subscription.unsubscribe();
    }
  }

  /**
   * The current state of every matching run (newest 500), then every change that enters or leaves a
   * matching state, in order per run. Runs until the caller goes away.
   */
  async watchRuns(filter: RunFilter, signal: AbortSignal, send: (e: WatchEvent) => void): Promise<void> {
    const subscription = new BufferedSubscription((l) => this.ctx.hub.subscribeAll(l));
    try {
      const initial = await this.reads.list(filter, MAX_WATCH_INITIAL);
      await new Promise<void>((resolve) => {
        const versions = new Map<string, number>();
        const finish = (): void => {
          signal.removeEventListener("abort", finish);
          subscription.close();
          resolve();
        };
        const deliver = (e: RunEvent): void => {
          if (!matchesEvent(filter, e)) return;
          if ((versions.get(e.run.id) ?? 0) >= e.run.version) return;
          versions.set(e.run.id, e.run.version);
          send(toWatchEvent(e));
        };
        if (signal.aborted) return finish();
        signal.addEventListener("abort", finish);
        // Oldest first; the list is shared with the other streams that opened with it, so not reversed in place.
        for (let i = initial.length - 1; i >= 0; i--) {
          const run = initial[i]!;
          versions.set(run.id, run.version);
          send({ run, initial: true });
        }
        subscription.attach(deliver);
      });
    } finally {
      subscription.unsubscribe();
    }
  }
}

function toWatchEvent(e: RunEvent): WatchEvent {
  return { run: e.run, initial: false, ...(e.previousState ? { previousState: e.previousState } : {}) };
}

function matchesEvent(filter: RunFilter, e: RunEvent): boolean {
  const run = e.run;
  if (filter.flowName && run.flowName !== filter.flowName) return false;
  if (filter.deploymentId && run.deploymentId !== filter.deploymentId) return false;
  if (filter.parentFlowRunId && run.parentFlowRunId !== filter.parentFlowRunId) return false;
  if (filter.nameContains && !run.name.toLowerCase().includes(filter.nameContains.toLowerCase())) return false;
  if (filter.createdAfter && run.createdAt < filter.createdAfter) return false;
  if (filter.createdBefore && run.createdAt >= filter.createdBefore) return false;
  if (filter.stateTypes && filter.stateTypes.length > 0) {
    const now = run.state?.type;
    const before = e.previousState?.type;
    // Leaving a watched state matters as much as entering it (a paused list must drop resumed runs).
    return (now !== undefined && filter.stateTypes.includes(now)) || (before !== undefined && filter.stateTypes.includes(before));
  }
  return true;
}
