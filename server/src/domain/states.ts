import type { StateCause } from "./audit.js";

/** The state types of Prefect, which Flowgate follows. */
export const STATE_TYPES = [
  "SCHEDULED",
  "PENDING",
  "RUNNING",
  "PAUSED",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "CRASHED",
  "CANCELLING",
] as const;
export type StateType = (typeof STATE_TYPES)[number];

export const FINAL_STATE_TYPES: ReadonlySet<StateType> = new Set(["COMPLETED", "FAILED", "CANCELLED", "CRASHED"]);

export function isFinal(type: StateType): boolean {
  return FINAL_STATE_TYPES.has(type);
}

export interface StateDetails {
  pauseKey?: string;
  pauseExpiresAt?: Date;
  pauseReschedule?: boolean;
  runInputKeyset?: string;
  deploymentId?: string;
}

export interface State {
  id: string;
  type: StateType;
  name: string;
  message: string;
  timestamp: Date;
  details: StateDetails;
  /** Who caused the run to enter this state; absent on states stored before it was recorded. */
  by?: StateCause;
}

/** What a client proposes; the server fills in id, timestamp and details. */
export interface StateProposal {
  type: StateType;
  name?: string;
  message?: string;
}

const DEFAULT_NAMES: Record<StateType, string> = {
  SCHEDULED: "Scheduled",
  PENDING: "Pending",
  RUNNING: "Running",
  PAUSED: "Paused",
  COMPLETED: "Completed",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
  CRASHED: "Crashed",
  CANCELLING: "Cancelling",
};

export function defaultStateName(type: StateType): string {
  return DEFAULT_NAMES[type];
}

export interface NewStateInput {
  type: StateType;
  name?: string | undefined;
  message?: string | undefined;
  details?: StateDetails;
}

/** Makes a state stamped with a fresh id and time; ids and clocks come from the caller for testability. */
export function makeState(input: NewStateInput, id: string, now: Date): State {
  return {
    id,
    type: input.type,
    name: input.name && input.name.length > 0 ? input.name : defaultStateName(input.type),
    message: input.message ?? "",
    timestamp: now,
    details: input.details ?? {},
  };
}
