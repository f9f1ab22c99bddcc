/**
 * One error class per case a caller can act on. Server failures become these in exactly one place
 * (transport/map-error.ts), chosen by the `reason` the server sends (google.rpc.ErrorInfo), never by
 * message text; the run engine throws the pause/timeout ones itself. Each reason has the same class
 * name in the Python client (and a matching sentinel in Go): see "Errors" in the repository README.
 */

export interface FieldError {
  /** Dotted path of the offending field ("name", "address.city"); "" for the whole value. */
  field: string;
  description: string;
}

export interface FlowgateErrorOptions extends ErrorOptions {
  /** The server's machine-readable reason ("FLOW_RUN_NOT_FOUND", …), when it sent one. */
  reason?: string | undefined;
}

/**
 * Base class: every error the SDK throws on purpose. `code` is the gRPC status code and `reason` the
 * server's ErrorInfo reason, when they apply; the message is for humans and may change.
 */
export class FlowgateError extends Error {
  readonly reason?: string;

  constructor(
    message: string,
    readonly code?: number,
    options?: FlowgateErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
    if (options?.reason !== undefined) this.reason = options.reason;
  }
}

/** Something the call names does not exist; the subclasses say what. */
export class NotFoundError extends FlowgateError {}

/** FLOW_RUN_NOT_FOUND: the flow run (or the parent run a call names) does not exist. */
export class FlowRunNotFoundError extends NotFoundError {}

/** DEPLOYMENT_NOT_FOUND: no deployment has this id or full name. */
export class DeploymentNotFoundError extends NotFoundError {}

/** TASK_RUN_NOT_FOUND: no task run has this id, or no persisted result has this cache key. */
export class TaskRunNotFoundError extends NotFoundError {}

/** FLOW_RUN_INPUT_NOT_FOUND: the flow run has no input with this key. */
export class FlowRunInputNotFoundError extends NotFoundError {}

/** PAUSE_NOT_FOUND: the flow run never had a pause with this key. */
export class PauseNotFoundError extends NotFoundError {}

/** KEY_NOT_FOUND: no API key has this id. */
export class KeyNotFoundError extends NotFoundError {}

/** WEBHOOK_NOT_FOUND: no webhook has this id. */
export class WebhookNotFoundError extends NotFoundError {}

/** INVALID_ARGUMENT: the request was malformed; `fieldErrors` names the offending fields. */
export class InvalidArgumentError extends FlowgateError {
  constructor(
    message: string,
    readonly fieldErrors: readonly FieldError[],
    code?: number,
    options?: FlowgateErrorOptions,
  ) {
    super(message, code, options);
  }
}

/** INVALID_RUN_INPUT: a run input failed the pause's schema (on the server, or when parsed back with zod). */
export class InvalidRunInputError extends InvalidArgumentError {}

/** The server refused a transition; the message is the server's ("Cannot suspend subflows.", …). */
export class RefusedError extends FlowgateError {}

/** NOT_PAUSED: resume of a run that is not paused ("Cannot resume a flow run that is not paused."). */
export class NotPausedError extends RefusedError {}

/**
 * PAUSE_TIMED_OUT: a pause expired. Thrown by pauseFlowRun when the pause timed out ("Flow run was
 * paused and never resumed."), and by resumeFlowRun when it is too late ("Flow run can no longer be
 * resumed.", Prefect's wording; the server's own message stays in `cause`).
 */
export class FlowPauseTimeout extends RefusedError {}

/** ALREADY_FINAL: the run or task run is already in a final state. */
export class AlreadyFinalError extends RefusedError {}

/** TRANSITION_REFUSED: the orchestration rules refuse this transition; the message says which rule. */
export class TransitionRefusedError extends RefusedError {}

/** RESUME_LINK_USED: the resume link was already used for a decision (each link is good for one). */
export class ResumeLinkUsedError extends RefusedError {}

/**
 * RESUME_LINK_EXPIRED: the resume link belongs to a pause that has ended, expired or been replaced by a
 * later pause of the run (a re-executed run's pause is a new instance).
 */
export class ResumeLinkExpiredError extends RefusedError {}

/** The run was cancelled while it waited in a pause. */
export class FlowRunCancelledError extends FlowgateError {}

/** What PauseRejectedError is made from: the server's record of the one "no" that ended a pause. */
export interface RejectionDetails {
  /** The approver's words ("" when none were given). */
  reason: string;
  /** Who rejected: the principal (a resume link's approver for a link; "link" for a shared one). */
  principal: string;
  /** Through what: "grpc", "http-api", "web-ui", "cli", "sdk", "link", … */
  channel: string;
  at: Date | undefined;
  /** The resume link it came through; "" when it did not. */
  linkId: string;
}

/**
 * An approver rejected the pause: thrown by pauseFlowRun (and by suspendFlowRun's waits) where the
 * flow would have continued. Catch it to decide what follows (the run is RUNNING again); uncaught, the
 * flow run ends FAILED with this error's message, "Rejected by alice: <reason>", the same words the
 * server records for a rejected suspend.
 *
 * Unlike other FlowgateErrors, `reason` is the approver's text, not a machine-readable ErrorInfo
 * reason: the class itself is the machine-readable part.
 */
export class PauseRejectedError extends FlowgateError {
  override readonly reason: string;
  readonly principal: string;
  readonly channel: string;
  readonly at: Date | undefined;
  readonly linkId: string;

  constructor(rejection: RejectionDetails) {
    super(rejectionMessage(rejection.principal, rejection.reason));
    this.reason = rejection.reason;
    this.principal = rejection.principal;
    this.channel = rejection.channel;
    this.at = rejection.at;
    this.linkId = rejection.linkId;
  }
}

/** "Rejected by alice: <reason>", as the server words a rejected suspend's FAILED state. */
export function rejectionMessage(principal: string, reason: string): string {
  return reason ? `Rejected by ${principal}: ${reason}` : `Rejected by ${principal}.`;
}

/** Something with this identity already exists. */
export class AlreadyExistsError extends FlowgateError {}

/** INPUT_KEY_EXISTS: the flow run already has an input with this key. */
export class InputKeyExistsError extends AlreadyExistsError {}

/** DEPLOYMENT_EXISTS: a deployment with this flow name and name belongs to another principal (only it or an admin may change it). */
export class DeploymentExistsError extends AlreadyExistsError {}

/** A concurrent change got there first. */
export class ConflictError extends FlowgateError {}

/** VERSION_CONFLICT: the expected version is stale (the run moved on); read it again. */
export class VersionConflictError extends ConflictError {}

/** CONTENTION: too many concurrent writers changed the same run; retrying is safe. */
export class ContentionError extends ConflictError {}

/** STORE_UNAVAILABLE / UNAVAILABLE: the server (or its store) cannot be reached. Safe to retry mutating calls with the same request id. */
export class UnavailableError extends FlowgateError {}

/** RESOURCE_EXHAUSTED: a limit on what callers may hold at once was reached; it clears as others finish. */
export class ResourceExhaustedError extends FlowgateError {}

/**
 * TOO_MANY_STREAMS: the caller (or the whole server) holds as many open streams as the server allows
 * (FLOWGATE_MAX_STREAMS_PER_PRINCIPAL, FLOWGATE_MAX_STREAMS). Transient: a wait retries it with backoff.
 */
export class TooManyStreamsError extends ResourceExhaustedError {}

/** UNAUTHENTICATED: no credential, or one that is unknown, expired or revoked. */
export class UnauthenticatedError extends FlowgateError {}

/** RESUME_LINK_INVALID: the resume link's token is unknown or was revoked. */
export class ResumeLinkInvalidError extends UnauthenticatedError {}

/** PERMISSION_DENIED: the credential lacks the scope this call needs. */
export class PermissionDeniedError extends FlowgateError {}

/** NOT_AN_APPROVER: the pause's approval policy names neither the caller nor one of its groups; the message says who may. */
export class NotAnApproverError extends PermissionDeniedError {}

/** SELF_APPROVAL: the caller paused this run, and the pause's approval policy does not allow self-approval. */
export class SelfApprovalError extends PermissionDeniedError {}

/** INTERNAL: an unexpected failure on the server; its log has the details. */
export class InternalError extends FlowgateError {}

/** A task or flow ran longer than its `timeoutSeconds`. */
export class RunTimeoutError extends FlowgateError {}

/** A task could not start because a `waitFor` dependency did not complete. */
export class UpstreamFailedError extends FlowgateError {}

/** pauseFlowRun / suspendFlowRun called where there is no flow run. */
export class NoFlowRunContextError extends FlowgateError {}

/** gRPC codes a reopened stream can outlive: the server went away or restarted, or cut the call. */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  1, // CANCELLED by the server (shutting down); a cancel of our own is seen through the caller's signal
  4, // DEADLINE_EXCEEDED
  14, // UNAVAILABLE
]);

/**
 * Worth retrying: the server was unreachable, went away mid-call or was too busy (CONTENTION, or
 * TOO_MANY_STREAMS: streams close, and a place frees up).
 * Everything else — a run that does not exist, invalid input, a refused transition, an INTERNAL
 * failure such as a response that cannot be decoded, a bug — fails the same way again.
 */
export function isTransientError(err: unknown): boolean {
  if (!(err instanceof FlowgateError)) return false;
  if (err instanceof UnavailableError || err instanceof ContentionError || err instanceof TooManyStreamsError) return true;
  return err.code !== undefined && TRANSIENT_CODES.has(err.code);
}
