/**
 * The run a piece of code executes in, carried by AsyncLocalStorage so that `pauseFlowRun()` or a
 * nested `task()` call finds its flow run without being handed it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import type { FlowRun, TaskRun } from "../types.js";
import { endSuspendedProcess } from "./end-process.js";
import { flushRunLogs } from "../logs/shippers.js";

export interface FlowRunContext {
  client: FlowgateClient;
  flowRun: FlowRun;
  /** Pause/suspend keys "1", "2", …: one counter per execution, so a re-executed run meets the same keys. */
  nextPauseKey(): string;
  /** Dynamic keys per task key, in call order, so a re-execution finds its earlier task runs. */
  nextDynamicKey(taskKey: string): string;
  /** Work submitted in this run that the run waits for before it finishes. */
  readonly pending: Set<Promise<unknown>>;
  logPrints: boolean;
  /** Aborted when the run must stop (flow timeout, suspended by someone else). */
  signal: AbortSignal;
  /** Set while code runs inside a task of this flow run. */
  taskRun?: TaskRun | undefined;
  /** Registers a task body that is executing, so a suspend from elsewhere lets it finish first. */
  trackRunning<T>(work: Promise<T>): Promise<T>;
  /** Someone else suspended this run: stop at the next task boundary. */
  markSuspendedElsewhere(): void;
  readonly suspendedElsewhere: boolean;
  /** Called before each task starts: ends the process there if the run was suspended elsewhere. */
  atTaskBoundary(): Promise<void>;
}

const storage = new AsyncLocalStorage<FlowRunContext>();

export function currentContext(): FlowRunContext | undefined {
  return storage.getStore();
}

export function runInContext<T>(ctx: FlowRunContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function newFlowRunContext(
  client: FlowgateClient,
  flowRun: FlowRun,
  opts: { logPrints: boolean; signal: AbortSignal },
): FlowRunContext {
  let pauses = 0;
  let suspended = false;
  const dynamicKeys = new Map<string, number>();
  const running = new Set<Promise<unknown>>();
  return {
    client,
    flowRun,
    nextPauseKey: () => String(++pauses),
    nextDynamicKey: (taskKey) => {
      const n = dynamicKeys.get(taskKey) ?? 0;
      dynamicKeys.set(taskKey, n + 1);
      return String(n);
    },
    pending: new Set(),
    logPrints: opts.logPrints,
    signal: opts.signal,
    trackRunning: (work) => {
      running.add(work);
      const forget = (): void => void running.delete(work);
      work.then(forget, forget);
      return work;
    },
    markSuspendedElsewhere: () => {
      suspended = true;
    },
    get suspendedElsewhere() {
      return suspended;
    },
    async atTaskBoundary() {
      if (!suspended) return;
      // Tasks already running finish (their states are reported), then the process ends.
      await Promise.allSettled([...running]);
      await flushRunLogs(client);
      endSuspendedProcess();
    },
  };
}

/** The flow run the calling code executes in (inside a flow or its tasks), like Prefect's `runtime.flow_run`. */
export function currentFlowRun(): { id: string; name: string; flowName: string } | undefined {
  const run = storage.getStore()?.flowRun;
  return run && { id: run.id, name: run.name, flowName: run.flowName };
}
