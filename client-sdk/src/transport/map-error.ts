/**
 * The SDK's one error boundary: a gRPC failure becomes a typed error here and nowhere else.
 * Server messages are kept verbatim (other clients match on them); only the class is chosen here.
 */
import { status, type ServiceError } from "@grpc/grpc-js";
import {
  AlreadyExistsError,
  ConflictError,
  FlowgateError,
  FlowPauseTimeout,
  FlowRunNotFoundError,
  InvalidArgumentError,
  InvalidRunInputError,
  NotFoundError,
  NotPausedError,
  RefusedError,
  UnavailableError,
  type FieldError,
} from "../errors.js";

const FIELD_VIOLATIONS_TRAILER = "flowgate-field-violations";
const NOT_PAUSED = "Cannot resume a flow run that is not paused.";
const RESUME_TIMED_OUT = "The flow run pause has timed out and can no longer resume.";

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === "number" && "details" in err;
}

/** Field violations from the trailer the server adds to INVALID_ARGUMENT; [] when absent or unreadable. */
export function fieldErrorsOf(err: ServiceError): FieldError[] {
  const raw = err.metadata?.get(FIELD_VIOLATIONS_TRAILER)[0];
  if (raw === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(String(raw));
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((v: unknown) => {
      if (typeof v !== "object" || v === null) return [];
      const { field, description } = v as Record<string, unknown>;
      return typeof field === "string" && typeof description === "string" ? [{ field, description }] : [];
    });
  } catch {
    return [];
  }
}

/**
 * Maps a failed call of `rpc` (the method name, e.g. "ResumeFlowRun") to a typed error. Anything that
 * is not a gRPC status error is returned unchanged.
 */
export function mapGrpcError(err: unknown, rpc: string): unknown {
  if (!isServiceError(err)) return err;
  const message = err.details || err.message;
  const options = { cause: err };
  switch (err.code) {
    case status.NOT_FOUND:
      return message.startsWith("Flow run") && !message.includes("has no pause")
        ? new FlowRunNotFoundError(message, err.code, options)
        : new NotFoundError(message, err.code, options);
    case status.INVALID_ARGUMENT: {
      const fields = fieldErrorsOf(err);
      return rpc === "ResumeFlowRun" && !message.startsWith("flow_run_id")
        ? new InvalidRunInputError(message, fields, err.code, options)
        : new InvalidArgumentError(message, fields, err.code, options);
    }
    case status.FAILED_PRECONDITION:
      if (message === NOT_PAUSED) return new NotPausedError(message, err.code, options);
      // Prefect's wording for a resume that came too late; the server's text stays in `cause`.
      if (message === RESUME_TIMED_OUT) return new FlowPauseTimeout("Flow run can no longer be resumed.", err.code, options);
      return new RefusedError(message, err.code, options);
    case status.ALREADY_EXISTS:
      return new AlreadyExistsError(message, err.code, options);
    case status.ABORTED:
      return new ConflictError(message, err.code, options);
    case status.UNAVAILABLE:
      return new UnavailableError(message, err.code, options);
    default:
      return new FlowgateError(`${rpc} failed: ${message}`, err.code, options);
  }
}
