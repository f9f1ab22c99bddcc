/**
 * resumeFlowRun and rejectFlowRun: decide a paused or suspended run from anywhere — with the client's
 * API key, or with a resume link's token in its place.
 */
import type { z } from "zod";
import { getClient } from "../client.js";
import type { RunInput } from "../inputs/run-input.js";
import { currentContext } from "../runtime/run-context.js";
import type { FlowRun, JsonObject, ResumeResult } from "../types.js";

export interface ResumeOptions {
  signal?: AbortSignal;
  /**
   * A resume link's token (`ResumeLink.token`): the call acts as the link's approver, and no API key
   * is sent with it. Each link is good for one decision.
   */
  resumeToken?: string | undefined;
  /** Idempotency: a call repeating this id gets the first call's outcome. Default: random. */
  requestId?: string | undefined;
}

/**
 * Resumes `flowRunId` or, when its pause has an approval policy, approves it. `runInput` is checked by
 * the server against the pause's schema before anything changes. Returns the run as the call left it
 * (RUNNING, or SCHEDULED "Resuming" after a suspend) with `resumed: true`; `resumed: false` when the
 * approval was recorded and the quorum is not met yet (the run is still PAUSED).
 * @throws FlowRunNotFoundError; NotPausedError; FlowPauseTimeout ("Flow run can no longer be resumed.");
 *   InvalidRunInputError with `fieldErrors` naming every failing field; NotAnApproverError,
 *   SelfApprovalError; with a token, ResumeLinkInvalidError, ResumeLinkUsedError, ResumeLinkExpiredError.
 */
export function resumeFlowRun(flowRunId: string, runInput?: JsonObject, options: ResumeOptions = {}): Promise<ResumeResult> {
  return (currentContext()?.client ?? getClient()).resumeFlowRun(flowRunId, runInput, options);
}

/** Typed resume: the value is checked and shaped (`{ value }` for primitives) by the RunInput first. */
export function resumeFlowRunWith<S extends z.ZodType>(
  flowRunId: string,
  input: RunInput<S>,
  value: z.input<S>,
  options: ResumeOptions = {},
): Promise<ResumeResult> {
  return resumeFlowRun(flowRunId, input.toRunInput(value), options);
}

/**
 * Rejects `flowRunId`'s pause, whatever its quorum: the waiting flow's pauseFlowRun throws
 * PauseRejectedError (the run is RUNNING again); a suspended run ends FAILED "Rejected by <who>:
 * <reason>" and is not re-executed. Allowed to whoever may approve the pause. `reason`: at most 2,000
 * characters.
 * @throws as resumeFlowRun; InvalidArgumentError for a reason that is too long.
 */
export function rejectFlowRun(flowRunId: string, reason: string, options: ResumeOptions = {}): Promise<FlowRun> {
  return (currentContext()?.client ?? getClient()).rejectFlowRun(flowRunId, reason, options);
}
