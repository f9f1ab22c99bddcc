/** Domain ↔ wire conversions; the only module besides handlers that knows the generated types. */
import { InvalidArgumentError } from "../domain/errors.js";
import type {
  ApprovalPolicy as DomainPolicy,
  ApprovalRecord,
  LinkMode,
  RejectionRecord,
  TimeoutPolicy as DomainTimeout,
} from "../domain/approval.js";
import { currentPause, type FlowRun as DomainFlowRun, type JsonObject, type PauseRecord } from "../domain/flow-run.js";
import {
  STATE_TYPES,
  type State as DomainState,
  type StateProposal as DomainProposal,
  type StateType as DomainStateType,
} from "../domain/states.js";
import type { DeploymentRecord, FlowRunInputRecord, TaskRunRecord } from "../app/ports.js";
import type { WaitEvent, WatchEvent } from "../app/run-streams.js";
import type { IssuedLink } from "../app/run-change-notifier.js";
import type { ResumeLinkRecord } from "../app/ports.js";
import type { PauseInput } from "../app/run-service.js";
import type { ResumeLinkInfo } from "@flowgate/contract/flowgate/v1/run_service.js";
import {
  ResumeLinks,
  StateType,
  TimeoutAction,
  type Approval,
  type ApprovalPolicy,
  type Rejection,
  type ResumeLink,
  type TimeoutPolicy,
  type Deployment,
  type FlowRun,
  type FlowRunEvent,
  type FlowRunInput,
  type Pause,
  type State,
  type StateProposal,
  type TaskRun,
} from "@flowgate/contract/flowgate/v1/types.js";
import { WaitEventType, type WaitForResumeResponse } from "@flowgate/contract/flowgate/v1/run_service.js";

const TO_WIRE: Record<DomainStateType, StateType> = {
  SCHEDULED: StateType.STATE_TYPE_SCHEDULED,
  PENDING: StateType.STATE_TYPE_PENDING,
  RUNNING: StateType.STATE_TYPE_RUNNING,
  PAUSED: StateType.STATE_TYPE_PAUSED,
  COMPLETED: StateType.STATE_TYPE_COMPLETED,
  FAILED: StateType.STATE_TYPE_FAILED,
  CANCELLED: StateType.STATE_TYPE_CANCELLED,
  CRASHED: StateType.STATE_TYPE_CRASHED,
  CANCELLING: StateType.STATE_TYPE_CANCELLING,
};

export function stateTypeToWire(t: DomainStateType): StateType {
  return TO_WIRE[t];
}

export function stateTypeFromWire(t: StateType, field: string): DomainStateType {
  const found = STATE_TYPES.find((d) => TO_WIRE[d] === t);
  if (!found)
    throw new InvalidArgumentError(`${field} must be a known state type.`, [{ field, description: "must be a known state type" }]);
  return found;
}

export function proposalFromWire(p: StateProposal | undefined, field = "state"): DomainProposal {
  if (!p) throw new InvalidArgumentError(`${field} is required.`, [{ field, description: "is required" }]);
  return {
    type: stateTypeFromWire(p.type, `${field}.type`),
    ...(p.name ? { name: p.name } : {}),
    ...(p.message ? { message: p.message } : {}),
  };
}

export function stateToWire(s: DomainState): State {
  return {
    id: s.id,
    type: TO_WIRE[s.type],
    name: s.name,
    message: s.message,
    timestamp: s.timestamp,
    details: {
      pauseKey: s.details.pauseKey ?? "",
      pauseExpiresAt: s.details.pauseExpiresAt,
      pauseReschedule: s.details.pauseReschedule ?? false,
      runInputKeyset: s.details.runInputKeyset ?? "",
      deploymentId: s.details.deploymentId ?? "",
    },
    by: s.by ? { principal: s.by.principal, channel: s.by.channel } : undefined,
  };
}

export function flowRunToWire(run: DomainFlowRun): FlowRun {
  const pause = currentPause(run);
  const wirePause: Pause | undefined = pause
    ? {
        key: pause.key,
        reschedule: pause.reschedule,
        expiresAt: pause.expiresAt,
        inputSchema: pause.inputSchema,
        inputDescription: pause.inputDescription ?? "",
        inputInitial: pause.inputInitial,
        createdAt: pause.createdAt,
        approval: pause.approval ? policyToWire(pause.approval) : undefined,
        approvals: (pause.approvals ?? []).map(approvalToWire),
        pausedBy: pause.pausedBy ?? "",
        instanceId: pause.instanceId ?? "",
        onTimeout: pause.onTimeout ? timeoutToWire(pause.onTimeout) : undefined,
      }
    : undefined;
  return {
    id: run.id,
    name: run.name,
    flowName: run.flowName,
    deploymentId: run.deploymentId ?? "",
    parentTaskRunId: run.parentTaskRunId ?? "",
    parentFlowRunId: run.parentFlowRunId ?? "",
    parameters: run.parameters,
    state: run.state ? stateToWire(run.state) : undefined,
    version: run.version,
    runCount: run.runCount,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    pause: wirePause,
    labels: run.labels,
  };
}

export function watchEventToWire(e: WatchEvent): FlowRunEvent {
  return {
    flowRun: flowRunToWire(e.run),
    previousState: e.previousState ? stateToWire(e.previousState) : undefined,
    initial: e.initial,
  };
}

const WAIT_TYPES: Record<WaitEvent["type"], WaitEventType> = {
  HEARTBEAT: WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT,
  RESUMED: WaitEventType.WAIT_EVENT_TYPE_RESUMED,
  TIMED_OUT: WaitEventType.WAIT_EVENT_TYPE_TIMED_OUT,
  CANCELLED: WaitEventType.WAIT_EVENT_TYPE_CANCELLED,
  SUSPENDED: WaitEventType.WAIT_EVENT_TYPE_SUSPENDED,
  REJECTED: WaitEventType.WAIT_EVENT_TYPE_REJECTED,
};

export function waitEventToWire(e: WaitEvent): WaitForResumeResponse {
  return {
    type: WAIT_TYPES[e.type],
    key: e.key,
    runInput: e.runInput,
    flowRun: flowRunToWire(e.run),
    sentAt: new Date(),
    approvals: (e.approvals ?? []).map(approvalToWire),
    rejection: e.rejection ? rejectionToWire(e.rejection) : undefined,
  };
}

const LINK_MODES: Record<LinkMode, ResumeLinks> = {
  none: ResumeLinks.RESUME_LINKS_UNSPECIFIED,
  per_approver: ResumeLinks.RESUME_LINKS_PER_APPROVER,
  shared: ResumeLinks.RESUME_LINKS_SHARED,
};

export function policyToWire(p: DomainPolicy): ApprovalPolicy {
  return { approvers: p.approvers, required: p.required, allowSelfApproval: p.allowSelfApproval, links: LINK_MODES[p.links] };
}

export function policyFromWire(p: ApprovalPolicy | undefined): PauseInput["approval"] {
  if (!p) return undefined;
  const links = (Object.keys(LINK_MODES) as LinkMode[]).find((m) => LINK_MODES[m] === p.links);
  if (!links)
    throw new InvalidArgumentError("approval.links must be a known value.", [{ field: "approval.links", description: "unknown value" }]);
  return { approvers: p.approvers, required: p.required, allowSelfApproval: p.allowSelfApproval, links };
}

export function timeoutToWire(t: DomainTimeout): TimeoutPolicy {
  return {
    action: t.action === "resume" ? TimeoutAction.TIMEOUT_ACTION_RESUME : TimeoutAction.TIMEOUT_ACTION_FAIL,
    input: t.input,
    remindAfterSeconds: t.remindAfterSeconds ?? 0,
  };
}

export function timeoutFromWire(t: TimeoutPolicy | undefined): PauseInput["onTimeout"] {
  if (!t) return undefined;
  if (
    ![TimeoutAction.TIMEOUT_ACTION_UNSPECIFIED, TimeoutAction.TIMEOUT_ACTION_FAIL, TimeoutAction.TIMEOUT_ACTION_RESUME].includes(t.action)
  ) {
    throw new InvalidArgumentError("on_timeout.action must be a known value.", [
      { field: "on_timeout.action", description: "unknown value" },
    ]);
  }
  return {
    action: t.action === TimeoutAction.TIMEOUT_ACTION_RESUME ? "resume" : "fail",
    ...(t.input ? { input: t.input } : {}),
    ...(t.remindAfterSeconds ? { remindAfterSeconds: t.remindAfterSeconds } : {}),
  };
}

export function approvalToWire(a: ApprovalRecord): Approval {
  return {
    by: { principal: a.principal, channel: a.channel },
    at: a.at,
    input: a.input,
    linkId: a.linkId ?? "",
    inputSha256: a.inputSha256 ?? "",
  };
}

export function rejectionToWire(r: RejectionRecord): Rejection {
  return { by: { principal: r.principal, channel: r.channel }, at: r.at, reason: r.reason, linkId: r.linkId ?? "" };
}

export function issuedLinkToWire(l: IssuedLink): ResumeLink {
  return { id: l.id, approver: l.approver ?? "", url: l.url, token: l.token };
}

export function linkInfoToWire(l: ResumeLinkRecord): ResumeLinkInfo {
  return {
    id: l.id,
    flowRunId: l.flowRunId,
    pauseKey: l.pauseKey,
    pauseInstanceId: l.pauseInstanceId,
    approver: l.approver ?? "",
    createdAt: l.createdAt,
    usedAt: l.usedAt,
    revokedAt: l.revokedAt,
  };
}

export type { PauseRecord };

export function inputToWire(r: FlowRunInputRecord): FlowRunInput {
  return {
    flowRunId: r.flowRunId,
    key: r.key,
    value: r.value,
    sender: r.sender ?? "",
    senderFlowRunId: r.senderFlowRunId ?? "",
    createdAt: r.createdAt,
  };
}

export function taskRunToWire(t: TaskRunRecord): TaskRun {
  return {
    id: t.id,
    flowRunId: t.flowRunId,
    taskKey: t.taskKey,
    dynamicKey: t.dynamicKey,
    name: t.name,
    cacheKey: t.cacheKey ?? "",
    state: t.state ? stateToWire(t.state) : undefined,
    result: t.hasResult ? t.result : undefined,
    hasResult: t.hasResult,
    runCount: t.runCount,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

export function deploymentToWire(d: DeploymentRecord): Deployment {
  return {
    id: d.id,
    name: d.name,
    flowName: d.flowName,
    entrypoint: d.entrypoint,
    parameters: d.parameters,
    createdAt: d.createdAt,
    owner: d.owner ?? "",
    parameterSchema: d.parameterSchema,
  };
}

/** Struct fields arrive as plain objects (or undefined when unset). */
export function optionalObject(value: { [key: string]: unknown } | undefined): JsonObject | undefined {
  return value ?? undefined;
}
