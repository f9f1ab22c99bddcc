/**
 * The orchestration rules: pure decisions about what a request does to a run. Each decision either
 * throws a typed DomainError (nothing changes) or returns a Transition, which the store applies as
 * one conditional update guarded by the run's version. A lost race re-reads the run and decides again,
 * so concurrent resumes and timeouts resolve to exactly one winner.
 */
import { AbortedError, FailedPreconditionError, InvalidArgumentError, Messages } from "./errors.js";
import {
  currentPause,
  latestPause,
  pauseKeyset,
  type FlowRun,
  type JsonObject,
  type PauseRecord,
  type PauseStatus,
  pastState,
} from "./flow-run.js";
import { defaultStateName, isFinal, makeState, type State, type StateProposal, type StateType } from "./states.js";
import type { RunInputSchemas } from "./run-input-schema.js";
import { nextRunCount } from "./run-count.js";
import { auditedInput } from "./audit.js";
import {
  approvalsNeeded,
  assertLinkUsable,
  assertMayDecide,
  hasApproved,
  rejectionMessage,
  TIMEOUT_PRINCIPAL,
  type ApprovalPolicy,
  type ApprovalRecord,
  type Decider,
  type TimeoutPolicy,
} from "./approval.js";

export const DEFAULT_PAUSE_TIMEOUT_SECONDS = 3600;
/** Longer than any sane human wait, short enough to stay far from Date's limits. */
export const MAX_PAUSE_TIMEOUT_SECONDS = 10 * 365 * 24 * 3600;

export interface Clock {
  now: Date;
  newId: () => string;
}

/** The next version of a run, plus which pause records changed (the store writes only those). */
export interface Transition {
  run: FlowRun;
  changedPauseKeys: string[];
}

export interface PauseRequest {
  key?: string | undefined;
  timeoutSeconds?: number | undefined;
  noTimeout: boolean;
  reschedule: boolean;
  inputSchema?: JsonObject | undefined;
  inputDescription?: string | undefined;
  inputInitial?: JsonObject | undefined;
  approval?: ApprovalPolicy | undefined;
  onTimeout?: TimeoutPolicy | undefined;
  /** The principal making the pause: it may not approve it unless the policy allows self-approval. */
  pausedBy?: string | undefined;
}

export type PauseDecision = { kind: "already_fired"; pause: PauseRecord } | { kind: "pause"; transition: Transition; pause: PauseRecord };

/** PauseFlowRun and SuspendFlowRun (a suspend is a pause with reschedule). */
export function decidePause(run: FlowRun, req: PauseRequest, clock: Clock): PauseDecision {
  if (!run.state) throw new FailedPreconditionError("TRANSITION_REFUSED", Messages.pauseNoState);
  if (req.reschedule) assertSuspendable(run);
  if (run.state.type !== "RUNNING") {
    if (req.reschedule && isInProcessPause(run)) return convertToSuspend(run, req, clock);
    throw new FailedPreconditionError("TRANSITION_REFUSED", Messages.pauseNotRunning);
  }
  const key = req.key ?? nextPauseKey(run);
  const fired = run.pauses[key];
  if (fired) return { kind: "already_fired", pause: fired };

  const pause: PauseRecord = {
    key,
    reschedule: req.reschedule,
    createdAt: clock.now,
    status: "pending",
    instanceId: clock.newId(),
    ...(req.pausedBy !== undefined ? { pausedBy: req.pausedBy } : {}),
    ...optionalExpiry(req, clock.now),
    ...(req.inputSchema ? { inputSchema: req.inputSchema } : {}),
    ...(req.inputDescription ? { inputDescription: req.inputDescription } : {}),
    ...(req.inputInitial ? { inputInitial: req.inputInitial } : {}),
    ...(req.approval ? { approval: req.approval, approvals: [] } : {}),
    ...(req.onTimeout ? { onTimeout: req.onTimeout } : {}),
  };
  assertReminderBeforeExpiry(pause);
  const state = pausedState(run, pause, clock);
  const next = transition(run, clock, { state, pauses: [pause] });
  next.run.pauseCount = pauseCountOf(run) + 1;
  return { kind: "pause", pause, transition: next };
}

/** Timeout fields: unset means the default, `noTimeout` means never; both at once is a mistake. */
function optionalExpiry(req: Pick<PauseRequest, "timeoutSeconds" | "noTimeout">, now: Date): { expiresAt?: Date } {
  if (req.noTimeout) {
    if (req.timeoutSeconds !== undefined) {
      throw new InvalidArgumentError("Set either timeout_seconds or no_timeout, not both.", [
        { field: "timeout_seconds", description: "must be unset when no_timeout is true" },
      ]);
    }
    return {};
  }
  const seconds = req.timeoutSeconds ?? DEFAULT_PAUSE_TIMEOUT_SECONDS;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_PAUSE_TIMEOUT_SECONDS) {
    throw new InvalidArgumentError(`timeout_seconds must be between 1 and ${MAX_PAUSE_TIMEOUT_SECONDS}.`, [
      { field: "timeout_seconds", description: `must be between 1 and ${MAX_PAUSE_TIMEOUT_SECONDS}` },
    ]);
  }
  return { expiresAt: new Date(now.getTime() + seconds * 1000) };
}

/** A reminder due after the expiry would never be sent: refuse it rather than drop it silently. */
function assertReminderBeforeExpiry(pause: PauseRecord): void {
  const remind = pause.onTimeout?.remindAfterSeconds;
  if (remind === undefined) return;
  if (pause.expiresAt && pause.createdAt.getTime() + remind * 1000 >= pause.expiresAt.getTime()) {
    throw new InvalidArgumentError("on_timeout.remind_after_seconds must be shorter than the pause's timeout.", [
      { field: "on_timeout.remind_after_seconds", description: "must be shorter than timeout_seconds" },
    ]);
  }
}

function assertSuspendable(run: FlowRun): void {
  if (run.parentTaskRunId) throw new FailedPreconditionError("TRANSITION_REFUSED", Messages.suspendSubflow);
  if (!run.deploymentId) throw new FailedPreconditionError("TRANSITION_REFUSED", Messages.suspendNoDeployment);
}

function isInProcessPause(run: FlowRun): boolean {
  const pause = currentPause(run);
  return pause !== undefined && !pause.reschedule && pause.status === "pending";
}

/**
 * Suspending a run that waits in an in-process pause turns that same pause into a suspend, so the
 * re-executed flow meets the same key and gets its input; the waiting process is told SUSPENDED.
 */
function convertToSuspend(run: FlowRun, req: PauseRequest, clock: Clock): PauseDecision {
  const current = currentPause(run)!;
  const pause: PauseRecord = {
    ...current,
    reschedule: true,
    suspendedWhileWaiting: true,
    ...optionalExpiry(req, clock.now),
    // The same pause instance goes on waiting (its links stay good); a policy given now replaces its own.
    ...(req.approval ? { approval: req.approval, approvals: current.approvals ?? [] } : {}),
    ...(req.onTimeout ? { onTimeout: req.onTimeout } : {}),
  };
  if (req.noTimeout) delete pause.expiresAt;
  const state = pausedState(run, pause, clock);
  return { kind: "pause", pause, transition: transition(run, clock, { state, pauses: [pause] }) };
}

function pausedState(run: FlowRun, pause: PauseRecord, clock: Clock): State {
  return makeState(
    {
      type: "PAUSED",
      name: pause.reschedule ? "Suspended" : "Paused",
      details: {
        pauseKey: pause.key,
        pauseReschedule: pause.reschedule,
        ...(pause.expiresAt ? { pauseExpiresAt: pause.expiresAt } : {}),
        ...(pause.inputSchema ? { runInputKeyset: pauseKeyset(pause) } : {}),
        ...(run.deploymentId ? { deploymentId: run.deploymentId } : {}),
      },
    },
    clock.newId(),
    clock.now,
  );
}

/**
 * Keys default to "1", "2", … per run, like the SDK's counter. Ended pauses may have left the run
 * document (see FlowRun.pauses), so the count is kept with the run.
 */
export function nextPauseKey(run: FlowRun): string {
  let n = pauseCountOf(run) + 1;
  while (run.pauses[String(n)]) n++;
  return String(n);
}

/** Whether some of the run's ended pauses have left its document for the archive (see keepCurrentPauses). */
export function hasArchivedPauses(run: FlowRun): boolean {
  return pauseCountOf(run) > Object.keys(run.pauses).length;
}

/** Runs stored before the count was kept hold all their pauses in the document. */
function pauseCountOf(run: FlowRun): number {
  return run.pauseCount ?? Object.keys(run.pauses).length;
}

/**
 * The pause expired before the call came: the run fails (the transition is stored, as the sweeper
 * would), and the caller still gets `error` (PAUSE_TIMED_OUT), not the failed run.
 */
export interface ExpiredDecision {
  kind: "expired";
  transition: Transition;
  error: FailedPreconditionError;
}

export type ResumeDecision =
  | { kind: "resume"; transition: Transition; pause: PauseRecord }
  /** An approval below the quorum: recorded, and the run stays PAUSED. */
  | { kind: "approved"; transition: Transition; pause: PauseRecord }
  | ExpiredDecision
  /** A retry of the resume that already won: report success without changing anything. */
  | { kind: "already_resumed" }
  /** The decider has approved this pause already: the same approver counts once. */
  | { kind: "already_approved" };

/**
 * The pending pause a decision (approve or reject) is about, after the checks every path shares: a
 * link is good for its own pause instance and once; the pause has not expired; the decider may decide.
 */
type DecisionTarget = { kind: "pending"; pause: PauseRecord } | ExpiredDecision;

function decisionTarget(run: FlowRun, decider: Decider, clock: Clock): DecisionTarget {
  const pause = currentPause(run);
  if (decider.link) assertLinkUsable(pause, decider.link);
  if (!pause || pause.status !== "pending") {
    const latest = latestPause(run);
    if (run.state?.type === "FAILED" && latest?.status === "timed_out") {
      throw new FailedPreconditionError("PAUSE_TIMED_OUT", Messages.resumeTimedOut);
    }
    throw new FailedPreconditionError("NOT_PAUSED", Messages.resumeNotPaused);
  }
  if (isExpired(pause, clock.now)) return expired(run, pause, clock);
  assertMayDecide(pause, decider);
  return { kind: "pending", pause };
}

export function decideResume(
  run: FlowRun,
  input: JsonObject | undefined,
  requestId: string | undefined,
  schemas: RunInputSchemas,
  clock: Clock,
  decider: Decider,
): ResumeDecision {
  if (requestId) {
    const latest = latestPause(run);
    if (latest?.status === "resumed" && latest.resumeRequestId === requestId) return { kind: "already_resumed" };
  }
  const target = decisionTarget(run, decider, clock);
  if (target.kind === "expired") return target;
  const { pause } = target;
  if (hasApproved(pause, decider.principal)) return { kind: "already_approved" };

  // Validation comes before any change: an invalid input leaves the run exactly as it was.
  const runInput = pause.inputSchema ? schemas.validate(pause.inputSchema, input) : input;
  const approval: ApprovalRecord = {
    principal: decider.principal,
    channel: decider.channel,
    at: clock.now,
    ...(runInput ? { input: runInput } : {}),
    ...(decider.link ? { linkId: decider.link.id } : {}),
  };
  const approvals = [...(pause.approvals ?? []), approval];
  const usedLinkIds = decider.link ? [...(pause.usedLinkIds ?? []), decider.link.id] : pause.usedLinkIds;
  const approved: PauseRecord = { ...pause, approvals, ...(usedLinkIds ? { usedLinkIds } : {}) };
  if (approvals.length < approvalsNeeded(pause)) {
    // Up to 19 approvals wait for the quorum in the run's record: a large input of one of them is kept
    // by hash (as the audit trail keeps it), so the record stays far below the store's document limit.
    const { input: _whole, ...rest } = approval;
    const kept: ApprovalRecord = { ...rest, ...auditedInput(runInput) };
    const recorded: PauseRecord = { ...approved, approvals: [...(pause.approvals ?? []), kept] };
    return { kind: "approved", pause: recorded, transition: transition(run, clock, { pauses: [recorded] }) };
  }
  return resumeWith(run, approved, runInput, requestId, clock);
}

/** The pause ends resumed: the run goes on (in-process) or is scheduled again (suspend). */
function resumeWith(
  run: FlowRun,
  pause: PauseRecord,
  runInput: JsonObject | undefined,
  requestId: string | undefined,
  clock: Clock,
): { kind: "resume"; transition: Transition; pause: PauseRecord } {
  const resolved: PauseRecord = {
    ...resolve(pause, "resumed", clock.now),
    ...(runInput ? { runInput } : {}),
    ...(requestId ? { resumeRequestId: requestId } : {}),
  };
  const state = pause.reschedule
    ? makeState({ type: "SCHEDULED", name: "Resuming", details: deploymentDetails(run) }, clock.newId(), clock.now)
    : makeState({ type: "RUNNING", details: deploymentDetails(run) }, clock.newId(), clock.now);
  return {
    kind: "resume",
    pause: resolved,
    transition: transition(run, clock, { state, pauses: [resolved], resuming: pause.reschedule }),
  };
}

export type RejectDecision = { kind: "reject"; transition: Transition; pause: PauseRecord } | ExpiredDecision;

/**
 * RejectFlowRun: one reject ends the pause whatever the quorum. An in-process pause's run goes on
 * RUNNING (its waiter is told REJECTED and the flow decides what follows); a suspended run has no
 * process to tell, so it fails and is never re-executed.
 */
export function decideReject(run: FlowRun, reason: string, clock: Clock, decider: Decider): RejectDecision {
  const target = decisionTarget(run, decider, clock);
  if (target.kind === "expired") return target;
  const { pause } = target;
  const rejection = {
    principal: decider.principal,
    channel: decider.channel,
    at: clock.now,
    reason,
    ...(decider.link ? { linkId: decider.link.id } : {}),
  };
  const usedLinkIds = decider.link ? [...(pause.usedLinkIds ?? []), decider.link.id] : pause.usedLinkIds;
  const rejected: PauseRecord = { ...resolve(pause, "rejected", clock.now), rejection, ...(usedLinkIds ? { usedLinkIds } : {}) };
  const message = rejectionMessage(rejection);
  const state = pause.reschedule
    ? makeState({ type: "FAILED", message, details: deploymentDetails(run) }, clock.newId(), clock.now)
    : makeState({ type: "RUNNING", message, details: deploymentDetails(run) }, clock.newId(), clock.now);
  return { kind: "reject", pause: rejected, transition: transition(run, clock, { state, pauses: [rejected] }) };
}

export function isExpired(pause: PauseRecord, now: Date): boolean {
  return pause.expiresAt !== undefined && pause.expiresAt.getTime() <= now.getTime();
}

/** The sweeper's decision: undefined when the pause is no longer pending or not yet due. */
export function decideExpire(run: FlowRun, key: string, clock: Clock): Transition | undefined {
  const pause = currentPause(run);
  if (!pause || pause.key !== key || pause.status !== "pending" || !isExpired(pause, clock.now)) return undefined;
  return expireTransition(run, pause, clock);
}

function expired(run: FlowRun, pause: PauseRecord, clock: Clock): ExpiredDecision {
  return {
    kind: "expired",
    transition: expireTransition(run, pause, clock),
    error: new FailedPreconditionError("PAUSE_TIMED_OUT", Messages.resumeTimedOut),
  };
}

/**
 * What the pause's timeout does: fail the run (the default, as Prefect), or resume it with the
 * policy's input as if approved by "timeout".
 */
function expireTransition(run: FlowRun, pause: PauseRecord, clock: Clock): Transition {
  if (pause.onTimeout?.action === "resume") {
    const input = pause.onTimeout.input;
    const approval: ApprovalRecord = { principal: TIMEOUT_PRINCIPAL, channel: "server", at: clock.now, ...(input ? { input } : {}) };
    return resumeWith(run, { ...pause, approvals: [...(pause.approvals ?? []), approval] }, input, undefined, clock).transition;
  }
  const state = makeState({ type: "FAILED", message: Messages.pauseExpired, details: deploymentDetails(run) }, clock.newId(), clock.now);
  return transition(run, clock, { state, pauses: [resolve(pause, "timed_out", clock.now)] });
}

/** What a person may ask of a run now; what the UI offers. Each flag is true exactly when its decide* accepts. */
export interface AvailableActions {
  resume: boolean;
  suspend: boolean;
  cancel: boolean;
}

export function availableActions(run: FlowRun): AvailableActions {
  const type = run.state?.type;
  const pending = currentPause(run)?.status === "pending";
  return {
    resume: type === "PAUSED" && pending,
    suspend: !run.parentTaskRunId && !!run.deploymentId && (type === "RUNNING" || (type === "PAUSED" && isInProcessPause(run))),
    cancel: !(type && isFinal(type)) && type !== "CANCELLING",
  };
}

/** CancelFlowRun: a run with no process to stop is cancelled at once; a running one is asked to stop. */
export function decideCancel(run: FlowRun, clock: Clock): Transition | undefined {
  const type = run.state?.type;
  if (type && isFinal(type)) {
    throw new FailedPreconditionError("ALREADY_FINAL", `Cannot cancel a flow run that is already in a final state (${run.state!.name}).`);
  }
  if (type === "CANCELLING") return undefined;
  if (type === "RUNNING") {
    return transition(run, clock, { state: makeState({ type: "CANCELLING", details: deploymentDetails(run) }, clock.newId(), clock.now) });
  }
  const pause = currentPause(run);
  const state = makeState({ type: "CANCELLED", details: deploymentDetails(run) }, clock.newId(), clock.now);
  return transition(run, clock, { state, pauses: pause ? [resolve(pause, "cancelled", clock.now)] : [] });
}

const ALLOWED: Record<StateType, ReadonlySet<StateType>> = {
  SCHEDULED: new Set(["SCHEDULED", "PENDING", "RUNNING", "CANCELLED", "FAILED", "CRASHED"]),
  PENDING: new Set(["SCHEDULED", "RUNNING", "CANCELLED", "CANCELLING", "FAILED", "CRASHED"]),
  RUNNING: new Set(["SCHEDULED", "COMPLETED", "FAILED", "CANCELLED", "CANCELLING", "CRASHED"]),
  PAUSED: new Set(["RUNNING", "SCHEDULED", "COMPLETED", "FAILED", "CANCELLED", "CRASHED"]),
  CANCELLING: new Set(["CANCELLED", "COMPLETED", "FAILED", "CRASHED"]),
  COMPLETED: new Set(),
  FAILED: new Set(),
  CANCELLED: new Set(),
  CRASHED: new Set(),
};

export type SetStateDecision = { kind: "set"; transition: Transition } | ExpiredDecision;

/** SetFlowRunState: a client proposes, the rules accept or refuse. */
export function decideSetState(run: FlowRun, proposal: StateProposal, expectedVersion: number | undefined, clock: Clock): SetStateDecision {
  if (expectedVersion !== undefined && expectedVersion !== run.version) {
    throw new AbortedError(
      "VERSION_CONFLICT",
      `The flow run is at version ${run.version}, not ${expectedVersion}; read it again and retry.`,
    );
  }
  if (proposal.type === "PAUSED") {
    throw new FailedPreconditionError("TRANSITION_REFUSED", "Use PauseFlowRun or SuspendFlowRun to pause a flow run.");
  }
  const current = run.state;
  const pauses: PauseRecord[] = [];
  let resuming = run.resuming;
  if (current) {
    if (isFinal(current.type)) {
      throw new FailedPreconditionError(
        "ALREADY_FINAL",
        `The flow run is already in a final state (${current.name}); its state cannot change.`,
      );
    }
    if (!ALLOWED[current.type].has(proposal.type)) {
      throw new FailedPreconditionError(
        "TRANSITION_REFUSED",
        current.type === "PAUSED"
          ? "A paused flow run can only move to RUNNING, SCHEDULED or a final state."
          : `Cannot move a flow run from ${current.type} to ${proposal.type}.`,
      );
    }
    const pause = currentPause(run);
    if (pause && pause.status === "pending") {
      if (isExpired(pause, clock.now)) return expired(run, pause, clock);
      if (proposal.type === "RUNNING" || proposal.type === "SCHEDULED") {
        if (pause.approval) {
          throw new FailedPreconditionError(
            "TRANSITION_REFUSED",
            "This pause has an approval policy: it is resumed by its approvers through ResumeFlowRun.",
          );
        }
        if (pause.inputSchema) {
          throw new FailedPreconditionError("TRANSITION_REFUSED", "This pause awaits input: resume it with ResumeFlowRun.");
        }
        pauses.push(resolve(pause, "resumed", clock.now));
        if (proposal.type === "SCHEDULED") resuming = true;
      } else {
        pauses.push(resolve(pause, proposal.type === "CANCELLED" ? "cancelled" : "ended", clock.now));
      }
    }
  }
  const state = makeState(
    { type: proposal.type, name: proposal.name, message: proposal.message, details: deploymentDetails(run) },
    clock.newId(),
    clock.now,
  );
  // Leaving a pause, or re-entering RUNNING after the resume of a suspend, continues the same run.
  const continuing = current?.type === "PAUSED" || resuming;
  return {
    kind: "set",
    transition: transition(run, clock, {
      state,
      pauses,
      resuming: proposal.type === "RUNNING" ? false : resuming,
      runCount: nextRunCount(run.runCount, proposal.type, continuing),
    }),
  };
}

/**
 * A runner's claim of a scheduled run: SCHEDULED becomes PENDING, once. Undefined when the run is no
 * longer SCHEDULED (another runner claimed it, or it was cancelled): there is nothing to claim.
 */
export function decideClaim(run: FlowRun, runnerId: string, clock: Clock): Transition | undefined {
  if (run.state?.type !== "SCHEDULED") return undefined;
  const d = decideSetState(run, { type: "PENDING", message: runnerId ? `Claimed by runner ${runnerId}.` : "" }, undefined, clock);
  return d.kind === "set" ? d.transition : undefined;
}

/**
 * An ended pause keeps what later answers need (key, outcome, input) and drops its schema, description
 * and initial values: a flow that pauses in a loop must not grow its run without bound, and the
 * schema history stays readable in the flow-run inputs ("paused-{key}-schema").
 */
function resolve(pause: PauseRecord, status: PauseStatus, now: Date): PauseRecord {
  const { inputSchema: _schema, inputDescription: _description, inputInitial: _initial, onTimeout, ...kept } = pause;
  // The timeout's default input is spent once the pause ends; its action stays for the record.
  const timeout = onTimeout ? { onTimeout: { action: onTimeout.action } } : {};
  return { ...kept, ...timeout, status, resolvedAt: now };
}

function deploymentDetails(run: FlowRun): State["details"] {
  return run.deploymentId ? { deploymentId: run.deploymentId } : {};
}

interface TransitionParts {
  /** Absent: the run keeps its state (an approval below the quorum changes only the pause). */
  state?: State;
  pauses?: PauseRecord[];
  resuming?: boolean;
  runCount?: number;
}

function transition(run: FlowRun, clock: Clock, parts: TransitionParts): Transition {
  const merged = { ...run.pauses };
  for (const p of parts.pauses ?? []) merged[p.key] = p;
  const { kept: pauses, evicted } = keepCurrentPauses(merged);
  const { evictedPauses: _previousEvictions, leftState: _previousLeft, ...base } = run;
  const state = parts.state ?? run.state;
  const startedAt = run.startedAt ?? (state?.type === "RUNNING" ? state.timestamp : undefined);
  return {
    run: {
      ...base,
      ...(evicted.length > 0 ? { evictedPauses: evicted } : {}),
      ...(state ? { state } : {}),
      ...(parts.state && run.state ? { leftState: pastState(run.state) } : {}),
      ...(startedAt ? { startedAt } : {}),
      pauses,
      resuming: parts.resuming ?? run.resuming,
      runCount: parts.runCount ?? run.runCount,
      version: run.version + 1,
      updatedAt: clock.now,
    },
    changedPauseKeys: (parts.pauses ?? []).map((p) => p.key),
  };
}

/**
 * What stays in the run document: pending pauses, or, while none is pending, the most recently ended
 * one. The rest leave it (see FlowRun.evictedPauses): a flow that pauses a thousand times must not
 * carry a thousand pauses in every read and write of its run. The ended pause leaves when the next one
 * begins, not when that one ends: its archiving must land before the change does, and a pause already
 * waits for its own preparations (schema, links), while a resume would wait one store round trip more.
 */
export function keepCurrentPauses(pauses: Record<string, PauseRecord>): { kept: Record<string, PauseRecord>; evicted: PauseRecord[] } {
  const all = Object.values(pauses);
  const ended = all.some((p) => p.status === "pending") ? [] : all;
  let latest: PauseRecord | undefined;
  for (const p of ended) if (!latest || endedAt(p) >= endedAt(latest)) latest = p;
  const kept: Record<string, PauseRecord> = {};
  const evicted: PauseRecord[] = [];
  for (const [key, p] of Object.entries(pauses)) {
    if (p.status === "pending" || p === latest) kept[key] = p;
    else evicted.push(p);
  }
  return { kept, evicted };
}

function endedAt(p: PauseRecord): number {
  return (p.resolvedAt ?? p.createdAt).getTime();
}

/** The state name a proposal gets when it has none (exported for transports that echo it). */
export { defaultStateName };
