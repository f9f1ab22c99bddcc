/**
 * Which webhook events a stored change of a run makes, from the run before and after it. Pure, and
 * the only place that knows: a pause that appears pending is "paused"; an approval recorded on a pause
 * that still waits is "approved"; a pending pause that ends is "resumed", "rejected" or "timed_out"
 * (cancelled and otherwise ended pauses make none). A suspend that takes over a waiting in-process
 * pause is the same pause instance, so it makes no new "paused".
 */
import type { ApprovalRecord } from "./approval.js";
import type { FlowRun, PauseRecord } from "./flow-run.js";
import type { PauseRef, WebhookEventName } from "./webhook.js";

export interface RunEventFact {
  event: Exclude<WebhookEventName, "reminder">;
  /** The pause as the change left it. */
  pause: PauseRecord;
  /** When it happened. */
  at: Date;
  /** "approved": the approval recorded. */
  approval?: ApprovalRecord;
}

/** Tells pause instances apart: their id, else (pauses stored before ids) their creation time. */
function instanceOf(pause: PauseRecord): string {
  return pause.instanceId ?? `t${pause.createdAt.getTime()}`;
}

export function webhookEventsOf(next: FlowRun, previous: FlowRun | undefined): RunEventFact[] {
  const facts: RunEventFact[] = [];
  for (const [key, after] of Object.entries(next.pauses)) {
    const before = previous?.pauses[key];
    const same = before !== undefined && instanceOf(before) === instanceOf(after);
    if (after.status === "pending") {
      if (!same || before.status !== "pending") {
        facts.push({ event: "paused", pause: after, at: after.createdAt });
        continue;
      }
      const known = before.approvals?.length ?? 0;
      for (const approval of (after.approvals ?? []).slice(known)) {
        facts.push({ event: "approved", pause: after, at: approval.at, approval });
      }
      continue;
    }
    if (!same || before.status !== "pending") continue;
    const at = after.resolvedAt ?? next.updatedAt;
    // An ended pause no longer holds its description and schema (rules.ts drops them); a receiver
    // matching the end to its pause still wants them, so they come from the pause as it waited.
    const ended: PauseRecord = { ...before, ...after };
    if (after.status === "resumed") facts.push({ event: "resumed", pause: ended, at });
    else if (after.status === "rejected") facts.push({ event: "rejected", pause: ended, at: after.rejection?.at ?? at });
    else if (after.status === "timed_out") facts.push({ event: "timed_out", pause: ended, at });
  }
  return facts;
}

/**
 * When a pause's one reminder is due: `remindAfterSeconds` after it began, if that is before it
 * expires; undefined when it asks for none or would expire first.
 */
export function reminderDueAt(pause: PauseRecord): Date | undefined {
  const seconds = pause.onTimeout?.remindAfterSeconds;
  if (!seconds || seconds <= 0) return undefined;
  const at = new Date(pause.createdAt.getTime() + seconds * 1000);
  if (pause.expiresAt && at.getTime() >= pause.expiresAt.getTime()) return undefined;
  return at;
}

export function pauseRefOf(pause: PauseRecord): PauseRef {
  return { key: pause.key, createdAt: pause.createdAt, ...(pause.instanceId ? { instanceId: pause.instanceId } : {}) };
}

/** The run's pause that `ref` names, if that very instance still waits for a decision. */
export function waitingPause(run: FlowRun | undefined, ref: PauseRef): PauseRecord | undefined {
  const pause = run?.pauses[ref.key];
  if (!run || !pause || pause.status !== "pending") return undefined;
  if (run.state?.type !== "PAUSED" || run.state.details.pauseKey !== ref.key) return undefined;
  const same = ref.instanceId !== undefined ? pause.instanceId === ref.instanceId : pause.createdAt.getTime() === ref.createdAt.getTime();
  return same ? pause : undefined;
}
