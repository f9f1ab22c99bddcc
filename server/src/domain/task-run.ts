/**
 * Task runs: what is created, and what a proposed state does to one. Pure; the application applies a
 * decision as one conditional update of the task run's version.
 */
import { FailedPreconditionError, InvalidArgumentError } from "./errors.js";
import type { Clock } from "./rules.js";
import { nextRunCount } from "./run-count.js";
import { isFinal, makeState, type State, type StateProposal } from "./states.js";

export interface TaskRun {
  id: string;
  flowRunId: string;
  taskKey: string;
  dynamicKey: string;
  name: string;
  cacheKey?: string;
  state?: State;
  result?: unknown;
  hasResult: boolean;
  runCount: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewTaskRun {
  flowRunId: string;
  taskKey: string;
  dynamicKey: string;
  /** Empty means the task key. */
  name: string;
  /** Empty means the result is not findable by a cache key. */
  cacheKey: string;
}

/** A task run as created: no state, no result, not yet run. */
export function newTaskRun(input: NewTaskRun, clock: Clock): TaskRun {
  return {
    id: clock.newId(),
    flowRunId: input.flowRunId,
    taskKey: input.taskKey,
    dynamicKey: input.dynamicKey,
    name: input.name || input.taskKey,
    ...(input.cacheKey ? { cacheKey: input.cacheKey } : {}),
    hasResult: false,
    runCount: 0,
    version: 1,
    createdAt: clock.now,
    updatedAt: clock.now,
  };
}

export interface TaskRunStateChange {
  proposal: StateProposal;
  result?: unknown;
  /** Keep `result` with the task run (and under its cache key), so a re-executed flow can skip the task. */
  persistResult: boolean;
}

/** Checks what can be checked before reading the task run: only a COMPLETED task has a result to keep. */
export function checkTaskRunStateChange(change: TaskRunStateChange): void {
  if (change.persistResult && change.proposal.type !== "COMPLETED") {
    throw new InvalidArgumentError("persist_result is only meaningful with COMPLETED.", [
      { field: "persist_result", description: "requires state COMPLETED" },
    ]);
  }
}

export interface TaskRunDecision {
  next: TaskRun;
  /** Whether the stored result is to be found by the task run's cache key from now on. */
  indexResult: boolean;
}

/** SetTaskRunState: a final task run keeps its state; anything else takes the proposal. */
export function decideTaskRunState(current: TaskRun, change: TaskRunStateChange, clock: Clock): TaskRunDecision {
  checkTaskRunStateChange(change);
  if (current.state && isFinal(current.state.type)) {
    throw new FailedPreconditionError("ALREADY_FINAL", `The task run is already in a final state (${current.state.name}).`);
  }
  const next: TaskRun = {
    ...current,
    state: makeState(change.proposal, clock.newId(), clock.now),
    runCount: nextRunCount(current.runCount, change.proposal.type),
    version: current.version + 1,
    updatedAt: clock.now,
    ...(change.persistResult ? { result: change.result ?? null, hasResult: true } : {}),
  };
  return { next, indexResult: change.persistResult && next.cacheKey !== undefined };
}
