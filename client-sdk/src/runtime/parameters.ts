/**
 * Flow arguments ↔ the run's `parameters` object. A flow taking one plain object records it as is
 * (like Prefect's keyword arguments), so a deployment's parameters call the flow the same way.
 */
import type { JsonObject, JsonValue } from "../types.js";

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function toJson(value: unknown): JsonValue {
  try {
    return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
  } catch {
    // Cyclic or otherwise unserializable: record what it is rather than fail the run.
    return String(value);
  }
}

export function parametersOf(args: readonly unknown[]): JsonObject {
  if (args.length === 0) return {};
  if (args.length === 1 && isPlainObject(args[0])) return toJson(args[0]) as JsonObject;
  return { args: toJson(args) };
}

/** The arguments a flow is called with for a run created elsewhere (deployment, runner). */
export function argsOf(parameters: JsonObject): unknown[] {
  const keys = Object.keys(parameters);
  if (keys.length === 0) return [];
  if (keys.length === 1 && Array.isArray(parameters["args"])) return parameters["args"];
  return [parameters];
}

/** A task's return value for the wire; throws when it is not JSON (persisted results must be). */
export function resultToJson(value: unknown): JsonValue {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}
