/**
 * The HTTP API's JSON shapes, shared with the web UI (ui/ imports this file for its types), so it
 * imports only the pure domain's state types. State types are "PAUSED" strings, dates ISO strings,
 * absent values null.
 */
import type { StateType } from "../domain/states.js";

export type StateTypeName = StateType;

export type JsonObjectJson = { [key: string]: unknown };

export interface StateJson {
  id: string;
  type: StateTypeName;
  name: string;
  message: string;
  timestamp: string;
  /** Who made the run enter this state ("Resumed by alice in the web UI"); null when not recorded. */
  by: StateCauseJson | null;
}

export interface StateCauseJson {
  /** The principal: the name of the caller's API key; "flowgate" for the server itself (an expired pause). */
  principal: string;
  /** "web-ui", "http-api", "cli", "sdk", "python", "go", "grpc", or "server". */
  channel: string;
}

export interface PauseJson {
  key: string;
  reschedule: boolean;
  createdAt: string;
  expiresAt: string | null;
  inputSchema: JsonObjectJson | null;
  inputDescription: string | null;
  inputInitial: JsonObjectJson | null;
  /** Who may resume it and how many must agree; null: anyone allowed to resume, one is enough. */
  approval: ApprovalPolicyJson | null;
  /** Approvals so far, oldest first. */
  approvals: ApprovalJson[];
  /** The principal whose call paused the run; null for pauses stored before it was recorded. */
  pausedBy: string | null;
  /** What the timeout does: "fail" (null means the same) or "resume" with a default input. */
  onTimeout: { action: "fail" | "resume"; remindAfterSeconds: number | null } | null;
}

export interface ApprovalPolicyJson {
  /** Principal names and "group:NAME" entries; empty: anyone allowed to resume. */
  approvers: string[];
  required: number;
  allowSelfApproval: boolean;
  links: "none" | "per_approver" | "shared";
}

export interface ApprovalJson {
  by: StateCauseJson;
  at: string;
  input: JsonObjectJson | null;
  /** Set instead of `input` when a large input of an approval that did not meet the quorum is kept only by hash. */
  inputSha256: string | null;
  linkId: string | null;
}

/** Whether the caller may decide (approve or reject) the run's pause now, and why not. */
export type MyDecisionJson =
  { allowed: true } | { allowed: false; reason: "NOT_AN_APPROVER" | "SELF_APPROVAL" | "ALREADY_APPROVED"; message: string };

/** GET /api/links/:token: what a resume link's page shows. */
export interface LinkViewJson {
  run: RunJson;
  link: { id: string; approver: string | null };
}

export interface RunJson {
  id: string;
  name: string;
  flowName: string;
  deploymentId: string | null;
  parentFlowRunId: string | null;
  parentTaskRunId: string | null;
  parameters: JsonObjectJson;
  labels: Record<string, string>;
  state: StateJson | null;
  /**
   * Only in the answer to GET /api/runs/:id: the states before `state`, oldest first (the most recent
   * 100). Lists and events leave it out; an event's `previousState` is the state its change left.
   */
  stateHistory?: StateJson[];
  /** When the run first entered RUNNING; null until then. */
  startedAt: string | null;
  version: number;
  runCount: number;
  createdAt: string;
  updatedAt: string;
  /** The pause the run is in now; null unless PAUSED. */
  pause: PauseJson | null;
  /** What the server would accept now from this caller: the run's state and the caller's scopes allow it (the UI shows only these buttons). */
  actions: { resume: boolean; reject: boolean; suspend: boolean; cancel: boolean };
  /** For the caller, while the run waits for a decision; null otherwise. */
  myDecision: MyDecisionJson | null;
  /** Only in the answer to a resume: false when it recorded an approval below the quorum. */
  resumed?: boolean;
}

export interface WatchEventJson {
  run: RunJson;
  previousState: StateJson | null;
  initial: boolean;
}

/** GET /api/runs/counts: runs matching the filters (state aside) by state type, every type present. */
export interface RunCountsJson {
  counts: Record<StateTypeName, number>;
  total: number;
}

/** One task run of a flow run (GET /api/runs/:id/task-runs). */
export interface TaskRunJson {
  id: string;
  flowRunId: string;
  name: string;
  taskKey: string;
  dynamicKey: string;
  state: StateJson | null;
  /** When it was created: the SDK creates a task run as it starts running it. */
  startedAt: string;
  /** The final state's time; null while it has not ended. */
  endedAt: string | null;
  /** Completed from a result stored under its cache key (Prefect's "Cached" state), without running. */
  cached: boolean;
  cacheKey: string | null;
  hasResult: boolean;
  /** How many times it ran (1 + retries so far). */
  runCount: number;
}

/** GET /api/runs/:id/task-runs: oldest first. */
export interface TaskRunPageJson {
  taskRuns: TaskRunJson[];
  nextPageToken: string;
}

export interface DeploymentJson {
  id: string;
  name: string;
  flowName: string;
  /** "flow-name/deployment-name", as the CLI and run_deployment name it. */
  fullName: string;
  entrypoint: string;
  /** The defaults a run's parameters are merged over. */
  parameters: JsonObjectJson;
  /** JSON Schema a run's parameters (merged over the defaults) must match; null when the flow declares none. */
  parameterSchema: JsonObjectJson | null;
  createdAt: string;
  owner: string | null;
}

/** GET /api/deployments. */
export interface DeploymentPageJson {
  deployments: DeploymentJson[];
  nextPageToken: string;
}

/** GET /api/session, and the answer to signing in (POST /api/session). */
export interface SessionJson {
  /** Who is signed in: the name of their API key ("anonymous" with authentication disabled). */
  name: string;
  keyId: string | null;
  groups: string[];
  /** The key's scopes ("runs:read", "runs:resume", "admin", …): the UI offers only what they allow. */
  scopes: string[];
  /** Send it in x-flowgate-csrf on every request that changes something; null unless signed in with the session cookie. */
  csrfToken: string | null;
  /** "session" (the cookie), "key" (an authorization header), "disabled" (FLOWGATE_AUTH=disabled: everyone may do everything). */
  authentication: "session" | "key" | "disabled";
}

export interface InputJson {
  key: string;
  value: unknown;
  /** The principal that stored it (the server's word, never the request's). */
  sender: string | null;
  /** The flow run it was sent from, when it was sent from one (where replies go). */
  senderFlowRunId: string | null;
  createdAt: string;
}

/** A state as an audit entry names it. */
export interface AuditStateJson {
  id: string;
  type: StateTypeName;
  name: string;
}

/** One entry of a run's audit trail (GET /api/runs/:id/audit): who did what to it, when, and through what. */
export interface AuditEntryJson {
  /** Its number in the whole trail (1, 2, 3, …). */
  sequence: number;
  id: string;
  /** When the call was made (ISO). */
  time: string;
  /** Who: the name of the API key the call carried ("flowgate" never appears here: the server's own changes leave no entry). */
  principal: string;
  keyId: string | null;
  /** Through what: "web-ui", "http-api", "cli", "sdk", "python", "go" or "grpc". */
  channel: string;
  /** "flowgate.v1.RunService/ResumeFlowRun" over gRPC, "POST /api/runs/:id/resume" over HTTP. */
  call: string;
  /** The pause entered or left, if any. */
  pauseKey: string | null;
  stateBefore: AuditStateJson | null;
  stateAfter: AuditStateJson | null;
  /** A resume's submitted input, when at most 4 KiB of JSON; else null and `inputSha256` is set. */
  input: JsonObjectJson | null;
  /** SHA-256 (hex) of the canonical JSON of an input too large to keep. */
  inputSha256: string | null;
  /** What else the call was about: "deployment:<id>", "task-run:<id>", "input:<key>", "claimed:<ids>". */
  subject: string | null;
  /** The client's idempotency key, and the call's x-request-id as in the server log. */
  requestId: string | null;
  callId: string | null;
}

/** GET /api/runs/:id/audit: the newest entries first. */
export interface AuditPageJson {
  entries: AuditEntryJson[];
  /** Pass as pageToken for the older entries; "" on the last page. */
  nextPageToken: string;
}

export interface FieldErrorJson {
  /** Dotted path into the input ("address.city", "items.0"); "" for the input as a whole. */
  field: string;
  description: string;
}

/** Every non-2xx answer. */
export interface ErrorJson {
  error: string;
  /** Machine-readable: a name from the contract's ErrorReason ("FLOW_RUN_NOT_FOUND", …), as gRPC's ErrorInfo. */
  reason: string;
  fieldErrors?: readonly FieldErrorJson[];
}
