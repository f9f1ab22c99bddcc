/** Domain ↔ JSON for the HTTP API: state types as "PAUSED" strings, dates as ISO strings, absent as null. */
import { InvalidArgumentError } from "../domain/errors.js";
import { currentPause, type FlowRun, type JsonObject, type PastState } from "../domain/flow-run.js";
import { availableActions } from "../domain/rules.js";
import { isFinal, STATE_TYPES, type StateType } from "../domain/states.js";
import type { WatchEvent } from "../app/run-streams.js";
import type { DeploymentRecord, FlowRunInputRecord, TaskRunRecord } from "../app/ports.js";
import type { AuditEvent, AuditState } from "../domain/audit.js";
import type {
  AuditEntryJson,
  AuditStateJson,
  DeploymentJson,
  InputJson,
  MyDecisionJson,
  RunJson,
  StateJson,
  TaskRunJson,
  WatchEventJson,
} from "./api-types.js";

export function stateToJson(s: PastState): StateJson {
  return {
    id: s.id,
    type: s.type,
    name: s.name,
    message: s.message,
    timestamp: s.timestamp.toISOString(),
    by: s.by ? { principal: s.by.principal, channel: s.by.channel } : null,
  };
}

/** Which run actions the caller's scopes allow; the JSON offers an action only where the run's state allows it too. */
export interface ActionScopes {
  resume: boolean;
  suspend: boolean;
  cancel: boolean;
}

const EVERY_ACTION: ActionScopes = { resume: true, suspend: true, cancel: true };

/**
 * `myDecision` is the caller's standing on the run's pause (RunService.myDecision); when it may not
 * decide, resume and reject are not offered, as the server would refuse them.
 */
export function runToJson(run: FlowRun, allowed: ActionScopes = EVERY_ACTION, myDecision?: MyDecisionJson): RunJson {
  const pause = currentPause(run);
  const actions = availableActions(run);
  const mayDecide = myDecision === undefined || myDecision.allowed;
  return {
    id: run.id,
    name: run.name,
    flowName: run.flowName,
    deploymentId: run.deploymentId ?? null,
    parentFlowRunId: run.parentFlowRunId ?? null,
    parentTaskRunId: run.parentTaskRunId ?? null,
    parameters: run.parameters,
    labels: run.labels,
    state: run.state ? stateToJson(run.state) : null,
    startedAt: run.startedAt?.toISOString() ?? null,
    version: run.version,
    runCount: run.runCount,
    createdAt: run.createdAt.toISOString(),
    updatedAt: run.updatedAt.toISOString(),
    pause: pause
      ? {
          key: pause.key,
          reschedule: pause.reschedule,
          createdAt: pause.createdAt.toISOString(),
          expiresAt: pause.expiresAt?.toISOString() ?? null,
          inputSchema: pause.inputSchema ?? null,
          inputDescription: pause.inputDescription ?? null,
          inputInitial: pause.inputInitial ?? null,
          approval: pause.approval ? { ...pause.approval, approvers: [...pause.approval.approvers] } : null,
          approvals: (pause.approvals ?? []).map((a) => ({
            by: { principal: a.principal, channel: a.channel },
            at: a.at.toISOString(),
            input: a.input ?? null,
            inputSha256: a.inputSha256 ?? null,
            linkId: a.linkId ?? null,
          })),
          pausedBy: pause.pausedBy ?? null,
          onTimeout: pause.onTimeout
            ? { action: pause.onTimeout.action, remindAfterSeconds: pause.onTimeout.remindAfterSeconds ?? null }
            : null,
        }
      : null,
    actions: {
      resume: actions.resume && allowed.resume && mayDecide,
      reject: actions.resume && allowed.resume && mayDecide,
      suspend: actions.suspend && allowed.suspend,
      cancel: actions.cancel && allowed.cancel,
    },
    myDecision: myDecision ?? null,
  };
}

export function watchEventToJson(
  e: WatchEvent,
  allowed: ActionScopes = EVERY_ACTION,
  myDecision?: (run: FlowRun) => MyDecisionJson | undefined,
): WatchEventJson {
  return {
    run: runToJson(e.run, allowed, myDecision?.(e.run)),
    previousState: e.previousState ? stateToJson(e.previousState) : null,
    initial: e.initial,
  };
}

export function inputToJson(r: FlowRunInputRecord): InputJson {
  return {
    key: r.key,
    value: r.value,
    sender: r.sender ?? null,
    senderFlowRunId: r.senderFlowRunId ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}

export function taskRunToJson(t: TaskRunRecord): TaskRunJson {
  return {
    id: t.id,
    flowRunId: t.flowRunId,
    name: t.name,
    taskKey: t.taskKey,
    dynamicKey: t.dynamicKey,
    state: t.state ? stateToJson(t.state) : null,
    startedAt: t.createdAt.toISOString(),
    endedAt: t.state && isFinal(t.state.type) ? t.state.timestamp.toISOString() : null,
    cached: t.state?.type === "COMPLETED" && t.state.name === "Cached",
    cacheKey: t.cacheKey ?? null,
    hasResult: t.hasResult,
    runCount: t.runCount,
  };
}

export function deploymentToJson(d: DeploymentRecord): DeploymentJson {
  return {
    id: d.id,
    name: d.name,
    flowName: d.flowName,
    fullName: `${d.flowName}/${d.name}`,
    entrypoint: d.entrypoint,
    parameters: d.parameters,
    parameterSchema: d.parameterSchema ?? null,
    createdAt: d.createdAt.toISOString(),
    owner: d.owner ?? null,
  };
}

function auditStateToJson(s: AuditState | undefined): AuditStateJson | null {
  return s ? { id: s.id, type: s.type, name: s.name } : null;
}

export function auditEventToJson(e: AuditEvent): AuditEntryJson {
  return {
    sequence: e.seq,
    id: e.id,
    time: e.at.toISOString(),
    principal: e.principal,
    keyId: e.keyId ?? null,
    channel: e.channel,
    call: e.call,
    pauseKey: e.pauseKey ?? null,
    stateBefore: auditStateToJson(e.stateBefore),
    stateAfter: auditStateToJson(e.stateAfter),
    input: e.input ?? null,
    inputSha256: e.inputSha256 ?? null,
    subject: e.subject ?? null,
    requestId: e.requestId ?? null,
    callId: e.callId ?? null,
  };
}

/** "PAUSED,running" → ["PAUSED", "RUNNING"]; an unknown name is a field error on `field`. */
export function stateTypesFromQuery(text: string | null, field: string): StateType[] {
  if (!text) return [];
  return text.split(",").map((part) => {
    const name = part.trim().toUpperCase();
    const found = STATE_TYPES.find((t) => t === name);
    if (!found) {
      throw new InvalidArgumentError(`${field} has an unknown state type "${part.trim()}"; use ${STATE_TYPES.join(", ")}.`, [
        { field, description: `must be a comma-separated list of ${STATE_TYPES.join(", ")}` },
      ]);
    }
    return found;
  });
}

/** A non-negative integer query parameter; absent or empty is 0, which the services read as "default". */
export function integerFromQuery(text: string | null, field: string): number {
  if (text === null || text === "") return 0;
  if (!/^\d{1,9}$/.test(text)) {
    throw new InvalidArgumentError(`${field} must be a non-negative integer.`, [{ field, description: "must be a non-negative integer" }]);
  }
  return Number(text);
}

/** An ISO 8601 time ("2026-12-03T10:00:00Z"); absent or empty is undefined. */
export function timeFromQuery(text: string | null, field: string): Date | undefined {
  if (text === null || text === "") return undefined;
  const at = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(text) ? new Date(text) : undefined;
  if (!at || Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError(`${field} must be an ISO 8601 time, like 2026-12-03T10:00:00Z.`, [
      { field, description: "must be an ISO 8601 time" },
    ]);
  }
  return at;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
