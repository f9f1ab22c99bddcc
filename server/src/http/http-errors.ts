import type { Logger } from "pino";
import { DomainError, InvalidArgumentError, type DomainErrorKind, type ErrorReason, type FieldViolation } from "../domain/errors.js";
import { isCallAborted, isStoreUnavailable } from "../app/ports.js";
import type { ErrorJson } from "./api-types.js";

export type HttpReason = Extract<ErrorReason, "ROUTE_NOT_FOUND" | "METHOD_NOT_ALLOWED" | "PAYLOAD_TOO_LARGE" | "INVALID_ARGUMENT">;

const HTTP_REASON_STATUS: Record<HttpReason, number> = {
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  INVALID_ARGUMENT: 400,
};

/**
 * A failure that belongs to HTTP itself (no such route, body too large, a body that is not JSON), not
 * to the domain. `status` overrides the reason's usual one where HTTP has a more precise code (415).
 */
export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly reason: HttpReason,
    message: string,
    readonly headers: Record<string, string> = {},
    status?: number,
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status ?? HTTP_REASON_STATUS[reason];
  }
}

const STATUSES: Record<DomainErrorKind, number> = {
  invalid_argument: 400,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 409,
  aborted: 409,
  unauthenticated: 401,
  permission_denied: 403,
  resource_exhausted: 429,
};

export interface HttpFailure {
  status: number;
  body: ErrorJson;
  headers: Record<string, string>;
}

/**
 * The one error boundary of the HTTP side, the counterpart of rpc/status.ts: every error body names
 * its reason (the same as gRPC's ErrorInfo); domain errors keep their message (clients show it) and
 * field paths; an unreachable store is 503; anything else is a generic 500 whose details go to the
 * log only, so internals never reach a browser.
 */
export function toHttpFailure(err: unknown, logger: Logger, route: string): HttpFailure {
  if (err instanceof InvalidArgumentError) {
    const { message, violations } = err.reason === "INVALID_ARGUMENT" ? inHttpFieldNames(err.message, err.violations) : err;
    return { status: 400, body: { error: message, reason: err.reason, fieldErrors: violations }, headers: {} };
  }
  if (err instanceof DomainError) {
    // A limit that clears as other calls finish (TOO_MANY_STREAMS): a browser's EventSource retries anyway.
    const headers: Record<string, string> = err.kind === "resource_exhausted" ? { "retry-after": "1" } : {};
    return { status: STATUSES[err.kind], body: { error: err.message, reason: err.reason }, headers };
  }
  if (err instanceof HttpError) return { status: err.status, body: { error: err.message, reason: err.reason }, headers: err.headers };
  if (isStoreUnavailable(err)) {
    logger.warn({ err, route }, "store unavailable");
    return {
      status: 503,
      body: { error: "The store is unavailable; retry shortly.", reason: "STORE_UNAVAILABLE" },
      headers: { "retry-after": "1" },
    };
  }
  if (isCallAborted(err)) {
    // The client went away (nobody reads this) or the server is stopping: retry elsewhere or later.
    logger.debug({ err, route }, "call aborted");
    return { status: 503, body: { error: "The call was cancelled; retry.", reason: "INTERNAL" }, headers: { "retry-after": "1" } };
  }
  logger.error({ err, route }, "unexpected error in the HTTP API");
  return { status: 500, body: { error: "Internal error; the server log has the details.", reason: "INTERNAL" }, headers: {} };
}

/**
 * The services name request fields as the contract does (`page_size`, `flow_run_id`); the HTTP API's
 * JSON calls them `pageSize`, `flowRunId`, so its errors do too. Only request fields are renamed: a
 * run input's field paths (INVALID_RUN_INPUT) are the user's own names and pass unchanged.
 */
export function inHttpFieldNames(
  message: string,
  violations: readonly FieldViolation[],
): { message: string; violations: FieldViolation[] } {
  let text = message;
  const renamed = violations.map((v) => {
    const field = camelCase(v.field);
    if (field !== v.field) text = text.split(v.field).join(field);
    return { field, description: v.description };
  });
  return { message: text, violations: renamed };
}

function camelCase(path: string): string {
  return path.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
