/** Human-readable approvals: a pause's policy and progress, a decision's outcome, and a run's resume links. */
import type { FlowRun, Pause, ResumeLinkInfo, ResumeResult } from "../types.js";
import { table } from "./format.js";
import { stateLabel } from "./format.js";

function iso(d: Date | undefined): string {
  return d ? d.toISOString() : "-";
}

/** Who approved so far, once each, in order. */
function approvers(pause: Pause): string[] {
  return [...new Set(pause.approvals.map((a) => a.by.principal))];
}

/** "1 of 2 approvals (bob)" — or "no approvals yet (2 needed)". */
export function approvalProgress(pause: Pause): string {
  const required = pause.approval?.required ?? 1;
  const done = approvers(pause);
  if (done.length === 0) return `no approvals yet (${required} needed)`;
  return `${done.length} of ${required} approval${required === 1 ? "" : "s"} (${done.join(", ")})`;
}

/** The lines `runs inspect` adds for a pause with an approval policy or approvals. */
export function approvalDetails(run: FlowRun): string[] {
  const pause = run.pause;
  if (!pause?.approval && !pause?.approvals.length) return [];
  const policy = pause.approval;
  const lines: string[] = [];
  if (policy) {
    const who = policy.approvers.length ? policy.approvers.join(", ") : "anyone with runs:resume";
    lines.push(`Approvers:   ${who}${policy.allowSelfApproval ? "" : `; not ${pause.pausedBy || "whoever paused it"} (no self-approval)`}`);
    if (policy.links)
      lines.push(
        `Links:       ${policy.links === "shared" ? "one shared resume link" : "one resume link per approver"} (flowgate runs links ${run.id})`,
      );
  }
  lines.push(`Approvals:   ${approvalProgress(pause)}`);
  if (pause.onTimeout?.action === "resume") lines.push("On timeout:  resume with the policy's default input (as approved by timeout)");
  return lines;
}

/** What `runs resume` prints: resumed, or an approval recorded below the quorum. */
export function resumeOutcome(run: ResumeResult, color: boolean): string {
  if (run.resumed) return `Resumed ${run.name} (${run.id}): ${stateLabel(run.state, color)}`;
  const progress = run.pause ? approvalProgress(run.pause) : "approval recorded";
  return `Recorded an approval of ${run.name} (${run.id}): ${progress}; the run stays ${stateLabel(run.state, color)}`;
}

/** `runs links`: each link with whom it is for and whether it can still be used; never a token. */
export function linksTable(links: ResumeLinkInfo[]): string {
  if (links.length === 0) return "No resume links.";
  const status = (l: ResumeLinkInfo): string =>
    l.revokedAt ? `revoked ${iso(l.revokedAt)}` : l.usedAt ? `used ${iso(l.usedAt)}` : "unused";
  return table(
    ["ID", "APPROVER", "PAUSE", "CREATED", "STATUS"],
    links.map((l) => [l.id, l.approver || "(shared)", l.pauseKey, iso(l.createdAt), status(l)]),
  );
}
