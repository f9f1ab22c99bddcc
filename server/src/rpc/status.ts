import { status, Metadata, type ServiceError } from "@grpc/grpc-js";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import type { Logger } from "pino";
import { DomainError, InvalidArgumentError, type DomainErrorKind, type ErrorReason, type FieldViolation } from "../domain/errors.js";
import { isStoreUnavailable } from "../app/ports.js";

const CODES: Record<DomainErrorKind, status> = {
  invalid_argument: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  already_exists: status.ALREADY_EXISTS,
  failed_precondition: status.FAILED_PRECONDITION,
  aborted: status.ABORTED,
  unauthenticated: status.UNAUTHENTICATED,
  permission_denied: status.PERMISSION_DENIED,
};

/** `ErrorInfo.domain` of every error this server returns (AIP-193). */
export const ERROR_DOMAIN = "flowgate.dev";

/**
 * The one error boundary of the gRPC side: domain errors become their status codes; anything else
 * becomes a generic UNAVAILABLE or INTERNAL whose details go to the log only. Every error carries a
 * google.rpc.Status in `grpc-status-details-bin` with an ErrorInfo (its reason) and, for invalid
 * input, a BadRequest naming the fields. Binary metadata only: text metadata must be ASCII, and
 * field paths and descriptions are user text.
 */
export function toServiceError(err: unknown, logger: Logger, method: string): Partial<ServiceError> {
  if (err instanceof DomainError) {
    const violations = err instanceof InvalidArgumentError ? err.violations : [];
    return withDetails(CODES[err.kind], err.message, err.reason, violations);
  }
  if (isStoreUnavailable(err)) {
    logger.warn({ err, method }, "store unavailable");
    return withDetails(status.UNAVAILABLE, "The store is unavailable; retry shortly.", "STORE_UNAVAILABLE");
  }
  logger.error({ err, method }, "unexpected error");
  return withDetails(status.INTERNAL, "Internal error; the server log has the details.", "INTERNAL");
}

function withDetails(
  code: status,
  message: string,
  reason: ErrorReason,
  violations: readonly FieldViolation[] = [],
): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set("grpc-status-details-bin", encodeStatus(code, message, reason, violations));
  return { code, details: message, metadata };
}

/**
 * google.rpc.Status { code, message, details: [Any(ErrorInfo), Any(BadRequest)?] }, encoded by hand:
 * three small messages do not justify vendoring googleapis.
 */
export function encodeStatus(code: number, message: string, reason: ErrorReason, violations: readonly FieldViolation[]): Buffer {
  const statusMsg = new BinaryWriter().uint32(8).int32(code).uint32(18).string(message);
  const errorInfo = new BinaryWriter().uint32(10).string(reason).uint32(18).string(ERROR_DOMAIN).finish();
  statusMsg.uint32(26).bytes(packAny("type.googleapis.com/google.rpc.ErrorInfo", errorInfo));
  if (violations.length > 0) {
    const badRequest = new BinaryWriter();
    for (const v of violations) {
      badRequest.uint32(10).fork().uint32(10).string(v.field).uint32(18).string(v.description).join();
    }
    statusMsg.uint32(26).bytes(packAny("type.googleapis.com/google.rpc.BadRequest", badRequest.finish()));
  }
  return Buffer.from(statusMsg.finish());
}

function packAny(typeUrl: string, value: Uint8Array): Uint8Array {
  return new BinaryWriter().uint32(10).string(typeUrl).uint32(18).bytes(value).finish();
}
