import { InvalidArgumentError, type InvalidReason } from "./errors.js";
import { MAX_JSON_DEPTH, MAX_JSON_ENTRIES, requireJsonWithinLimits } from "./json-limits.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAUSE_KEY = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const INPUT_KEY = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,255}$/;
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

export function requireId(field: string, value: string): string {
  if (value.length === 0) throw new InvalidArgumentError(`${field} is required.`, [{ field, description: "is required" }]);
  if (!UUID.test(value)) {
    throw new InvalidArgumentError(`${field} must be a UUID, got "${truncate(value)}".`, [{ field, description: "must be a UUID" }]);
  }
  return value.toLowerCase();
}

/** Pause keys: lowercase letters, digits and dashes (1 to 64), so they are safe in input keys and field names. */
export function requirePauseKey(value: string): string {
  if (!PAUSE_KEY.test(value)) {
    throw new InvalidArgumentError(`Invalid pause key "${truncate(value)}": use 1 to 64 lowercase letters, digits and dashes.`, [
      { field: "key", description: "must be 1 to 64 lowercase letters, digits and dashes" },
    ]);
  }
  return value;
}

export function requireInputKey(value: string): string {
  if (!INPUT_KEY.test(value)) {
    throw new InvalidArgumentError(`Invalid input key "${truncate(value)}": use up to 256 letters, digits, "_", ".", ":" and "-".`, [
      { field: "key", description: "must be up to 256 letters, digits, _ . : -" },
    ]);
  }
  return value;
}

export function optionalRequestId(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (!REQUEST_ID.test(value)) {
    throw new InvalidArgumentError("request_id must be 1 to 128 printable ASCII characters.", [
      { field: "request_id", description: "must be 1 to 128 printable ASCII characters" },
    ]);
  }
  return value;
}

export function requireName(field: string, value: string, max = 200): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max) {
    throw new InvalidArgumentError(`${field} must be 1 to ${max} characters.`, [{ field, description: `must be 1 to ${max} characters` }]);
  }
  return trimmed;
}

export { jsonSize } from "./json-limits.js";

/**
 * The one check every JSON value from a client passes before any other work on it (parameters, run
 * inputs, schemas, initial inputs, input values, results), on gRPC and HTTP alike: nesting depth,
 * number of entries, keys the store can hold, then size in bytes (json-limits.ts has the limits).
 */
export function requireWithinLimit(field: string, value: unknown, limitBytes: number, reason: InvalidReason = "INVALID_ARGUMENT"): void {
  requireJsonWithinLimits(field, value, { maxDepth: MAX_JSON_DEPTH, maxEntries: MAX_JSON_ENTRIES, maxBytes: limitBytes }, reason);
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
