import { DomainError } from "../domain/errors.js";
import { isStoreUnavailable } from "../app/ports.js";

/** The ErrorInfo reason a failure will be answered with, on any transport (for logs and metrics). */
export function reasonOfFailure(err: unknown): string {
  if (err instanceof DomainError) return err.reason;
  if (err instanceof Error && "reason" in err && typeof err.reason === "string") return err.reason;
  if (isStoreUnavailable(err)) return "STORE_UNAVAILABLE";
  return "INTERNAL";
}
