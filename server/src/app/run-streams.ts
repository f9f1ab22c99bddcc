import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import { currentPause, type FlowRun, type JsonObject } from "../domain/flow-run.js";
import { isFinal, type State } from "../domain/states.js";
import { requireId, requirePauseKey } from "../domain/validation.js";
import type { RunEvent, RunFilter } from "../store/records.js";
import type { AppContext } from "./context.js";

export type WaitEventType = "HEARTBEAT" | "RESUMED" | "TIMED_OUT" | "CANCELLED" | "SUSPENDED";

export interface WaitEvent {
  type: WaitEventType;
  key: string;
  run: FlowRun;
  runInput?: JsonObject;
}

export interface WatchEvent {
  run: FlowRun;
  previousState?: State;
  initial: boolean;
}

const DEFAULT_HEARTBEAT_SECONDS = 15;
const MAX_WATCH_INITIAL = 500;

/** How a pause has ended, seen from a process waiting on it; undefined while it is still pending. */
export function waitOutcome(run: FlowRun, key: string): WaitEvent | undefined {
  const pause = run.pauses[key];
  if (!pause) return undefined;
  switch (pause.status) {
    case "resumed":
      return { type: "RESUMED", key, run, ...(pause.runInput ? { runInput: pause.runInput } : {}) };
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
 * Server-push streams over the event hub: a waiting or watching stream costs one listener and, for
 * waits, one heartbeat timer; no store query runs per stream after it opens.
 */
export class RunStreams {
  constructor(private readonly ctx: AppContext) {}

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
    if (!Number.isInteger(interval) || interval < 1 || interval > 300) {
      throw new InvalidArgumentError("heartbeat_seconds must be between 1 and 300.", [
        { field: "heartbeat_seconds", description: "must be between 1 and 300" },
      ]);
    }

    // Subscribe before reading, so no change can fall between the read and the subscription.
    const pending: RunEvent[] = [];
    let onEvent: (e: RunEvent) => void = (e) => pending.push(e);
    const unsubscribe = this.ctx.hub.subscribe(id, (e) => onEvent(e));
    try {
      const run = await this.ctx.store.runs.get(id);
      if (!run) throw new NotFoundError(`Flow run ${id} was not found.`);
      const key = requestedKey ?? currentPause(run)?.key;
      if (!key) throw new FailedPreconditionError("The flow run is not paused; name the pause key to learn how it ended.");
      if (!run.pauses[key]) throw new NotFoundError(`Flow run ${id} has no pause with key "${key}".`);

      await new Promise<void>((resolve) => {
        let version = run.version;
        let timer: NodeJS.Timeout | undefined;
        const finish = (): void => {
          if (timer) clearInterval(timer);
          signal.removeEventListener("abort", finish);
          onEvent = () => undefined;
          resolve();
        };
        const consider = (latest: FlowRun): boolean => {
          if (latest.version < version) return false;
          version = latest.version;
          const final = waitOutcome(latest, key);
          if (!final) return false;
          send(final);
          finish();
          return true;
        };
        if (signal.aborted) return finish();
        signal.addEventListener("abort", finish);
        if (consider(run)) return;
        for (const e of pending.splice(0)) if (consider(e.run)) return;
        let latest = run;
        onEvent = (e) => {
          if (e.run.version >= latest.version) latest = e.run;
          consider(e.run);
        };
        send({ type: "HEARTBEAT", key, run });
        timer = setInterval(() => send({ type: "HEARTBEAT", key, run: latest }), interval * 1000);
      });
    } finally {
      unsubscribe();
    }
  }

  /** The run's current state, then every change in order; ends after a final state. */
  async watchRun(flowRunId: string, signal: AbortSignal, send: (e: WatchEvent) => void): Promise<void> {
    const id = requireId("flow_run_id", flowRunId);
    const pending: RunEvent[] = [];
    let onEvent: (e: RunEvent) => void = (e) => pending.push(e);
    const unsubscribe = this.ctx.hub.subscribe(id, (e) => onEvent(e));
    try {
      const run = await this.ctx.store.runs.get(id);
      if (!run) throw new NotFoundError(`Flow run ${id} was not found.`);
      await new Promise<void>((resolve) => {
        let version = run.version;
        const finish = (): void => {
          signal.removeEventListener("abort", finish);
          onEvent = () => undefined;
          resolve();
        };
        const deliver = (e: WatchEvent): boolean => {
          if (!e.initial && e.run.version <= version) return false;
          version = e.run.version;
          send(e);
          if (e.run.state && isFinal(e.run.state.type)) {
            finish();
            return true;
          }
          return false;
        };
        if (signal.aborted) return finish();
        signal.addEventListener("abort", finish);
        if (deliver({ run, initial: true })) return;
        for (const e of pending.splice(0)) if (deliver(toWatchEvent(e))) return;
        onEvent = (e) => void deliver(toWatchEvent(e));
      });
    } finally {
      unsubscribe();
    }
  }

  /**
   * The current state of every matching run (newest 500), then every change that enters or leaves a
   * matching state, in order per run. Runs until the caller goes away.
   */
  async watchRuns(filter: RunFilter, signal: AbortSignal, send: (e: WatchEvent) => void): Promise<void> {
    const pending: RunEvent[] = [];
    let onEvent: (e: RunEvent) => void = (e) => pending.push(e);
    const unsubscribe = this.ctx.hub.subscribeAll((e) => onEvent(e));
    try {
      const initial = await this.ctx.store.runs.list(filter, 0, MAX_WATCH_INITIAL);
      await new Promise<void>((resolve) => {
        const versions = new Map<string, number>();
        const finish = (): void => {
          signal.removeEventListener("abort", finish);
          onEvent = () => undefined;
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
        for (const run of initial.reverse()) {
          versions.set(run.id, run.version);
          send({ run, initial: true });
        }
        for (const e of pending.splice(0)) deliver(e);
        onEvent = deliver;
      });
    } finally {
      unsubscribe();
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
  if (filter.stateTypes && filter.stateTypes.length > 0) {
    const now = run.state?.type;
    const before = e.previousState?.type;
    // Leaving a watched state matters as much as entering it (a paused list must drop resumed runs).
    return (now !== undefined && filter.stateTypes.includes(now)) || (before !== undefined && filter.stateTypes.includes(before));
  }
  return true;
}
