/**
 * The SDK's public data types. They are hand-written on purpose: generated protobuf types stay inside
 * transport/, so a contract change shows up as a compile error in one mapping file, not in user code.
 */
import type { HeadersInit } from "./transport/interceptor.js";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The kind of a state, as in Prefect (`StateType.COMPLETED`, …). */
export const StateType = {
  SCHEDULED: "SCHEDULED",
  PENDING: "PENDING",
  RUNNING: "RUNNING",
  PAUSED: "PAUSED",
  COMPLETED: "COMPLETED",
  FAILED: "FAILED",
  CANCELLED: "CANCELLED",
  CRASHED: "CRASHED",
  CANCELLING: "CANCELLING",
} as const;
export type StateType = (typeof StateType)[keyof typeof StateType];

const FINAL: ReadonlySet<StateType> = new Set([StateType.COMPLETED, StateType.FAILED, StateType.CANCELLED, StateType.CRASHED]);

export function isFinalStateType(type: StateType): boolean {
  return FINAL.has(type);
}

/** Details some states carry; a "Suspended" state is PAUSED with `pauseReschedule`. */
export interface StateDetails {
  pauseKey: string;
  pauseExpiresAt: Date | undefined;
  pauseReschedule: boolean;
  runInputKeyset: string;
  deploymentId: string;
}

/** A state as the server records it. */
export interface RunState {
  id: string;
  type: StateType;
  name: string;
  message: string;
  timestamp: Date | undefined;
  details: StateDetails | undefined;
}

/** Who caused something: a principal (an API key's name) and the channel its call came through. */
export interface Actor {
  /** "alice"; a resume link acts as its approver ("link" for a shared link); "timeout" for a timeout policy's resume. */
  principal: string;
  /** "grpc", "http-api", "web-ui", "cli", "sdk", "python", "go", "link" or "server". */
  channel: string;
}

/** Which single-use resume links a pause hands out: one per approver named in the policy, or one for anyone. */
export type ResumeLinkMode = "per-approver" | "shared";

/**
 * Who may decide (approve or reject) a pause and how many must agree: pauseFlowRun's and
 * suspendFlowRun's `approval` option. Enforced by the server on every path (gRPC, HTTP API, web UI,
 * CLI, resume links).
 */
export interface ApprovalPolicy {
  /** Principal names ("alice") and groups ("group:finance"); empty: anyone holding runs:resume. */
  approvers: string[];
  /** How many distinct approvers must approve (default 1, at most 20). The same approver twice counts once. */
  required?: number | undefined;
  /** Default false: the principal whose key paused the run may neither approve nor reject it. */
  allowSelfApproval?: boolean | undefined;
  /**
   * Resume links to hand out: "per-approver" (one per principal in `approvers`; group entries get none)
   * or "shared" (one for anyone holding it). They reach the pausing flow through `onPaused`.
   */
  links?: ResumeLinkMode | undefined;
}

/** A pause's approval policy as the server reports it. */
export interface PauseApprovalPolicy {
  approvers: string[];
  required: number;
  allowSelfApproval: boolean;
  /** Undefined: the pause has no resume links. */
  links: ResumeLinkMode | undefined;
}

/** What a pause's timeout does, as the server reports it. */
export interface PauseTimeoutPolicy {
  /** "fail" (the default, as Prefect) or "resume" with `input`, as if approved by the principal "timeout". */
  action: "fail" | "resume";
  input: JsonObject | undefined;
  /** Seconds after the pause began at which one `reminder` webhook event is sent; undefined: none. */
  remindAfterSeconds: number | undefined;
}

/** One approver's yes. */
export interface Approval {
  by: Actor;
  at: Date | undefined;
  /** The input this approval carried (validated against the pause's schema). */
  input: JsonObject | undefined;
  /** The resume link it came through; "" when it did not. */
  linkId: string;
}

/** The one no that ended a pause. */
export interface Rejection {
  by: Actor;
  at: Date | undefined;
  reason: string;
  /** The resume link it came through; "" when it did not. */
  linkId: string;
}

/**
 * A single-use resume link, as the pause that made it returns it: the only time its token (and the URL
 * that contains it) is ever shown. Whoever holds it may approve or reject that pause once, without an
 * API key, acting as `approver`. Treat it as a secret: send it to its approver only.
 */
export interface ResumeLink {
  id: string;
  /** The principal it acts for; "" for a shared link. */
  approver: string;
  /** `<web UI>/approve/<token>`: a page showing the run with Resume and Reject, no sign-in needed. */
  url: string;
  /** For ResumeFlowRun / RejectFlowRun (`resumeToken`, `flowgate runs resume --token`). */
  token: string;
}

/** A resume link as listed (ListResumeLinks): never its token. */
export interface ResumeLinkInfo {
  id: string;
  flowRunId: string;
  pauseKey: string;
  pauseInstanceId: string;
  /** "" for a shared link. */
  approver: string;
  createdAt: Date | undefined;
  /** Set once the link was used for a decision. */
  usedAt: Date | undefined;
  revokedAt: Date | undefined;
}

/** The pause a PAUSED run is in. */
export interface Pause {
  key: string;
  reschedule: boolean;
  expiresAt: Date | undefined;
  inputSchema: JsonObject | undefined;
  inputDescription: string;
  inputInitial: JsonObject | undefined;
  createdAt: Date | undefined;
  /** Who may decide it and how many must agree; undefined: anyone holding runs:resume, one is enough. */
  approval: PauseApprovalPolicy | undefined;
  /** The approvals recorded so far (below the quorum the run stays PAUSED). */
  approvals: Approval[];
  /** The principal whose call paused the run. */
  pausedBy: string;
  /** This pause instance (a re-executed run pausing on the same key gets a new one). */
  instanceId: string;
  /** What its timeout does; undefined: fail. */
  onTimeout: PauseTimeoutPolicy | undefined;
}

export interface FlowRun {
  id: string;
  name: string;
  flowName: string;
  deploymentId: string;
  parentFlowRunId: string;
  parentTaskRunId: string;
  parameters: JsonObject;
  state: RunState | undefined;
  version: number;
  runCount: number;
  createdAt: Date | undefined;
  updatedAt: Date | undefined;
  pause: Pause | undefined;
  labels: Record<string, string>;
}

/**
 * What a resume (or approval) returns: the run as the call left it, and whether the call resumed it.
 * `resumed` is false when the pause has an approval policy whose quorum is not met yet: the approval
 * was recorded and the run is still PAUSED.
 */
export type ResumeResult = FlowRun & { resumed: boolean };

export interface TaskRun {
  id: string;
  flowRunId: string;
  taskKey: string;
  dynamicKey: string;
  name: string;
  cacheKey: string;
  state: RunState | undefined;
  /** The persisted result; meaningful only when `hasResult`. */
  result: JsonValue | undefined;
  hasResult: boolean;
  runCount: number;
}

export interface FlowRunEvent {
  flowRun: FlowRun;
  previousState: RunState | undefined;
  /** True for the first event of a watch: the current state, not a change. */
  initial: boolean;
}

export interface FlowRunInput {
  flowRunId: string;
  key: string;
  value: JsonValue;
  /** Who stored it: the principal (API key name) the server authenticated, never what the sender claimed. */
  sender: string;
  /** The flow run it was sent from (where a reply goes); "" when it was not sent from a run. */
  senderFlowRunId: string;
  createdAt: Date | undefined;
}

export interface Deployment {
  id: string;
  name: string;
  flowName: string;
  entrypoint: string;
  parameters: JsonObject;
  /** JSON Schema the parameters of its runs must match (see `flow(fn, { parameters })`); undefined when none. */
  parameterSchema: JsonObject | undefined;
  createdAt: Date | undefined;
}

/** What an API key allows (see KeyService in the contract); `admin` allows everything. */
export const SCOPES = ["runs:read", "runs:write", "runs:resume", "deployments:write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** An API key as the server shows it: never its secret. */
export interface ApiKey {
  id: string;
  /** The principal the key acts as. */
  name: string;
  groups: string[];
  /** Scope names; a newer server may send ones this SDK does not know. */
  scopes: string[];
  createdAt: Date | undefined;
  /** Undefined: never expires. */
  expiresAt: Date | undefined;
  /** Set once revoked. */
  revokedAt: Date | undefined;
  /** The principal whose key created this one ("flowgate" for the first admin key). */
  createdBy: string;
}

/** Who a call acts as: the principal of the key it carries. */
/** A run state as an audit entry names it. */
export interface AuditState {
  id: string;
  type: StateType;
  name: string;
}

/** One entry of the server's audit trail: a mutating call that succeeded. */
export interface AuditEvent {
  /** Its place in the hash chain, from 1. */
  sequence: number;
  id: string;
  time: Date | undefined;
  /** Who: the principal (API key name) and the key's id ("" with authentication disabled). */
  principal: string;
  keyId: string;
  /** Through what: "grpc", "http-api", "web-ui", "cli", "sdk", "python", "go". */
  channel: string;
  /** "flowgate.v1.RunService/ResumeFlowRun", "POST /api/runs/:id/resume", … */
  call: string;
  /** The call's x-request-id, as in the server's log. */
  callId: string;
  /** The client's request id, if it sent one. */
  requestId: string;
  /** "" when the call was not about one run. */
  flowRunId: string;
  pauseKey: string;
  stateBefore: AuditState | undefined;
  stateAfter: AuditState | undefined;
  /** A resume's input when at most 4 KiB of JSON; else only inputSha256. */
  input: JsonObject | undefined;
  inputSha256: string;
  /** What else the call was about: "deployment:<id>", "task-run:<id>", "input:<key>", "key:<id>". */
  subject: string;
  prevHash: string;
  hash: string;
}

/** VerifyAuditChain's answer: intact, or the first entry where the chain breaks. */
export interface AuditChainVerdict {
  intact: boolean;
  /** Entries found intact before the break (all of them when intact). */
  checked: number;
  broken: { sequence: number; id: string; problem: string } | undefined;
}

export interface Caller {
  name: string;
  /** Empty when the server runs with authentication disabled. */
  keyId: string;
  groups: string[];
  scopes: string[];
}

/** What a WaitForResume stream reports: heartbeats, then one final event. */
export type WaitEventType = "HEARTBEAT" | "RESUMED" | "TIMED_OUT" | "CANCELLED" | "SUSPENDED" | "REJECTED";

export interface WaitEvent {
  type: WaitEventType;
  key: string;
  runInput: JsonObject | undefined;
  flowRun: FlowRun | undefined;
  sentAt: Date | undefined;
  /** With RESUMED: every approval, in order; the last one completed the quorum. */
  approvals: Approval[];
  /** With REJECTED: who rejected, when and why. */
  rejection: Rejection | undefined;
}

/** Options every call and wait accepts. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** Deadline for a unary call, in milliseconds. */
  timeoutMs?: number | undefined;
  /** Sent as gRPC metadata with this call, after (and over) the client's own `headers`. */
  headers?: HeadersInit | undefined;
}
