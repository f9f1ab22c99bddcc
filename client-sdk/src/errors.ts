/**
 * One error class per case a caller can act on. gRPC status codes become these in exactly one place
 * (transport/map-error.ts); the run engine throws the pause/timeout ones itself.
 */

export interface FieldError {
  /** Dotted path of the offending field ("name", "address.city"); "" for the whole value. */
  field: string;
  description: string;
}

/** Base class: every error the SDK throws on purpose. `code` is the gRPC status code, when one applies. */
export class FlowgateError extends Error {
  constructor(
    message: string,
    readonly code?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** NOT_FOUND for anything but a flow run (task run, deployment, pause key, input key). */
export class NotFoundError extends FlowgateError {}

/** The flow run does not exist. */
export class FlowRunNotFoundError extends NotFoundError {}

/** The request was malformed; `fieldErrors` names the offending fields. */
export class InvalidArgumentError extends FlowgateError {
  constructor(
    message: string,
    readonly fieldErrors: readonly FieldError[],
    code?: number,
    options?: ErrorOptions,
  ) {
    super(message, code, options);
  }
}

/** A run input failed the pause's schema (on the server, or when parsed back with zod). */
export class InvalidRunInputError extends InvalidArgumentError {}

/** The server refused a transition; the message is the server's ("Cannot suspend subflows.", …). */
export class RefusedError extends FlowgateError {}

/** Resume of a run that is not paused ("Cannot resume a flow run that is not paused."). */
export class NotPausedError extends RefusedError {}

/**
 * A pause expired: thrown by pauseFlowRun when the pause timed out ("Flow run was paused and never
 * resumed."), and by resumeFlowRun when it is too late ("Flow run can no longer be resumed.").
 */
export class FlowPauseTimeout extends FlowgateError {}

/** The run was cancelled while it waited in a pause. */
export class FlowRunCancelledError extends FlowgateError {}

export class AlreadyExistsError extends FlowgateError {}

/** An optimistic-concurrency check failed: the run moved on. */
export class ConflictError extends FlowgateError {}

/** The server (or its store) cannot be reached. Safe to retry mutating calls with the same request id. */
export class UnavailableError extends FlowgateError {}

/** A task or flow ran longer than its `timeoutSeconds`. */
export class RunTimeoutError extends FlowgateError {}

/** A task could not start because a `waitFor` dependency did not complete. */
export class UpstreamFailedError extends FlowgateError {}

/** pauseFlowRun / suspendFlowRun called where there is no flow run. */
export class NoFlowRunContextError extends FlowgateError {}

/** Worth retrying: the server was unreachable, or the failure is not one of the server's answers (a dropped stream). */
export function isTransientError(err: unknown): boolean {
  return err instanceof UnavailableError || !(err instanceof FlowgateError);
}
