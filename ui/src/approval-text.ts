/** Sentences about a pause's approval policy: who may decide, how far the approvals are, and why someone may not. */
import type { ApprovalPolicyJson, MyDecisionJson, PauseJson } from "./api.ts";

const GROUP_PREFIX = "group:";

/** "alice", or "anyone in finance" for a group entry. */
export function approverName(entry: string): string {
  return entry.startsWith(GROUP_PREFIX) ? `anyone in ${entry.slice(GROUP_PREFIX.length)}` : entry;
}

/** "alice", "alice or bob", "alice, bob or carol" (with `and` when every one of them is needed). */
export function listOf(names: readonly string[], conjunction: "or" | "and" = "or"): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} ${conjunction} ${names.at(-1)!}`;
}

/** Who may decide: "alice, bob or anyone in finance", or everyone holding the resume scope. */
export function approversText(policy: ApprovalPolicyJson): string {
  return policy.approvers.length === 0 ? "anyone who may resume runs" : listOf(policy.approvers.map(approverName));
}

/**
 * "1 of 2 approvals: bob ✔, waiting for alice or carol". Undefined for a pause without a policy,
 * which one resume ends as it always did.
 */
export function progressText(pause: PauseJson): string | undefined {
  const policy = pause.approval;
  if (!policy) return undefined;
  const approvals = pause.approvals ?? [];
  const required = Math.max(1, policy.required);
  const given = approvals.map((a) => a.by.principal);
  const head = `${approvals.length} of ${required} approval${required === 1 ? "" : "s"}`;
  const done = given.length > 0 ? `: ${given.map((p) => `${p} ✔`).join(", ")}` : "";
  const needed = required - approvals.length;
  if (needed <= 0) return `${head}${done}`;
  // Named approvers who have not approved; a group stays (its members are not known here).
  const open = policy.approvers.filter((entry) => entry.startsWith(GROUP_PREFIX) || !given.includes(entry)).map(approverName);
  let waiting: string;
  if (open.length === 0) waiting = needed === 1 ? "anyone who may resume runs" : `${needed} more people who may resume runs`;
  else if (needed === 1) waiting = listOf(open);
  else if (needed >= open.length && !policy.approvers.some((e) => e.startsWith(GROUP_PREFIX))) waiting = listOf(open, "and");
  else waiting = `${needed} of ${listOf(open)}`;
  return `${head}${done}${given.length > 0 ? "," : ":"} waiting for ${waiting}`;
}

/** "Your approval is recorded: 1 of 2", after an approval that did not complete the quorum. */
export function recordedText(pause: PauseJson | null): string {
  const policy = pause?.approval;
  if (!policy) return "Your approval is recorded.";
  return `Your approval is recorded: ${(pause.approvals ?? []).length} of ${Math.max(1, policy.required)}`;
}

/**
 * Why the signed-in principal is offered no Resume or Reject for this pause; undefined when they may
 * decide. The server says whether (myDecision); this says it in words for the page.
 */
export function refusalText(decision: MyDecisionJson | null | undefined, pause: PauseJson, me: string | undefined): string | undefined {
  if (!decision || decision.allowed) return undefined;
  const you = me ? `You (${me})` : "You";
  switch (decision.reason) {
    case "NOT_AN_APPROVER":
      return `${you} are not an approver of this pause: only ${pause.approval ? approversText(pause.approval) : "its approvers"} may approve or reject it.`;
    case "SELF_APPROVAL":
      return `${you} paused this run, and its policy does not allow self-approval: someone else must approve or reject it.`;
    case "ALREADY_APPROVED":
      return `${you} approved this pause already; it waits for the other approvals.`;
    default:
      return (decision as { message?: string }).message ?? `${you} may not approve or reject this pause.`;
  }
}
