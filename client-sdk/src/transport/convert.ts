/** Generated protobuf messages ↔ the SDK's public types. The only file that knows both shapes. */
import * as pb from "@flowgate/contract/flowgate/v1/types.js";
import {
  WaitEventType as PbWaitEventType,
  type ResumeLinkInfo as PbResumeLinkInfo,
  type WaitForResumeResponse,
} from "@flowgate/contract/flowgate/v1/run_service.js";
import type * as keyPb from "@flowgate/contract/flowgate/v1/key_service.js";
import type * as auditPb from "@flowgate/contract/flowgate/v1/audit_service.js";
import type {
  Actor,
  ApiKey,
  Approval,
  ApprovalPolicy,
  AuditChainVerdict,
  AuditEvent,
  AuditState,
  Caller,
  Deployment,
  FlowRun,
  FlowRunEvent,
  FlowRunInput,
  JsonObject,
  JsonValue,
  Pause,
  PauseApprovalPolicy,
  PauseTimeoutPolicy,
  Rejection,
  ResumeLink,
  ResumeLinkInfo,
  ResumeLinkMode,
  RunState,
  StateType,
  TaskRun,
  WaitEvent,
  WaitEventType,
} from "../types.js";

const STATE_TYPES: Record<StateType, pb.StateType> = {
  SCHEDULED: pb.StateType.STATE_TYPE_SCHEDULED,
  PENDING: pb.StateType.STATE_TYPE_PENDING,
  RUNNING: pb.StateType.STATE_TYPE_RUNNING,
  PAUSED: pb.StateType.STATE_TYPE_PAUSED,
  COMPLETED: pb.StateType.STATE_TYPE_COMPLETED,
  FAILED: pb.StateType.STATE_TYPE_FAILED,
  CANCELLED: pb.StateType.STATE_TYPE_CANCELLED,
  CRASHED: pb.StateType.STATE_TYPE_CRASHED,
  CANCELLING: pb.StateType.STATE_TYPE_CANCELLING,
};

const FROM_PB = new Map<pb.StateType, StateType>(Object.entries(STATE_TYPES).map(([k, v]) => [v, k as StateType]));

export function toPbStateType(type: StateType): pb.StateType {
  return STATE_TYPES[type];
}

function stateType(type: pb.StateType): StateType {
  const t = FROM_PB.get(type);
  if (!t) throw new Error(`The server sent an unknown state type ${type}.`);
  return t;
}

/** Struct fields arrive from ts-proto as plain objects; they hold JSON by construction. */
function jsonObject(value: { [key: string]: unknown } | undefined): JsonObject | undefined {
  return value as JsonObject | undefined;
}

export function toState(s: pb.State | undefined): RunState | undefined {
  if (!s) return undefined;
  return {
    id: s.id,
    type: stateType(s.type),
    name: s.name,
    message: s.message,
    timestamp: s.timestamp,
    details: s.details && {
      pauseKey: s.details.pauseKey,
      pauseExpiresAt: s.details.pauseExpiresAt,
      pauseReschedule: s.details.pauseReschedule,
      runInputKeyset: s.details.runInputKeyset,
      deploymentId: s.details.deploymentId,
    },
  };
}

const LINK_MODES: Record<ResumeLinkMode, pb.ResumeLinks> = {
  "per-approver": pb.ResumeLinks.RESUME_LINKS_PER_APPROVER,
  shared: pb.ResumeLinks.RESUME_LINKS_SHARED,
};

function linkMode(links: pb.ResumeLinks): ResumeLinkMode | undefined {
  if (links === pb.ResumeLinks.RESUME_LINKS_PER_APPROVER) return "per-approver";
  if (links === pb.ResumeLinks.RESUME_LINKS_SHARED) return "shared";
  return undefined;
}

export function toPbApprovalPolicy(a: ApprovalPolicy): pb.ApprovalPolicy {
  return {
    approvers: [...a.approvers],
    // 0 is "unset" on the wire: the server's default (1).
    required: a.required ?? 0,
    allowSelfApproval: a.allowSelfApproval ?? false,
    links: a.links === undefined ? pb.ResumeLinks.RESUME_LINKS_UNSPECIFIED : LINK_MODES[a.links],
  };
}

/** The wire form of a timeout policy whose input is already a run input (`{ value }` for primitives). */
export function toPbTimeoutPolicy(t: {
  action?: "fail" | "resume" | undefined;
  input?: JsonObject | undefined;
  remindAfterSeconds?: number | undefined;
}): pb.TimeoutPolicy {
  return {
    action: t.action === "resume" ? pb.TimeoutAction.TIMEOUT_ACTION_RESUME : pb.TimeoutAction.TIMEOUT_ACTION_FAIL,
    input: t.input,
    remindAfterSeconds: t.remindAfterSeconds ?? 0,
  };
}

function toActor(a: pb.Actor | undefined): Actor {
  return { principal: a?.principal ?? "", channel: a?.channel ?? "" };
}

function toApproval(a: pb.Approval): Approval {
  return { by: toActor(a.by), at: a.at, input: jsonObject(a.input), linkId: a.linkId };
}

function toRejection(r: pb.Rejection | undefined): Rejection | undefined {
  return r && { by: toActor(r.by), at: r.at, reason: r.reason, linkId: r.linkId };
}

function toApprovalPolicy(a: pb.ApprovalPolicy | undefined): PauseApprovalPolicy | undefined {
  return (
    a && {
      approvers: [...a.approvers],
      required: a.required || 1,
      allowSelfApproval: a.allowSelfApproval,
      links: linkMode(a.links),
    }
  );
}

function toTimeoutPolicy(t: pb.TimeoutPolicy | undefined): PauseTimeoutPolicy | undefined {
  return (
    t && {
      action: t.action === pb.TimeoutAction.TIMEOUT_ACTION_RESUME ? "resume" : "fail",
      input: jsonObject(t.input),
      remindAfterSeconds: t.remindAfterSeconds || undefined,
    }
  );
}

function toPause(p: pb.Pause | undefined): Pause | undefined {
  if (!p) return undefined;
  return {
    key: p.key,
    reschedule: p.reschedule,
    expiresAt: p.expiresAt,
    inputSchema: jsonObject(p.inputSchema),
    inputDescription: p.inputDescription,
    inputInitial: jsonObject(p.inputInitial),
    createdAt: p.createdAt,
    approval: toApprovalPolicy(p.approval),
    approvals: p.approvals.map(toApproval),
    pausedBy: p.pausedBy,
    instanceId: p.instanceId,
    onTimeout: toTimeoutPolicy(p.onTimeout),
  };
}

export function toResumeLink(l: pb.ResumeLink): ResumeLink {
  return { id: l.id, approver: l.approver, url: l.url, token: l.token };
}

export function toResumeLinkInfo(l: PbResumeLinkInfo | undefined): ResumeLinkInfo {
  if (!l) throw new Error("The server sent a response without its resume link.");
  return {
    id: l.id,
    flowRunId: l.flowRunId,
    pauseKey: l.pauseKey,
    pauseInstanceId: l.pauseInstanceId,
    approver: l.approver,
    createdAt: l.createdAt,
    usedAt: l.usedAt,
    revokedAt: l.revokedAt,
  };
}

export function toFlowRun(r: pb.FlowRun | undefined): FlowRun {
  if (!r) throw new Error("The server sent a response without its flow run.");
  return {
    id: r.id,
    name: r.name,
    flowName: r.flowName,
    deploymentId: r.deploymentId,
    parentFlowRunId: r.parentFlowRunId,
    parentTaskRunId: r.parentTaskRunId,
    parameters: jsonObject(r.parameters) ?? {},
    state: toState(r.state),
    version: r.version,
    runCount: r.runCount,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    pause: toPause(r.pause),
    labels: { ...r.labels },
  };
}

export function toTaskRun(t: pb.TaskRun | undefined): TaskRun {
  if (!t) throw new Error("The server sent a response without its task run.");
  return {
    id: t.id,
    flowRunId: t.flowRunId,
    taskKey: t.taskKey,
    dynamicKey: t.dynamicKey,
    name: t.name,
    cacheKey: t.cacheKey,
    state: toState(t.state),
    result: t.result as JsonValue | undefined,
    hasResult: t.hasResult,
    runCount: t.runCount,
  };
}

export function toFlowRunEvent(e: pb.FlowRunEvent | undefined): FlowRunEvent {
  if (!e) throw new Error("The server sent a watch message without its event.");
  return { flowRun: toFlowRun(e.flowRun), previousState: toState(e.previousState), initial: e.initial };
}

export function toFlowRunInput(i: pb.FlowRunInput | undefined): FlowRunInput {
  if (!i) throw new Error("The server sent a response without its input.");
  return {
    flowRunId: i.flowRunId,
    key: i.key,
    value: (i.value ?? null) as JsonValue,
    sender: i.sender,
    senderFlowRunId: i.senderFlowRunId,
    createdAt: i.createdAt,
  };
}

export function toDeployment(d: pb.Deployment | undefined): Deployment {
  if (!d) throw new Error("The server sent a response without its deployment.");
  return {
    id: d.id,
    name: d.name,
    flowName: d.flowName,
    entrypoint: d.entrypoint,
    parameters: jsonObject(d.parameters) ?? {},
    parameterSchema: jsonObject(d.parameterSchema),
    createdAt: d.createdAt,
  };
}

const WAIT_TYPES = new Map<PbWaitEventType, WaitEventType>([
  [PbWaitEventType.WAIT_EVENT_TYPE_HEARTBEAT, "HEARTBEAT"],
  [PbWaitEventType.WAIT_EVENT_TYPE_RESUMED, "RESUMED"],
  [PbWaitEventType.WAIT_EVENT_TYPE_TIMED_OUT, "TIMED_OUT"],
  [PbWaitEventType.WAIT_EVENT_TYPE_CANCELLED, "CANCELLED"],
  [PbWaitEventType.WAIT_EVENT_TYPE_SUSPENDED, "SUSPENDED"],
  [PbWaitEventType.WAIT_EVENT_TYPE_REJECTED, "REJECTED"],
]);

export function toWaitEvent(m: WaitForResumeResponse): WaitEvent {
  const type = WAIT_TYPES.get(m.type);
  if (!type) throw new Error(`The server sent an unknown wait event type ${m.type}.`);
  return {
    type,
    key: m.key,
    runInput: jsonObject(m.runInput),
    flowRun: m.flowRun && toFlowRun(m.flowRun),
    sentAt: m.sentAt,
    approvals: m.approvals.map(toApproval),
    rejection: toRejection(m.rejection),
  };
}

export function toApiKey(k: keyPb.ApiKey | undefined): ApiKey {
  if (!k) throw new Error("The server sent a response without its API key.");
  return {
    id: k.id,
    name: k.name,
    groups: [...k.groups],
    scopes: [...k.scopes],
    createdAt: k.createdAt,
    expiresAt: k.expiresAt,
    revokedAt: k.revokedAt,
    createdBy: k.createdBy,
  };
}

export function toCaller(c: keyPb.GetCallerResponse): Caller {
  return { name: c.name, keyId: c.keyId, groups: [...c.groups], scopes: [...c.scopes] };
}

function toAuditState(s: auditPb.AuditState | undefined): AuditState | undefined {
  return s && { id: s.id, type: stateType(s.type), name: s.name };
}

export function toAuditEvent(e: auditPb.AuditEvent): AuditEvent {
  return {
    sequence: e.sequence,
    id: e.id,
    time: e.time,
    principal: e.principal,
    keyId: e.keyId,
    channel: e.channel,
    call: e.call,
    callId: e.callId,
    requestId: e.requestId,
    flowRunId: e.flowRunId,
    pauseKey: e.pauseKey,
    stateBefore: toAuditState(e.stateBefore),
    stateAfter: toAuditState(e.stateAfter),
    input: jsonObject(e.input),
    inputSha256: e.inputSha256,
    subject: e.subject,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

export function toAuditChainVerdict(v: auditPb.VerifyAuditChainResponse): AuditChainVerdict {
  return {
    intact: v.intact,
    checked: v.checked,
    broken: v.intact ? undefined : { sequence: v.brokenSequence, id: v.brokenId, problem: v.problem },
  };
}
