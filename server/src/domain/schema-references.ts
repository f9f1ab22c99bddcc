/**
 * Checks an input schema's `$ref`s before it is compiled, so that a schema accepted at pause time can
 * always be validated at resume time, within a bounded amount of work:
 *
 * - recursive schemas are refused: a `$ref` that leads back to a schema it is reached from could
 *   validate forever (`{"$ref": "#"}` overflows the stack on any input), and one whose branches
 *   each lead back multiplies the work at every level of the input;
 * - the schema's size is counted as validation applies it, each `$ref` target counted again at each
 *   use, so that a chain of `$defs` referencing the next twice cannot expand to 2^n subschemas;
 * - only references within the schema itself are supported (JSON pointers and anchors, relative to the
 *   schema or to its root `$id`); there is no registry of other schemas to resolve them against.
 *
 * Pure: walks the JSON without recursion, so any depth is safe to analyse.
 */
import { InvalidArgumentError } from "./errors.js";

/** Entries (object members and array items) of a schema as validation applies it, `$ref` targets counted at each use. */
export const MAX_SCHEMA_ENTRIES = 2_000;

/** Keywords whose value is one subschema. */
const ONE_SCHEMA = new Set([
  "additionalProperties",
  "propertyNames",
  "items",
  "contains",
  "not",
  "if",
  "then",
  "else",
  "unevaluatedItems",
  "unevaluatedProperties",
  "additionalItems",
  "contentSchema",
]);
/** Keywords whose value is a list of subschemas. */
const SCHEMA_LIST = new Set(["allOf", "anyOf", "oneOf", "prefixItems", "items"]);
/** Keywords whose value maps names to subschemas. */
const SCHEMA_MAP = new Set(["properties", "patternProperties", "dependentSchemas", "dependencies"]);
/** Keywords holding subschemas that apply only where a `$ref` points at them. */
const DEFINITIONS = new Set(["$defs", "definitions"]);

type Json = unknown;
type SchemaObject = Record<string, Json>;

interface Edge {
  to: SchemaObject;
  /** Where the target is reached, as a field path under input_schema (ending in $ref for a reference). */
  path: string;
}

interface Node {
  /** Its own entries, subschemas excluded. */
  own: number;
  edges: Edge[];
}

/**
 * Throws InvalidArgumentError (field input_schema…) when the schema is recursive, refers outside
 * itself, or applies more than MAX_SCHEMA_ENTRIES entries. `schema` must already be within the
 * general JSON limits (json-limits.ts), which bound this walk.
 */
export function checkSchemaReferences(schema: Json, field = "input_schema"): void {
  if (!isObject(schema)) return;
  const anchors = collectAnchors(schema);
  const nodes = new Map<SchemaObject, Node>();
  // Depth-first over subschemas and $ref edges: an edge to a schema still on the path closes a
  // cycle. Sizes are summed on the way back up, capped just past the limit.
  const size = new Map<SchemaObject, number>();
  const onPath = new Set<SchemaObject>([schema]);
  const stack: { s: SchemaObject; path: string; next: number }[] = [{ s: schema, path: "", next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    let n = nodes.get(top.s);
    if (!n) {
      n = describe(top.s, top.path, schema, anchors, field);
      nodes.set(top.s, n);
    }
    const edge = n.edges[top.next];
    if (edge) {
      top.next++;
      if (onPath.has(edge.to)) {
        throw refused(
          field,
          edge.path,
          "makes the schema recursive; recursive schemas are not supported (a $ref may not lead back to a schema it is reached from)",
        );
      }
      if (!size.has(edge.to)) {
        onPath.add(edge.to);
        stack.push({ s: edge.to, path: edge.path, next: 0 });
      }
      continue;
    }
    let total = n.own;
    for (const e of n.edges) total = Math.min(total + size.get(e.to)!, MAX_SCHEMA_ENTRIES + 1);
    size.set(top.s, total);
    onPath.delete(top.s);
    stack.pop();
  }
  if (size.get(schema)! > MAX_SCHEMA_ENTRIES) {
    throw new InvalidArgumentError(
      `${field} is too large: more than ${MAX_SCHEMA_ENTRIES} entries as validation applies it (each $ref target counted at each use).`,
      [{ field, description: `has more than the limit of ${MAX_SCHEMA_ENTRIES} entries, $ref targets counted at each use` }],
    );
  }
}

function describe(s: SchemaObject, path: string, root: SchemaObject, anchors: Map<string, SchemaObject>, field: string): Node {
  const n: Node = { own: 0, edges: [] };
  const child = (value: Json, at: string): void => {
    if (isObject(value)) n.edges.push({ to: value, path: at });
  };
  for (const [key, value] of Object.entries(s)) {
    const at = joinPath(path, key);
    n.own += 1;
    if (key === "$id" && s !== root) throw refused(field, at, "is not supported below the schema's root (one schema, one resource)");
    if (key === "$dynamicRef" || key === "$recursiveRef") throw refused(field, at, "is not supported; use $ref");
    if (key === "$ref" && typeof value === "string") {
      const target = resolveRef(value, root, anchors);
      if (target === undefined) {
        throw refused(
          field,
          at,
          `"${truncate(value)}" does not resolve within the schema (only "#…" references, or ones relative to the root $id)`,
        );
      }
      child(target, at);
    } else if (DEFINITIONS.has(key)) {
      // Applies only through a $ref, and is counted there.
    } else if (ONE_SCHEMA.has(key) && isObject(value)) {
      child(value, at);
    } else if (SCHEMA_LIST.has(key) && Array.isArray(value)) {
      n.own += value.length;
      value.forEach((v, i) => child(v, joinPath(at, String(i))));
    } else if (SCHEMA_MAP.has(key) && isObject(value)) {
      for (const [name, v] of Object.entries(value)) {
        n.own += 1 + (Array.isArray(v) ? v.length : 0);
        child(v, joinPath(at, name));
      }
    } else {
      n.own += entries(value);
    }
  }
  return n;
}

/**
 * `#`, `#/json/pointer`, `#anchor`, optionally after a URI that resolves to the root's own $id.
 * Undefined when it does not resolve (JSON itself has no undefined).
 */
function resolveRef(ref: string, root: SchemaObject, anchors: Map<string, SchemaObject>): Json {
  const hash = ref.indexOf("#");
  const uri = hash === -1 ? ref : ref.slice(0, hash);
  const fragment = hash === -1 ? "" : ref.slice(hash + 1);
  if (uri !== "" && !isRootId(uri, root["$id"])) return undefined;
  if (fragment === "") return root;
  if (!fragment.startsWith("/")) return anchors.get(fragment);
  let at: Json = root;
  for (const raw of fragment.slice(1).split("/")) {
    let part: string;
    try {
      part = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    } catch {
      return undefined;
    }
    if (Array.isArray(at) && /^(0|[1-9]\d*)$/.test(part) && Number(part) < at.length) at = at[Number(part)];
    else if (isObject(at) && Object.hasOwn(at, part)) at = at[part];
    else return undefined;
  }
  return at;
}

function isRootId(uri: string, id: Json): boolean {
  if (typeof id !== "string") return false;
  const bare = id.split("#")[0]!;
  if (uri === bare) return true;
  try {
    const base = new URL(bare);
    return new URL(uri, base).href.split("#")[0] === base.href.split("#")[0];
  } catch {
    return false;
  }
}

/** `$anchor` and `$dynamicAnchor` names of every subschema (definitions included). */
function collectAnchors(root: SchemaObject): Map<string, SchemaObject> {
  const found = new Map<string, SchemaObject>();
  forEachSchemaObject(root, (s) => {
    for (const key of ["$anchor", "$dynamicAnchor"]) {
      const name = s[key];
      if (typeof name === "string" && !found.has(name)) found.set(name, s);
    }
  });
  return found;
}

/** Calls `visit` on the root and every subschema object in it (definitions included), without recursion. */
export function forEachSchemaObject(root: Json, visit: (schema: SchemaObject) => void): void {
  const stack: Json[] = [root];
  while (stack.length > 0) {
    const s = stack.pop();
    if (!isObject(s)) continue;
    visit(s);
    for (const [key, value] of Object.entries(s)) {
      if (ONE_SCHEMA.has(key)) stack.push(value);
      else if (SCHEMA_LIST.has(key) && Array.isArray(value)) for (const v of value as Json[]) stack.push(v);
      else if ((SCHEMA_MAP.has(key) || DEFINITIONS.has(key)) && isObject(value)) for (const v of Object.values(value)) stack.push(v);
    }
  }
}

/** Object members and array items of a JSON value, all levels. */
function entries(value: Json): number {
  let count = 0;
  const stack: Json[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      count += v.length;
      for (const item of v as Json[]) stack.push(item);
    } else if (isObject(v)) {
      const values = Object.values(v);
      count += values.length;
      for (const item of values) stack.push(item);
    }
  }
  return count;
}

function refused(field: string, path: string, why: string): InvalidArgumentError {
  const at = path === "" ? field : `${field}.${path}`;
  return new InvalidArgumentError(`${at} ${why}.`, [{ field: at, description: why }]);
}

function isObject(v: Json): v is SchemaObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function joinPath(base: string, child: string): string {
  return base === "" ? child : `${base}.${child}`;
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
