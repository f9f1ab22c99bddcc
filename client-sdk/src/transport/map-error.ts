/**
 * The SDK's one error boundary: a gRPC failure becomes a typed error here and nowhere else. The class
 * is chosen by the ErrorInfo `reason` in the status details alone; a missing or unknown reason falls
 * back on the status code. Server messages are kept verbatim, never interpreted.
 */
import { status, type ServiceError } from "@grpc/grpc-js";
import {
  AlreadyExistsError,
  AlreadyFinalError,
  ConflictError,
  ContentionError,
  DeploymentExistsError,
  DeploymentNotFoundError,
  FlowgateError,
  FlowPauseTimeout,
  FlowRunInputNotFoundError,
  FlowRunNotFoundError,
  InputKeyExistsError,
  InternalError,
  InvalidArgumentError,
  InvalidRunInputError,
  NotFoundError,
  NotPausedError,
  PauseNotFoundError,
  KeyNotFoundError,
  NotAnApproverError,
  PermissionDeniedError,
  RefusedError,
  ResourceExhaustedError,
  ResumeLinkExpiredError,
  ResumeLinkInvalidError,
  ResumeLinkUsedError,
  SelfApprovalError,
  TaskRunNotFoundError,
  TooManyStreamsError,
  TransitionRefusedError,
  UnauthenticatedError,
  UnavailableError,
  VersionConflictError,
  WebhookNotFoundError,
  type FieldError,
  type FlowgateErrorOptions,
} from "../errors.js";
import { decodeStatusDetails, STATUS_DETAILS_TRAILER } from "./status-details.js";

/** What every error class is built from. */
interface Failure {
  message: string;
  code: number;
  fieldErrors: FieldError[];
  options: FlowgateErrorOptions;
}

type Make = (f: Failure) => FlowgateError;

const plain =
  (Class: new (message: string, code?: number, options?: FlowgateErrorOptions) => FlowgateError): Make =>
  (f) =>
    new Class(f.message, f.code, f.options);

const withFields =
  (Class: typeof InvalidArgumentError): Make =>
  (f) =>
    new Class(f.message, f.fieldErrors, f.code, f.options);

/** flowgate.v1.ErrorReason (without its prefix) → class; the same names as the Python and Go clients. */
export const ERRORS_BY_REASON: ReadonlyMap<string, Make> = new Map(
  Object.entries({
    FLOW_RUN_NOT_FOUND: plain(FlowRunNotFoundError),
    DEPLOYMENT_NOT_FOUND: plain(DeploymentNotFoundError),
    TASK_RUN_NOT_FOUND: plain(TaskRunNotFoundError),
    FLOW_RUN_INPUT_NOT_FOUND: plain(FlowRunInputNotFoundError),
    PAUSE_NOT_FOUND: plain(PauseNotFoundError),
    KEY_NOT_FOUND: plain(KeyNotFoundError),
    NOT_PAUSED: plain(NotPausedError),
    // Prefect's wording for a resume that came too late (what resume_flow_run raises); the server's
    // own message stays in `cause`.
    PAUSE_TIMED_OUT: (f) => new FlowPauseTimeout("Flow run can no longer be resumed.", f.code, f.options),
    ALREADY_FINAL: plain(AlreadyFinalError),
    TRANSITION_REFUSED: plain(TransitionRefusedError),
    INVALID_RUN_INPUT: withFields(InvalidRunInputError),
    INVALID_ARGUMENT: withFields(InvalidArgumentError),
    VERSION_CONFLICT: plain(VersionConflictError),
    CONTENTION: plain(ContentionError),
    INPUT_KEY_EXISTS: plain(InputKeyExistsError),
    DEPLOYMENT_EXISTS: plain(DeploymentExistsError),
    STORE_UNAVAILABLE: plain(UnavailableError),
    UNAUTHENTICATED: plain(UnauthenticatedError),
    PERMISSION_DENIED: plain(PermissionDeniedError),
    INTERNAL: plain(InternalError),
    NOT_AN_APPROVER: plain(NotAnApproverError),
    SELF_APPROVAL: plain(SelfApprovalError),
    RESUME_LINK_INVALID: plain(ResumeLinkInvalidError),
    RESUME_LINK_USED: plain(ResumeLinkUsedError),
    RESUME_LINK_EXPIRED: plain(ResumeLinkExpiredError),
    WEBHOOK_NOT_FOUND: plain(WebhookNotFoundError),
    TOO_MANY_STREAMS: plain(TooManyStreamsError),
  }),
);

/** When the reason is absent or unknown (an older server, a proxy, grpc-js itself): by status code. */
const ERRORS_BY_CODE: ReadonlyMap<number, Make> = new Map([
  [status.NOT_FOUND, plain(NotFoundError)],
  [status.INVALID_ARGUMENT, withFields(InvalidArgumentError)],
  [status.FAILED_PRECONDITION, plain(RefusedError)],
  [status.ALREADY_EXISTS, plain(AlreadyExistsError)],
  [status.ABORTED, plain(ConflictError)],
  [status.UNAVAILABLE, plain(UnavailableError)],
  [status.UNAUTHENTICATED, plain(UnauthenticatedError)],
  [status.PERMISSION_DENIED, plain(PermissionDeniedError)],
  [status.RESOURCE_EXHAUSTED, plain(ResourceExhaustedError)],
]);

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === "number" && "details" in err;
}

function statusDetailsOf(err: ServiceError): Uint8Array | undefined {
  const raw = err.metadata?.get(STATUS_DETAILS_TRAILER)[0];
  return raw instanceof Uint8Array ? raw : undefined;
}

/**
 * grpc-js's text for a connection that failed, on one line: without its empty "Resolution note" and
 * timestamps, and with OpenSSL's "<hex>:error:<hex>:SSL routines:<function>:<reason>:<file>:<line>:…"
 * cut to its reason. Only the wording changes; the error's class never depends on it.
 */
function connectionFailureText(details: string): string {
  const text = details
    .replace(/\s*Resolution note:[\s\S]*$/, "")
    .replace(/\b[0-9A-F]{8,}:error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):[^\s:]+:\d+:(SSL alert number \d+)?/g, "TLS: $1")
    .replace(/\s*\(\d{4}-\d\d-\d\dT[\d:.]+Z\)/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/**
 * Maps a failed call of `rpc` (the method name, used only in the text of an unclassified error) to a
 * typed error. Anything that is not a gRPC status error is returned unchanged. `transport` says how
 * the client connects (see describeTransport); it is added to a failure to connect, which comes from
 * grpc-js without a reason, so that a TLS mismatch says what to change.
 */
export function mapGrpcError(err: ServiceError, rpc: string, transport?: string): FlowgateError;
export function mapGrpcError(err: unknown, rpc: string, transport?: string): unknown;
export function mapGrpcError(err: unknown, rpc: string, transport?: string): unknown {
  if (!isServiceError(err)) return err;
  const { reason, fieldErrors } = decodeStatusDetails(statusDetailsOf(err));
  let message = err.details || err.message;
  if (err.code === status.UNAVAILABLE && reason === undefined && transport !== undefined) {
    message = `${connectionFailureText(message)} ${transport}`;
  }
  const failure: Failure = { message, code: err.code, fieldErrors, options: { cause: err, reason } };
  const make = (reason === undefined ? undefined : ERRORS_BY_REASON.get(reason)) ?? ERRORS_BY_CODE.get(err.code);
  return make ? make(failure) : new FlowgateError(`${rpc} failed: ${failure.message}`, err.code, failure.options);
}
