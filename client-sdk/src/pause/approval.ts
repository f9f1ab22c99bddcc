/**
 * What pauseFlowRun and suspendFlowRun share about approvals: the options (policy, timeout policy,
 * onPaused, returnApprovals), what onPaused is given once the server has recorded the pause, and how
 * a pause's end becomes the caller's value or a PauseRejectedError.
 */
import type { z } from "zod";
import { PauseRejectedError } from "../errors.js";
import type { RunInput } from "../inputs/run-input.js";
import type { FlowgateClient, PauseOutcome, PauseParams, PauseTimeoutParams } from "../transport/flowgate-client.js";
import type { Approval, ApprovalPolicy, FlowRun, JsonObject, Pause, Rejection, ResumeLink } from "../types.js";
import { parseInput } from "./pause-request.js";
import { waitForPauseEnd } from "./wait-for-resume.js";

/**
 * What a pause's timeout does: "fail" (the default, as Prefect: the run fails) or "resume" with
 * `input`, as if approved by the principal "timeout". With `waitForInput`, `input` is typed like the
 * input and validated by the server when the pause is made (InvalidRunInputError then).
 * `remindAfterSeconds`: one `reminder` webhook event that many seconds after the pause began, if it
 * still waits (must come before the expiry).
 */
export type TimeoutPolicy<I = never> =
  | { action?: "fail" | undefined; remindAfterSeconds?: number | undefined }
  | { action: "resume"; input?: I | undefined; remindAfterSeconds?: number | undefined };

/** What `onPaused` is given once the server has recorded the pause, before the flow waits (or its process ends). */
export interface PausedInfo {
  /** The run as the pause left it: PAUSED ("Suspended" for a suspend). */
  flowRun: FlowRun;
  /** The pause: key, expiry, description, schema, approval policy. */
  pause: Pause;
  /**
   * The resume links `approval.links` asked for, with their tokens: this is the only time they are
   * ever seen (the server keeps hashes). Each `url` opens the web UI's approve page without signing
   * in; hand each to its `approver` only (mail it, post it to a chat), never log it.
   */
  links: ResumeLink[];
}

/** Called once the server has recorded the pause; awaited before the flow waits (or its process ends). */
export type OnPaused = (info: PausedInfo) => void | Promise<void>;

/** The approval options pauseFlowRun and suspendFlowRun take; `I` is the type of the awaited input. */
export interface ApprovalOptions<I = never> {
  /**
   * Who may approve or reject, how many must agree, and which resume links to make. Unset: anyone
   * holding runs:resume, one is enough (as before).
   */
  approval?: ApprovalPolicy | undefined;
  /** What the timeout does (default: the run fails). */
  onTimeout?: TimeoutPolicy<I> | undefined;
  /**
   * Called once the pause is recorded, with the run, the pause and its resume links (for example to
   * mail each link to its approver). Awaited before the flow waits; for a suspend, before the process
   * ends. Not called when the key already fired (a re-executed run carrying on). An error it throws
   * is thrown by the pause call (the run stays paused until the flow ends it; uncaught, FAILED).
   */
  onPaused?: OnPaused | undefined;
}

/** With `returnApprovals: true`: the input, and every approval in order (the last one completed the quorum). */
export interface ApprovedInput<T> {
  input: T;
  approvals: Approval[];
}

/** The timeout policy as the client sends it: the input shaped by the RunInput (`{ value }` for primitives). */
export function timeoutParams<S extends z.ZodType>(
  policy: TimeoutPolicy<z.input<S>> | undefined,
  input: RunInput<S> | undefined,
): PauseTimeoutParams | undefined {
  if (!policy) return undefined;
  const given = policy.action === "resume" ? policy.input : undefined;
  const runInput: JsonObject | undefined = given === undefined ? undefined : input ? input.toRunInput(given) : (given as JsonObject);
  return { action: policy.action ?? "fail", input: runInput, remindAfterSeconds: policy.remindAfterSeconds };
}

/** What onPaused gets. The run of a PAUSED response carries its pause; an older server's may not, so it is rebuilt from the request. */
export function pausedInfo(outcome: PauseOutcome, params: PauseParams, reschedule: boolean): PausedInfo {
  const pause: Pause = outcome.flowRun.pause ?? {
    key: params.key,
    reschedule,
    expiresAt: outcome.flowRun.state?.details?.pauseExpiresAt,
    inputSchema: params.inputSchema,
    inputDescription: params.inputDescription ?? "",
    inputInitial: params.inputInitial,
    createdAt: outcome.flowRun.state?.timestamp,
    approval: undefined,
    approvals: [],
    pausedBy: "",
    instanceId: "",
    onTimeout: undefined,
  };
  return { flowRun: outcome.flowRun, pause, links: outcome.links };
}

/** The error a REJECTED wait event becomes. */
export function rejectedError(rejection: Rejection | undefined): PauseRejectedError {
  return new PauseRejectedError({
    reason: rejection?.reason ?? "",
    principal: rejection?.by.principal || "an approver",
    channel: rejection?.by.channel ?? "",
    at: rejection?.at,
    linkId: rejection?.linkId ?? "",
  });
}

/** The caller's value: the parsed input, or with `returnApprovals` the input and the approvals. */
export function resumedValue<S extends z.ZodType>(
  input: RunInput<S> | undefined,
  runInput: JsonObject | undefined,
  approvals: Approval[] | undefined,
): z.output<S> | undefined | ApprovedInput<z.output<S> | undefined> {
  const value = parseInput(input, runInput);
  return approvals ? { input: value, approvals } : value;
}

/**
 * A key that already fired in an earlier execution of the run: how its pause ended, asked of the
 * ended pause's wait (which answers at once). A rejected pause is rejected again — the server answers
 * a fired key alike whatever its end — so a re-executed flow takes the path it took the first time
 * instead of carrying on as if approved. Returns the approvals of a resumed pause.
 * @throws PauseRejectedError when the pause was rejected
 */
export async function firedPauseEnd(
  client: FlowgateClient,
  flowRunId: string,
  key: string,
  signal: AbortSignal | undefined,
): Promise<Approval[]> {
  const end = await waitForPauseEnd(client, flowRunId, key, { signal });
  if (end.type === "REJECTED") throw rejectedError(end.rejection);
  return end.approvals;
}
