import assert from "node:assert/strict";
import { test } from "node:test";
import { create, createFileRegistry, fromBinary, ScalarType, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { descriptorSetBase64 } from "@flowgate/contract/descriptor-set.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { SERVICE_DEFINITIONS } from "./grpc-server.js";
import {
  DEFAULT_MAX_LIST_ITEMS,
  DEFAULT_MAX_STRING_CHARS,
  FIELD_LIMITS,
  MAX_REPORTED_LIMIT_VIOLATIONS,
  RequestLimits,
  requestLimits,
  type BoundedField,
} from "./request-limits.js";

const DESCRIPTORS = Buffer.from(descriptorSetBase64, "base64");
const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, DESCRIPTORS));

/** Each method's request decoder, exactly as the server decodes (ts-proto), by "flowgate.v1.X/Method". */
const decoders = new Map<string, (bytes: Buffer) => unknown>(
  SERVICE_DEFINITIONS.flatMap((service) =>
    Object.values(service).map((m: { path: string; requestDeserialize: (b: Buffer) => unknown }) => [
      m.path.slice(1),
      m.requestDeserialize,
    ]),
  ),
);

function requestType(method: string): DescMessage {
  const [service, name] = method.split("/");
  const input = registry.getService(service!)?.methods.find((m) => m.name === name)?.input;
  assert.ok(input, method);
  return input;
}

/**
 * A request of `method` with `value` at the proto path `field`, encoded by protobuf-es and decoded by
 * ts-proto. A list of messages on the way (CreateLogsRequest.logs) gets one item, holding the rest.
 */
function requestWith(method: string, field: string, value: unknown): unknown {
  const type = requestType(method);
  const init: Record<string, unknown> = {};
  let at = init;
  let desc: DescMessage = type;
  const names = field.split(".");
  names.forEach((name, i) => {
    const f = desc.fields.find((x) => x.name === name);
    assert.ok(f, `${desc.typeName} has no field ${name}`);
    if (i === names.length - 1) at[f.localName] = value;
    else {
      assert.ok(f.fieldKind === "message" || (f.fieldKind === "list" && f.listKind === "message"));
      const inner: Record<string, unknown> = {};
      at[f.localName] = f.fieldKind === "list" ? [inner] : inner;
      at = inner;
      desc = f.message;
    }
  });
  const bytes = toBinary(type, create(type, init as never));
  return decoders.get(method)!(Buffer.from(bytes));
}

/** The path a refusal names for `field` of a request made by requestWith: "logs.message" is "logs.0.message". */
function refusedPath(method: string, field: string): string {
  let desc: DescMessage = requestType(method);
  return field
    .split(".")
    .map((name) => {
      const f = desc.fields.find((x) => x.name === name)!;
      if (f.fieldKind === "list" && f.listKind === "message") {
        desc = f.message;
        return `${name}.0`;
      }
      if (f.fieldKind === "message") desc = f.message;
      return name;
    })
    .join(".");
}

function refusal(method: string, request: unknown): InvalidArgumentError | undefined {
  try {
    requestLimits().check(method, request);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof InvalidArgumentError, String(err));
    return err;
  }
}

/** n characters, each outside the Basic Multilingual Plane: two UTF-16 units apiece, one character. */
const wide = (n: number): string => "𝄞".repeat(n);

const fields: BoundedField[] = requestLimits().boundedFields();

test("every string, list and map field of every request of every service has a limit", () => {
  for (const method of decoders.keys()) assert.ok(requestLimits().methodNames().includes(method), method);
  // Independently of the checker: every such field the descriptors have is listed.
  for (const method of decoders.keys()) {
    const type = requestType(method);
    for (const f of type.fields) {
      const bounded = f.fieldKind === "list" || f.fieldKind === "map" || (f.fieldKind === "scalar" && f.scalar === ScalarType.STRING);
      if (bounded)
        assert.ok(
          fields.some((b) => b.path === `${method}.${f.name}`),
          `${method}.${f.name} has no limit`,
        );
    }
  }
  assert.ok(
    fields.some((b) => b.field === "state.message"),
    "fields of nested request messages are bounded too",
  );
  assert.ok(
    !fields.some((b) => /parameters|run_input|input_schema|input_initial|value|result/.test(b.field)),
    "JSON fields are left to json-limits",
  );
});

test("a limits table naming a field the contract does not have stops the server at start", () => {
  assert.throws(
    () =>
      new RequestLimits(DESCRIPTORS, {
        ...FIELD_LIMITS,
        "CreateFlowRunRequest.lables": { kind: "map", maxEntries: 1, maxKeyChars: 1, maxValueChars: 1 },
      }),
    /lables/,
  );
  assert.throws(
    () => new RequestLimits(DESCRIPTORS, { ...FIELD_LIMITS, "CreateFlowRunRequest.labels": { kind: "string", maxChars: 1 } }),
    /map field/,
  );
});

test("each string field: its limit in characters passes, one more is refused naming the field and the limit", () => {
  for (const b of fields) {
    if (b.limit.kind !== "string") continue;
    const method = b.path.slice(0, b.path.length - b.field.length - 1);
    const max = b.limit.maxChars;
    assert.equal(refusal(method, requestWith(method, b.field, wide(max))), undefined, `${b.path} at its limit`);
    const err = refusal(method, requestWith(method, b.field, "x".repeat(max + 1)));
    assert.ok(err, `${b.path} over its limit`);
    assert.equal(err.reason, "INVALID_ARGUMENT");
    const field = refusedPath(method, b.field);
    assert.deepEqual(err.violations, [{ field, description: `must be at most ${max} characters` }]);
    const what = b.limit.what ? ` for ${b.limit.what}` : "";
    assert.equal(err.message, `${field} is ${max + 1} characters long; the limit is ${max}${what}.`);
  }
});

test("each list field: too many items, and a string item too long, are refused naming the field", () => {
  for (const b of fields) {
    if (b.limit.kind !== "list") continue;
    const method = b.path.slice(0, b.path.length - b.field.length - 1);
    const list = requestType(method).fields.find((f) => f.name === b.field);
    const isEnum = list?.fieldKind === "list" && list.listKind === "enum";
    const isMessage = list?.fieldKind === "list" && list.listKind === "message";
    const item = isEnum ? 1 : isMessage ? {} : "a";
    const err = refusal(method, requestWith(method, b.field, Array(b.limit.maxItems + 1).fill(item)));
    assert.deepEqual(err?.violations, [{ field: b.field, description: `must have at most ${b.limit.maxItems} items` }], b.path);
    assert.equal(refusal(method, requestWith(method, b.field, Array(b.limit.maxItems).fill(item))), undefined, b.path);
    if (b.limit.maxChars !== undefined) {
      const long = refusal(method, requestWith(method, b.field, ["a", "x".repeat(b.limit.maxChars + 1)]));
      assert.deepEqual(long?.violations, [{ field: `${b.field}.1`, description: `must be at most ${b.limit.maxChars} characters` }]);
    }
  }
});

test("labels: at most 64 entries, keys of 100 and values of 1,000 characters, each named by its key", () => {
  const method = "flowgate.v1.RunService/CreateFlowRun";
  const labels = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
  assert.equal(refusal(method, requestWith(method, "labels", labels(64))), undefined);
  assert.deepEqual(refusal(method, requestWith(method, "labels", labels(65)))?.violations, [
    { field: "labels", description: "must have at most 64 entries" },
  ]);
  const err = refusal(method, requestWith(method, "labels", { team: "x".repeat(1_001), ["k".repeat(200)]: "v", fine: wide(1_000) }));
  assert.deepEqual(err?.violations, [
    { field: "labels.team", description: "must be at most 1000 characters" },
    // Field paths are clipped to 120 characters, as they travel in a size-limited trailer.
    { field: `labels.${"k".repeat(110)}...`, description: "key must be at most 100 characters" },
  ]);
  assert.match(err.message, /^labels\.team is 1001 characters long; the limit is 1000\. 1 more field is over its limit\.$/);
});

test("fields not in the table get the documented defaults", () => {
  const defaults = fields.filter((b) => !b.explicit);
  assert.ok(defaults.length > 0);
  for (const b of defaults) {
    if (b.limit.kind === "string") assert.equal(b.limit.maxChars, DEFAULT_MAX_STRING_CHARS, b.path);
    if (b.limit.kind === "list") assert.equal(b.limit.maxItems, DEFAULT_MAX_LIST_ITEMS, b.path);
  }
  assert.ok(defaults.some((b) => b.path === "flowgate.v1.RunService/PauseFlowRun.input_description"));
});

test("many fields over their limits: the first ten are named, the message counts the rest", () => {
  const method = "flowgate.v1.DeploymentService/ClaimFlowRuns";
  const err = refusal(method, requestWith(method, "deployment_ids", Array(15).fill("x".repeat(37))));
  assert.equal(err?.violations.length, MAX_REPORTED_LIMIT_VIOLATIONS);
  assert.match(err.message, /14 more fields are over their limits\.$/);
});

test("a method outside the contract, or a request that is not an object, is not checked", () => {
  assert.equal(refusal("test.Hostile/Fail", { name: "x".repeat(10_000) }), undefined);
  assert.equal(refusal("flowgate.v1.RunService/GetFlowRun", Buffer.alloc(0)), undefined);
});
