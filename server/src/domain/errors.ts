/**
 * Typed domain errors. Each class is one actionable case; transports map them to their own status
 * codes in exactly one place (rpc/status.ts for gRPC).
 */
export interface FieldViolation {
  /** Dotted path of the offending field ("name", "address.city", "items.0"); "" for the whole value. */
  field: string;
  description: string;
}

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export type DomainErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "failed_precondition"
  | "aborted";

export class InvalidArgumentError extends DomainError {
  readonly kind = "invalid_argument" as const;
  constructor(
    message: string,
    readonly violations: readonly FieldViolation[] = [],
  ) {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  readonly kind = "not_found" as const;
}

export class AlreadyExistsError extends DomainError {
  readonly kind = "already_exists" as const;
}

export class FailedPreconditionError extends DomainError {
  readonly kind = "failed_precondition" as const;
}

/** An optimistic-concurrency guard failed: the caller's expected version is stale. */
export class AbortedError extends DomainError {
  readonly kind = "aborted" as const;
}

/** Exact messages other clients match on (SCENARIOS.md). */
export const Messages = {
  pauseNotRunning: "Cannot pause flows that are not currently running.",
  pauseNoState: "Cannot pause flows with no state.",
  suspendSubflow: "Cannot suspend subflows.",
  suspendNoDeployment: "Cannot suspend flows without a deployment.",
  resumeNotPaused: "Cannot resume a flow run that is not paused.",
  resumeTimedOut: "The flow run pause has timed out and can no longer resume.",
  pauseExpired: "The flow was paused and never resumed.",
} as const;
