/**
 * Typed domain errors. Each carries a machine-readable reason from the contract's `ErrorReason`
 * (proto/flowgate/v1/errors.proto; a test keeps the two lists equal); its class fixes the kind of
 * failure, which each transport maps to its own status code in exactly one place (rpc/status.ts,
 * http/http-errors.ts). Messages are for humans and keep Prefect's wording.
 */
export interface FieldViolation {
  /** Dotted path of the offending field ("name", "address.city", "items.0"); "" for the whole value. */
  field: string;
  description: string;
}

/** Every reason the server can give, as named in the contract without the `ERROR_REASON_` prefix. */
export const ERROR_REASONS = [
  "FLOW_RUN_NOT_FOUND",
  "DEPLOYMENT_NOT_FOUND",
  "TASK_RUN_NOT_FOUND",
  "FLOW_RUN_INPUT_NOT_FOUND",
  "PAUSE_NOT_FOUND",
  "NOT_PAUSED",
  "PAUSE_TIMED_OUT",
  "ALREADY_FINAL",
  "TRANSITION_REFUSED",
  "INVALID_RUN_INPUT",
  "INVALID_ARGUMENT",
  "VERSION_CONFLICT",
  "INPUT_KEY_EXISTS",
  "STORE_UNAVAILABLE",
  "UNAUTHENTICATED",
  "PERMISSION_DENIED",
  "CONTENTION",
  "INTERNAL",
  "ROUTE_NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "PAYLOAD_TOO_LARGE",
  "KEY_NOT_FOUND",
  "DEPLOYMENT_EXISTS",
  "NOT_AN_APPROVER",
  "SELF_APPROVAL",
  "RESUME_LINK_INVALID",
  "RESUME_LINK_USED",
  "RESUME_LINK_EXPIRED",
  "WEBHOOK_NOT_FOUND",
  "TOO_MANY_STREAMS",
] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

export type DomainErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "failed_precondition"
  | "aborted"
  | "unauthenticated"
  | "permission_denied"
  | "resource_exhausted";

export type NotFoundReason =
  | "KEY_NOT_FOUND"
  | "FLOW_RUN_NOT_FOUND"
  | "DEPLOYMENT_NOT_FOUND"
  | "TASK_RUN_NOT_FOUND"
  | "FLOW_RUN_INPUT_NOT_FOUND"
  | "PAUSE_NOT_FOUND"
  | "WEBHOOK_NOT_FOUND"
  /** RevokeResumeLink of a link id that does not exist (elsewhere this reason is UNAUTHENTICATED). */
  | "RESUME_LINK_INVALID";
export type RefusalReason =
  "NOT_PAUSED" | "PAUSE_TIMED_OUT" | "ALREADY_FINAL" | "TRANSITION_REFUSED" | "RESUME_LINK_USED" | "RESUME_LINK_EXPIRED";
export type DeniedReason = "PERMISSION_DENIED" | "NOT_AN_APPROVER" | "SELF_APPROVAL";
export type InvalidReason = "INVALID_ARGUMENT" | "INVALID_RUN_INPUT";
export type ConflictReason = "VERSION_CONFLICT" | "CONTENTION";

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  constructor(
    readonly reason: ErrorReason,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidArgumentError extends DomainError {
  readonly kind = "invalid_argument" as const;
  constructor(
    message: string,
    readonly violations: readonly FieldViolation[] = [],
    reason: InvalidReason = "INVALID_ARGUMENT",
  ) {
    super(reason, message);
  }
}

export class NotFoundError extends DomainError {
  readonly kind = "not_found" as const;
  constructor(reason: NotFoundReason, message: string) {
    super(reason, message);
  }
}

export type ExistsReason = "INPUT_KEY_EXISTS" | "DEPLOYMENT_EXISTS";

export class AlreadyExistsError extends DomainError {
  readonly kind = "already_exists" as const;
  constructor(reason: ExistsReason, message: string) {
    super(reason, message);
  }
}

/** The rules refuse the call in the run's current state. */
export class FailedPreconditionError extends DomainError {
  readonly kind = "failed_precondition" as const;
  constructor(reason: RefusalReason, message: string) {
    super(reason, message);
  }
}

/** An optimistic-concurrency guard failed: the caller's expected version is stale, or writers kept colliding. */
export class AbortedError extends DomainError {
  readonly kind = "aborted" as const;
  constructor(reason: ConflictReason, message: string) {
    super(reason, message);
  }
}

/** No credential, or one that is unknown, expired or revoked. */
export class UnauthenticatedError extends DomainError {
  readonly kind = "unauthenticated" as const;
  constructor(message: string, reason: "UNAUTHENTICATED" | "RESUME_LINK_INVALID" = "UNAUTHENTICATED") {
    super(reason, message);
  }
}

/** The caller is known but may not do this. */
export class PermissionDeniedError extends DomainError {
  readonly kind = "permission_denied" as const;
  constructor(message: string, reason: DeniedReason = "PERMISSION_DENIED") {
    super(reason, message);
  }
}

/**
 * A limit on what callers may hold at once (open streams: per principal, and in total) is reached.
 * It clears as those finish, so a client retries with backoff.
 */
export class ResourceExhaustedError extends DomainError {
  readonly kind = "resource_exhausted" as const;
  constructor(message: string, reason: "TOO_MANY_STREAMS" = "TOO_MANY_STREAMS") {
    super(reason, message);
  }
}

/**
 * Rebuilds a domain error from its stored parts (the request log replays outcomes to retries).
 * Outcomes stored before reasons existed carry only their kind; they get that kind's general reason.
 */
export function domainErrorFrom(stored: {
  reason?: string;
  kind?: string;
  message: string;
  violations?: readonly FieldViolation[];
}): DomainError {
  const reason = stored.reason ?? LEGACY_REASON_OF_KIND[stored.kind ?? ""] ?? "TRANSITION_REFUSED";
  const { message } = stored;
  switch (reason) {
    case "INVALID_ARGUMENT":
    case "INVALID_RUN_INPUT":
      return new InvalidArgumentError(message, stored.violations ?? [], reason);
    case "FLOW_RUN_NOT_FOUND":
    case "DEPLOYMENT_NOT_FOUND":
    case "TASK_RUN_NOT_FOUND":
    case "FLOW_RUN_INPUT_NOT_FOUND":
    case "PAUSE_NOT_FOUND":
    case "KEY_NOT_FOUND":
    case "WEBHOOK_NOT_FOUND":
      return new NotFoundError(reason, message);
    case "INPUT_KEY_EXISTS":
    case "DEPLOYMENT_EXISTS":
      return new AlreadyExistsError(reason, message);
    case "VERSION_CONFLICT":
    case "CONTENTION":
      return new AbortedError(reason, message);
    case "UNAUTHENTICATED":
    case "RESUME_LINK_INVALID":
      return new UnauthenticatedError(message, reason);
    case "PERMISSION_DENIED":
    case "NOT_AN_APPROVER":
    case "SELF_APPROVAL":
      return new PermissionDeniedError(message, reason);
    case "NOT_PAUSED":
    case "PAUSE_TIMED_OUT":
    case "ALREADY_FINAL":
    case "RESUME_LINK_USED":
    case "RESUME_LINK_EXPIRED":
      return new FailedPreconditionError(reason, message);
    case "TOO_MANY_STREAMS":
      return new ResourceExhaustedError(message, reason);
    default:
      return new FailedPreconditionError("TRANSITION_REFUSED", message);
  }
}

const LEGACY_REASON_OF_KIND: Record<string, ErrorReason> = {
  invalid_argument: "INVALID_ARGUMENT",
  not_found: "FLOW_RUN_NOT_FOUND",
  already_exists: "INPUT_KEY_EXISTS",
  aborted: "VERSION_CONFLICT",
  failed_precondition: "TRANSITION_REFUSED",
};

/** Exact messages other clients match on (docs/scenarios.md). */
export const Messages = {
  pauseNotRunning: "Cannot pause flows that are not currently running.",
  pauseNoState: "Cannot pause flows with no state.",
  suspendSubflow: "Cannot suspend subflows.",
  suspendNoDeployment: "Cannot suspend flows without a deployment.",
  resumeNotPaused: "Cannot resume a flow run that is not paused.",
  resumeTimedOut: "The flow run pause has timed out and can no longer resume.",
  pauseExpired: "The flow was paused and never resumed.",
} as const;
