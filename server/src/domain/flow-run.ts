import type { ApprovalPolicy, ApprovalRecord, RejectionRecord, TimeoutPolicy } from "./approval.js";
import type { State } from "./states.js";

export type JsonObject = { [key: string]: unknown };

/** How a pause ended; "pending" while it can still be resumed. */
export type PauseStatus = "pending" | "resumed" | "rejected" | "timed_out" | "cancelled" | "ended";

/**
 * One pause of a run, kept in the run itself so that entering PAUSED, the input schema and the
 * outcome change in one atomic update of one document.
 */
export interface PauseRecord {
  key: string;
  /** True for a suspend: the process ends and the run is scheduled again on resume. */
  reschedule: boolean;
  createdAt: Date;
  expiresAt?: Date;
  inputSchema?: JsonObject;
  inputDescription?: string;
  inputInitial?: JsonObject;
  status: PauseStatus;
  resolvedAt?: Date;
  runInput?: JsonObject;
  /** Set when an in-process pause was turned into a suspend: its waiting process must stop. */
  suspendedWhileWaiting?: boolean;
  /** The request id of the winning resume, so that its retry reports success. */
  resumeRequestId?: string;
  /**
   * Names this pause instance: a re-executed run that pauses on the same key again makes a new one,
   * so resume links of the earlier instance stop working. Absent on pauses stored before it existed.
   */
  instanceId?: string;
  /** The principal whose call paused the run. */
  pausedBy?: string;
  /** Who may approve and how many must; absent: anyone with runs:resume, one is enough. */
  approval?: ApprovalPolicy;
  /** Approvals so far, oldest first; the last one of a resumed pause met the quorum. */
  approvals?: ApprovalRecord[];
  /** The one reject that ended it (status "rejected"). */
  rejection?: RejectionRecord;
  /** What its timeout does; absent: the run fails. */
  onTimeout?: TimeoutPolicy;
  /** Resume links already used for a decision: each is good for one. */
  usedLinkIds?: string[];
}

export interface FlowRun {
  id: string;
  name: string;
  flowName: string;
  deploymentId?: string;
  parentFlowRunId?: string;
  parentTaskRunId?: string;
  parameters: JsonObject;
  labels: Record<string, string>;
  state?: State;
  version: number;
  runCount: number;
  /** Set by the resume of a suspend; the next RUNNING does not count as a new run. */
  resuming: boolean;
  /**
   * The pause the run waits in, if any, and the most recently ended one (what a retried resume, a late
   * waiter and an expired pause's refusal need). Older ended pauses leave the run document for the
   * store's archive of ended pauses, so a run that pauses in a loop keeps a document of constant size.
   */
  pauses: Record<string, PauseRecord>;
  /** How many pauses the run has made (the next default key is this plus one); absent on older runs. */
  pauseCount?: number;
  /**
   * Set on a transition's next run only: ended pauses that leave `pauses` with this change. The store
   * archives them before it stores the change, so an ended pause is always in one place or the other.
   */
  evictedPauses?: PauseRecord[];
  /**
   * Set on a transition's next run only: the state this change leaves. The store adds it to the run's
   * state history (a collection of its own, read by the run page's timeline) before it stores the
   * change, so the run's document and every event stay the same size however often the run changes.
   */
  leftState?: PastState;
  /** When the run first entered RUNNING (Prefect's start_time); absent until then. */
  startedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** A state the run has left, without the details only the current state needs. */
export type PastState = Pick<State, "id" | "type" | "name" | "message" | "timestamp" | "by">;

/** How many past states a run's timeline shows (the latest): enough for any timeline a person reads. */
export const STATE_HISTORY_LIMIT = 100;

/** `state` as its run's history keeps it. */
export function pastState(state: State): PastState {
  const { id, type, name, message, timestamp, by } = state;
  return { id, type, name, message, timestamp, ...(by ? { by } : {}) };
}

/** The pause the run is in, if it is PAUSED. */
export function currentPause(run: FlowRun): PauseRecord | undefined {
  if (run.state?.type !== "PAUSED") return undefined;
  const key = run.state.details.pauseKey;
  return key === undefined ? undefined : run.pauses[key];
}

/** The flow-run-input key prefix under which a pause's schema, description and response are mirrored. */
export function pauseKeyset(pause: Pick<PauseRecord, "key" | "reschedule">): string {
  return `${pause.reschedule ? "suspended" : "paused"}-${pause.key}`;
}

/** The most recently created pause, whatever its status. */
export function latestPause(run: FlowRun): PauseRecord | undefined {
  let latest: PauseRecord | undefined;
  for (const p of Object.values(run.pauses)) {
    if (!latest || p.createdAt.getTime() >= latest.createdAt.getTime()) latest = p;
  }
  return latest;
}
