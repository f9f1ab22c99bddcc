import { status, Metadata, type ServiceError } from "@grpc/grpc-js";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import type { Logger } from "pino";
import { DomainError, InvalidArgumentError, type DomainErrorKind, type FieldViolation } from "../domain/errors.js";
import { isStoreUnavailable } from "../store/store-errors.js";

const CODES: Record<DomainErrorKind, status> = {
  invalid_argument: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  already_exists: status.ALREADY_EXISTS,
  failed_precondition: status.FAILED_PRECONDITION,
  aborted: status.ABORTED,
};

/** Metadata key carrying the field violations as JSON, for clients that do not decode rich status. */
export const FIELD_VIOLATIONS_METADATA = "flowgate-field-violations";

/**
 * The one error boundary of the gRPC side: domain errors become their status codes (with field
 * violations as google.rpc.BadRequest details and as JSON metadata); anything else becomes a generic
 * UNAVAILABLE or INTERNAL whose details go to the log only.
 */
export function toServiceError(err: unknown, logger: Logger, method: string): Partial<ServiceError> {
  if (err instanceof DomainError) {
    const metadata = new Metadata();
    if (err instanceof InvalidArgumentError && err.violations.length > 0) {
      metadata.set(FIELD_VIOLATIONS_METADATA, JSON.stringify(err.violations));
      metadata.set("grpc-status-details-bin", encodeStatusWithBadRequest(status.INVALID_ARGUMENT, err.message, err.violations));
    }
    return { code: CODES[err.kind], details: err.message, metadata };
  }
  if (isStoreUnavailable(err)) {
    logger.warn({ err, method }, "store unavailable");
    return { code: status.UNAVAILABLE, details: "The store is unavailable; retry shortly." };
  }
  logger.error({ err, method }, "unexpected error");
  return { code: status.INTERNAL, details: "Internal error; the server log has the details." };
}


/** google.rpc.Status { code, message, details: [Any(google.rpc.BadRequest)] }, encoded by hand to avoid vendoring googleapis. */
function encodeStatusWithBadRequest(code: number, message: string, violations: readonly FieldViolation[]): Buffer {
  const badRequest = new BinaryWriter();
  for (const v of violations) {
    badRequest.uint32(10).fork().uint32(10).string(v.field).uint32(18).string(v.description).join();
  }
  const any = new BinaryWriter()
    .uint32(10)
    .string("type.googleapis.com/google.rpc.BadRequest")
    .uint32(18)
    .bytes(badRequest.finish());
  const statusMsg = new BinaryWriter().uint32(8).int32(code).uint32(18).string(message).uint32(26).bytes(any.finish());
  return Buffer.from(statusMsg.finish());
}
