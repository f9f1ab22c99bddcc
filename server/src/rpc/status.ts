import { status, Metadata, type ServiceError } from "@grpc/grpc-js";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import type { Logger } from "pino";
import { DomainError, InvalidArgumentError, type DomainErrorKind, type ErrorReason, type FieldViolation } from "../domain/errors.js";
import { isCallAborted, isStoreUnavailable } from "../app/ports.js";

const CODES: Record<DomainErrorKind, status> = {
  invalid_argument: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  already_exists: status.ALREADY_EXISTS,
  failed_precondition: status.FAILED_PRECONDITION,
  aborted: status.ABORTED,
  unauthenticated: status.UNAUTHENTICATED,
  permission_denied: status.PERMISSION_DENIED,
  resource_exhausted: status.RESOURCE_EXHAUSTED,
};

/** `ErrorInfo.domain` of every error this server returns (AIP-193). */
export const ERROR_DOMAIN = "flowgate.dev";

/**
 * The one error boundary of the gRPC side: domain errors become their status codes; anything else
 * becomes a generic UNAVAILABLE or INTERNAL whose details go to the log only. Every error carries a
 * google.rpc.Status in `grpc-status-details-bin` with an ErrorInfo (its reason) and, for invalid
 * input, a BadRequest naming the fields. Binary metadata only: text metadata must be ASCII, and
 * field paths and descriptions are user text. Every part is clipped to fit the trailers every client
 * accepts (MAX_TRAILER_BYTES).
 */
export function toServiceError(err: unknown, logger: Logger, method: string): Partial<ServiceError> {
  if (err instanceof DomainError) return domainErrorStatus(err);
  if (isStoreUnavailable(err)) {
    logger.warn({ err, method }, "store unavailable");
    return withDetails(status.UNAVAILABLE, "The store is unavailable; retry shortly.", "STORE_UNAVAILABLE");
  }
  if (isCallAborted(err)) {
    // Nobody is listening for most of these (the caller left); a server that stops says so.
    logger.debug({ err, method }, "call aborted");
    return { code: status.CANCELLED, details: "The call was cancelled." };
  }
  logger.error({ err, method }, "unexpected error");
  return withDetails(status.INTERNAL, "Internal error; the server log has the details.", "INTERNAL");
}

/** A domain error as its status, code, reason and violations; also for refusals outside the adapter (grpc-server.ts). */
export function domainErrorStatus(err: DomainError): Partial<ServiceError> {
  const violations = err instanceof InvalidArgumentError ? err.violations : [];
  return withDetails(CODES[err.kind], err.message, err.reason, violations);
}

function withDetails(
  code: status,
  message: string,
  reason: ErrorReason,
  violations: readonly FieldViolation[] = [],
): Partial<ServiceError> {
  const details = clipMessage(message);
  const metadata = new Metadata();
  metadata.set("grpc-status-details-bin", encodeStatus(code, details, reason, violations));
  return { code, details, metadata };
}

/**
 * The trailers of one error stay under what every gRPC client accepts: gRPC-core (Python, C++, Ruby,
 * PHP, …) refuses a metadata block over 8 KiB by default and its caller then sees neither the status
 * nor its details. The message goes out twice (percent-encoded in grpc-message, and in the Status),
 * the Status base64-encoded: each part has its own budget below, their sum well inside the limit.
 */
export const MAX_TRAILER_BYTES = 8 * 1024;
/** grpc-message as sent: percent-encoded (encodeURI), so a non-ASCII character costs up to 12 bytes. */
const MAX_MESSAGE_ENCODED = 2_048;
/** grpc-status-details-bin before base64, which makes it 4/3 larger: 3,584 bytes become 4,780. */
const MAX_DETAILS_BYTES = 3_584;
/** One violation's field path and description, in characters (the domain clips them the same way). */
const MAX_FIELD_CHARS = 120;
const MAX_DESCRIPTION_CHARS = 200;

/** What the trailers of an error weigh on the wire, as a gRPC client counts them (names, values, 32 bytes each). */
export function trailerBytes(err: Pick<ServiceError, "code" | "details" | "metadata">): number {
  let size = "grpc-status".length + String(err.code).length + 32 + "grpc-message".length + encodeURI(err.details).length + 32;
  for (const [name, values] of Object.entries(err.metadata.toHttp2Headers())) {
    for (const value of [values].flat()) size += name.length + String(value).length + 32;
  }
  return size;
}

/**
 * google.rpc.Status { code, message, details: [Any(ErrorInfo), Any(BadRequest)?] }, encoded by hand:
 * three small messages do not justify vendoring googleapis. The reason always fits; violations are
 * clipped and, past the budget, left out and counted in a last one ("and 7 more").
 */
export function encodeStatus(code: number, message: string, reason: ErrorReason, violations: readonly FieldViolation[]): Buffer {
  const statusMsg = new BinaryWriter().uint32(8).int32(code).uint32(18).string(clipMessage(message));
  const errorInfo = new BinaryWriter().uint32(10).string(reason).uint32(18).string(ERROR_DOMAIN).finish();
  statusMsg.uint32(26).bytes(packAny("type.googleapis.com/google.rpc.ErrorInfo", errorInfo));
  if (violations.length > 0) {
    const head = statusMsg.finish();
    // The BadRequest's Any wrapper and the closing "and N more" violation, at most.
    const reserve = 128;
    let budget = MAX_DETAILS_BYTES - head.length - reserve;
    const entries: Uint8Array[] = [];
    for (const v of violations) {
      const entry = violationEntry(clip(wellFormed(v.field), MAX_FIELD_CHARS), clip(wellFormed(v.description), MAX_DESCRIPTION_CHARS));
      if (entry.length > budget) break;
      budget -= entry.length;
      entries.push(entry);
    }
    const left = violations.length - entries.length;
    if (left > 0) entries.push(violationEntry("", `and ${left} more`));
    const badRequest = new BinaryWriter();
    for (const e of entries) badRequest.raw(e);
    const out = new BinaryWriter().raw(head);
    out.uint32(26).bytes(packAny("type.googleapis.com/google.rpc.BadRequest", badRequest.finish()));
    return Buffer.from(out.finish());
  }
  return Buffer.from(statusMsg.finish());
}

/** BadRequest.field_violations (1) entry: FieldViolation { field = 1, description = 2 }. */
function violationEntry(field: string, description: string): Uint8Array {
  return new BinaryWriter().uint32(10).fork().uint32(10).string(field).uint32(18).string(description).join().finish();
}

function packAny(typeUrl: string, value: Uint8Array): Uint8Array {
  return new BinaryWriter().uint32(10).string(typeUrl).uint32(18).bytes(value).finish();
}

/**
 * The message as it can go out: well-formed (grpc-js percent-encodes it with encodeURI, which throws
 * on a lone surrogate, as text clipped inside an emoji has, and that throw ends the process), and
 * clipped to MAX_MESSAGE_ENCODED once percent-encoded.
 */
export function clipMessage(message: string): string {
  const text = wellFormed(message);
  if (encodeURI(text).length <= MAX_MESSAGE_ENCODED) return text;
  let out = "";
  let size = 0;
  for (const ch of text) {
    const cost = encodeURI(ch).length;
    if (size + cost > MAX_MESSAGE_ENCODED - 3) break;
    out += ch;
    size += cost;
  }
  return `${out}...`;
}

/** At most `max` characters (code points, never half of a pair). */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 3).join("")}...`;
}

/** Lone surrogates replaced by U+FFFD (String.prototype.toWellFormed, ES2024). */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}
