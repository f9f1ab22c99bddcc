/**
 * The shape limits every JSON value a client sends is held to (parameters, run inputs, input schemas,
 * initial inputs, flow-run input values, task results), checked before any other work on the value,
 * on every path (gRPC and HTTP call the same services).
 *
 * Depth: the value goes back to clients inside protobuf messages, where each JSON level costs three
 * nested messages (Struct → map entry → Value). The generated TypeScript decoder (ts-proto) and the
 * Python one (upb) both stop at 100 nested messages, which is 32 JSON levels in the deepest place a
 * value is sent (WatchFlowRunsResponse → event → flow_run → pause → input_schema). 24 leaves room
 * for a few more wrapping messages in later versions of the contract; test/server/hostile-input.test.ts
 * checks that a value at the limit still decodes there.
 *
 * Entries: members of objects plus items of arrays, counted through the whole value; it bounds the
 * work of validating and storing a value whatever its byte size.
 */
import { InvalidArgumentError, type InvalidReason } from "./errors.js";

export const MAX_JSON_DEPTH = 24;
export const MAX_JSON_ENTRIES = 10_000;

export interface JsonLimits {
  maxDepth: number;
  maxEntries: number;
  /** UTF-8 bytes of the value's JSON text. */
  maxBytes: number;
}

export type JsonBreach =
  | { kind: "depth"; path: string }
  | { kind: "entries"; path: string }
  /** `size` is exact when `exact`, else a lower bound found before the walk ended. */
  | { kind: "bytes"; path: string; size: number; exact: boolean }
  | { kind: "nul_key"; path: string }
  | { kind: "not_json"; path: string; found: string };

/**
 * Walks a value without recursion (a hostile depth cannot overflow the stack) and stops at the first
 * breach, so the work is bounded by the limits, not by the value. Returns undefined when the value is
 * within every limit. Keys containing U+0000 are refused because document stores cannot hold them
 * (BSON field names are NUL-terminated): such a value could be accepted and then never read back.
 */
export function findJsonBreach(value: unknown, limits: JsonLimits): JsonBreach | undefined {
  let entries = 0;
  // JSON text needs at least these bytes; the exact size is measured by the caller once this passes.
  let bytes = 0;
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: "" }];
  while (stack.length > 0) {
    const { value: v, depth, path } = stack.pop()!;
    if (v === null || typeof v === "boolean") {
      bytes += 4;
    } else if (typeof v === "number") {
      if (!Number.isFinite(v)) return { kind: "not_json", path, found: String(v) };
      bytes += 1;
    } else if (typeof v === "string") {
      bytes += Buffer.byteLength(v, "utf8") + 2;
    } else if (typeof v === "object") {
      if (depth + 1 > limits.maxDepth) return { kind: "depth", path };
      // Counted before anything is copied, so a huge array is refused without walking it.
      if (Array.isArray(v)) {
        entries += v.length;
        if (entries > limits.maxEntries) return { kind: "entries", path };
        bytes += 2 + v.length;
        v.forEach((item, i) => stack.push({ value: item, depth: depth + 1, path: joinPath(path, String(i)) }));
      } else {
        const keys = Object.keys(v);
        entries += keys.length;
        if (entries > limits.maxEntries) return { kind: "entries", path };
        bytes += 2;
        for (const key of keys) {
          if (key.includes("\u0000")) return { kind: "nul_key", path: joinPath(path, key.replaceAll("\u0000", "\\u0000")) };
          bytes += Buffer.byteLength(key, "utf8") + 3;
          stack.push({ value: (v as Record<string, unknown>)[key], depth: depth + 1, path: joinPath(path, key) });
        }
      }
    } else {
      return { kind: "not_json", path, found: typeof v };
    }
    if (bytes > limits.maxBytes) return { kind: "bytes", path: "", size: bytes, exact: false };
  }
  const size = jsonSize(value);
  if (size > limits.maxBytes) return { kind: "bytes", path: "", size, exact: true };
  return undefined;
}

/**
 * Throws InvalidArgumentError naming `field` (and the place inside it) and the limit it passed.
 * The order of checks is the order of cost: shape first, then the exact size of the JSON text.
 */
export function requireJsonWithinLimits(
  field: string,
  value: unknown,
  limits: JsonLimits,
  reason: InvalidReason = "INVALID_ARGUMENT",
): void {
  const breach = findJsonBreach(value, limits);
  if (!breach) return;
  const at = clipText(breach.path === "" ? field : `${field}.${breach.path}`, 120);
  switch (breach.kind) {
    case "depth":
      throw new InvalidArgumentError(
        `${field} nests deeper than ${limits.maxDepth} levels (at ${at}).`,
        [{ field: at, description: `nests deeper than the limit of ${limits.maxDepth} levels` }],
        reason,
      );
    case "entries":
      throw new InvalidArgumentError(
        `${field} has more than ${limits.maxEntries} entries (object members and array items).`,
        [{ field, description: `has more than the limit of ${limits.maxEntries} entries` }],
        reason,
      );
    case "bytes":
      throw new InvalidArgumentError(
        `${field} is ${breach.exact ? "" : "at least "}${breach.size} bytes; the limit is ${limits.maxBytes} bytes.`,
        [{ field, description: `exceeds the size limit of ${limits.maxBytes} bytes` }],
        reason,
      );
    case "nul_key":
      throw new InvalidArgumentError(
        `${field} has a key containing U+0000, which cannot be stored (at ${at}).`,
        [{ field: at, description: "key must not contain U+0000" }],
        reason,
      );
    case "not_json":
      throw new InvalidArgumentError(
        `${field} holds ${breach.found}, which JSON cannot represent (at ${at}).`,
        [{ field: at, description: "must be a JSON value (finite numbers only)" }],
        reason,
      );
  }
}

/** Size of a JSON value as the UTF-8 bytes of its JSON text, which is what the size limit counts. */
export function jsonSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), "utf8");
}

/** Text from the client, shortened for error messages (which travel in size-limited gRPC trailers). */
export function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function joinPath(base: string, child: string): string {
  return base === "" ? child : `${base}.${child}`;
}
