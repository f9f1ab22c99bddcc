import type { FlowRun, JsonObject } from "../domain/flow-run.js";
import type { State, StateProposal } from "../domain/states.js";

/** Storage-facing records other than flow runs (those live in domain/flow-run.ts). */
export interface FlowRunInputRecord {
  flowRunId: string;
  key: string;
  value: unknown;
  sender?: string;
  createdAt: Date;
}

export interface TaskRunRecord {
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

export interface DeploymentRecord {
  id: string;
  name: string;
  flowName: string;
  entrypoint: string;
  parameters: JsonObject;
  createdAt: Date;
}

/** One state change, as written to the shared event feed. */
export interface RunEvent {
  /** Unique per event; lets every server skip events it has already delivered. */
  id: string;
  run: FlowRun;
  previousState?: State;
}

export interface RunFilter {
  stateTypes?: readonly State["type"][];
  flowName?: string;
  deploymentId?: string;
  parentFlowRunId?: string;
}

export type { StateProposal };
