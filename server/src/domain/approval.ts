/**
 * Approval rules: who may decide a pause (approve or reject), how many distinct approvers must agree,
 * and what a resume link may do. Pure: every path (gRPC, HTTP API, web UI, CLI, links) hands the same
 * Decider here, so a rule cannot hold on one path and not another.
 */
import type { Channel } from "./audit.js";
import { FailedPreconditionError, InvalidArgumentError, PermissionDeniedError, type FieldViolation } from "./errors.js";
import type { JsonObject, PauseRecord } from "./flow-run.js";

export type LinkMode = "none" | "per_approver" | "shared";

export interface ApprovalPolicy {
  /** Principal names and "group:NAME" entries; empty: anyone holding runs:resume. */
  approvers: string[];
  /** Distinct approvals needed. */
  required: number;
  allowSelfApproval: boolean;
  links: LinkMode;
}

export interface TimeoutPolicy {
  action: "fail" | "resume";
  /** With "resume": the input the run resumes with, validated when the pause was made. */
  input?: JsonObject;
  /** Seconds after the pause began at which one reminder goes out, if it still waits. */
  remindAfterSeconds?: number;
}

export interface ApprovalRecord {
  principal: string;
  channel: Channel;
  at: Date;
  /** Kept whole up to 4 KiB, and always for the approval that met the quorum (it is the run input). */
  input?: JsonObject;
  /** SHA-256 of an input too large to keep in an approval that did not meet the quorum. */
  inputSha256?: string;
  linkId?: string;
}

export interface RejectionRecord {
  principal: string;
  channel: Channel;
  at: Date;
  reason: string;
  linkId?: string;
}

/** Who is deciding: an authenticated principal, or the holder of a resume link acting for one. */
export interface Decider {
  principal: string;
  groups: readonly string[];
  channel: Channel;
  /** Set when the decision comes through a resume link. */
  link?: LinkGrant;
}

/** What a resume link, found by its token's hash, entitles its holder to. */
export interface LinkGrant {
  id: string;
  flowRunId: string;
  pauseKey: string;
  pauseInstanceId: string;
  /** The principal it acts for; undefined for a shared link. */
  approver?: string;
}

/** The principal a shared link's decisions are recorded under. */
export const SHARED_LINK_PRINCIPAL = "link";
/** The principal a timeout policy's resume is recorded under. */
export const TIMEOUT_PRINCIPAL = "timeout";

export const APPROVAL_LIMITS = {
  maxApprovers: 50,
  maxApproverLength: 200,
  maxRequired: 20,
  maxRejectReasonLength: 2000,
} as const;

const GROUP_PREFIX = "group:";
const APPROVER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;

/** A policy as the caller gave it, checked and with defaults; undefined stays undefined (no policy). */
export function normalizePolicy(
  raw: { approvers?: readonly string[]; required?: number; allowSelfApproval?: boolean; links?: LinkMode } | undefined,
): ApprovalPolicy | undefined {
  if (!raw) return undefined;
  const violations: FieldViolation[] = [];
  const approvers = [...new Set(raw.approvers ?? [])];
  if (approvers.length > APPROVAL_LIMITS.maxApprovers) {
    violations.push({ field: "approval.approvers", description: `at most ${APPROVAL_LIMITS.maxApprovers} entries` });
  }
  approvers.forEach((entry, i) => {
    const name = entry.startsWith(GROUP_PREFIX) ? entry.slice(GROUP_PREFIX.length) : entry;
    if (entry.length > APPROVAL_LIMITS.maxApproverLength || !APPROVER_NAME.test(name)) {
      violations.push({
        field: `approval.approvers.${i}`,
        description: `must be a principal name or group:NAME (letters, digits, . _ @ -; at most ${APPROVAL_LIMITS.maxApproverLength} characters)`,
      });
    }
  });
  const required = raw.required === undefined || raw.required === 0 ? 1 : raw.required;
  if (!Number.isInteger(required) || required < 1 || required > APPROVAL_LIMITS.maxRequired) {
    violations.push({ field: "approval.required", description: `must be between 1 and ${APPROVAL_LIMITS.maxRequired}` });
  }
  const names = approvers.filter((a) => !a.startsWith(GROUP_PREFIX));
  const hasGroup = approvers.some((a) => a.startsWith(GROUP_PREFIX));
  // Without groups or an open list, a quorum larger than the named approvers could never be met.
  if (approvers.length > 0 && !hasGroup && required > names.length) {
    violations.push({ field: "approval.required", description: `cannot exceed the ${names.length} named approvers` });
  }
  const links = raw.links ?? "none";
  if (links === "per_approver" && names.length === 0) {
    violations.push({ field: "approval.links", description: "per-approver links need at least one approver named by principal" });
  }
  if (violations.length > 0) throw new InvalidArgumentError(`Invalid approval policy: ${violations[0]!.description}.`, violations);
  return { approvers, required, allowSelfApproval: raw.allowSelfApproval ?? false, links };
}

/** The principals that get a link of their own. */
export function linkApprovers(policy: ApprovalPolicy | undefined): (string | undefined)[] {
  if (!policy || policy.links === "none") return [];
  if (policy.links === "shared") return [undefined];
  return policy.approvers.filter((a) => !a.startsWith(GROUP_PREFIX));
}

export type DecisionRefusal = { reason: "NOT_AN_APPROVER" | "SELF_APPROVAL"; message: string };

/**
 * Whether `decider` may approve or reject `pause`; undefined when it may. Links were checked for
 * their own validity before (checkLink); a link acting for a named approver is that approver here.
 */
export function refusalOf(pause: PauseRecord, decider: Decider): DecisionRefusal | undefined {
  const policy = pause.approval;
  if (!policy) return undefined;
  if (!policy.allowSelfApproval && pause.pausedBy !== undefined && decider.principal === pause.pausedBy) {
    return {
      reason: "SELF_APPROVAL",
      message: `${decider.principal} paused this run and may not approve or reject it (the policy does not allow self-approval).`,
    };
  }
  // A shared link was handed out by the policy itself: whoever holds it may decide.
  if (decider.link && decider.link.approver === undefined) return undefined;
  if (policy.approvers.length === 0) return undefined;
  if (isNamed(policy, decider)) return undefined;
  return {
    reason: "NOT_AN_APPROVER",
    message: `${decider.principal} is not an approver of this pause (approvers: ${policy.approvers.join(", ")}).`,
  };
}

function isNamed(policy: ApprovalPolicy, decider: Decider): boolean {
  return policy.approvers.some((entry) =>
    entry.startsWith(GROUP_PREFIX) ? decider.groups.includes(entry.slice(GROUP_PREFIX.length)) : entry === decider.principal,
  );
}

export function assertMayDecide(pause: PauseRecord, decider: Decider): void {
  const refusal = refusalOf(pause, decider);
  if (refusal) throw new PermissionDeniedError(refusal.message, refusal.reason);
}

/**
 * A link is good only for the pause instance it was made for, while that instance waits, and for one
 * decision. Checked against the run as the deciding write sees it, so two uses race to one winner.
 */
export function assertLinkUsable(pause: PauseRecord | undefined, link: LinkGrant): void {
  if (!pause || pause.key !== link.pauseKey || pause.instanceId !== link.pauseInstanceId || pause.status !== "pending") {
    throw new FailedPreconditionError(
      "RESUME_LINK_EXPIRED",
      "This resume link's pause has ended or was replaced by a later pause; it can no longer be used.",
    );
  }
  if (pause.usedLinkIds?.includes(link.id)) {
    throw new FailedPreconditionError("RESUME_LINK_USED", "This resume link was already used; each link is good for one decision.");
  }
}

/** Whether `principal` has an approval on the pause already (the same approver twice counts once). */
export function hasApproved(pause: PauseRecord, principal: string): boolean {
  return (pause.approvals ?? []).some((a) => a.principal === principal);
}

/** Progress of a pause towards its quorum, for answers and for the UI. */
export function approvalsNeeded(pause: PauseRecord): number {
  return pause.approval?.required ?? 1;
}

export function rejectionMessage(rejection: Pick<RejectionRecord, "principal" | "reason">): string {
  return rejection.reason ? `Rejected by ${rejection.principal}: ${rejection.reason}` : `Rejected by ${rejection.principal}.`;
}

export function requireRejectReason(reason: string): string {
  if (reason.length > APPROVAL_LIMITS.maxRejectReasonLength) {
    throw new InvalidArgumentError(`reason must be at most ${APPROVAL_LIMITS.maxRejectReasonLength} characters.`, [
      { field: "reason", description: `at most ${APPROVAL_LIMITS.maxRejectReasonLength} characters` },
    ]);
  }
  return reason.trim();
}
