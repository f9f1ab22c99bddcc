/**
 * Requests for every RPC, generated from the contract's own descriptors (the descriptor set the
 * server serves for reflection): each field gets random values of its wire type, so a field added
 * to the contract is fuzzed the day it is added. Strings include non-ASCII, U+0000 and lengths past
 * every limit; integers reach ±2^63; JSON fields get deep, wide and non-finite values. Fields whose
 * names say what they hold (`flow_run_id`, `key`, `full_name`…) often get a real one from the
 * fuzzed server's world, so requests reach past the first lookup and can change state.
 */
import { create, createFileRegistry, fromBinary, ScalarType, toBinary, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { descriptorSetBase64 } from "@flowgate/contract/descriptor-set.js";

/** What the fuzzed server holds, read at generation time (it grows as the fuzz goes on). */
export interface World {
  runIds: string[];
  deploymentIds: string[];
  taskRunIds: string[];
  fullNames: string[];
  inputKeys: string[];
  cacheKeys: string[];
}

export interface Method {
  /** "flowgate.v1.RunService/ResumeFlowRun" */
  name: string;
  path: string;
  serverStream: boolean;
  clientStream: boolean;
  input: DescMessage;
}

export interface GeneratedRequest {
  method: Method;
  bytes: Buffer;
  /** How the bytes were made, for the failure report. */
  shape: string;
}

const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, Buffer.from(descriptorSetBase64, "base64")));

/** Every method of every service in the descriptor set: Flowgate's and grpc.health.v1's. */
export const METHODS: Method[] = [...registry.files]
  .flatMap((file) =>
    file.services.map((service) =>
      service.methods.map((m) => ({
        name: `${service.typeName}/${m.name}`,
        path: `/${service.typeName}/${m.name}`,
        serverStream: m.methodKind === "server_streaming" || m.methodKind === "bidi_streaming",
        clientStream: m.methodKind === "client_streaming" || m.methodKind === "bidi_streaming",
        input: m.input,
      })),
    ),
  )
  .flat();

const UUID = fc.uuid({ version: [4] });

/** Text of every kind: short ASCII, any code point (U+0000 and lone surrogates included), graphemes, and long. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom("", "\u0000", "a\u0000b", "ü", "𝄞", "\ud800", "..", "$where", "{}", "null", "1e400") },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom("x", "é", "😀", "\u0000"), fc.integer({ min: 30, max: 5_000 })).map(([c, n]) => c.repeat(n)),
  },
);

function pick(list: () => string[]): fc.Arbitrary<string> {
  return fc.nat().map((i) => {
    const l = list();
    return l.length === 0 ? "" : l[i % l.length]!;
  });
}

/** A string for a field, by what its name says it holds. */
function textFor(field: DescField, world: World): fc.Arbitrary<string> {
  const name = field.name;
  const real = (list: () => string[]): fc.Arbitrary<string> =>
    fc.oneof({ weight: 6, arbitrary: pick(list) }, { weight: 1, arbitrary: UUID }, { weight: 2, arbitrary: anyText });
  if (/(^|_)flow_run_id$/.test(name)) return real(() => world.runIds);
  if (/deployment_ids?$/.test(name)) return real(() => world.deploymentIds);
  if (/task_run_id$/.test(name)) return real(() => world.taskRunIds);
  if (name === "full_name") return real(() => world.fullNames);
  if (name === "cache_key") return real(() => world.cacheKeys);
  if (name === "key" || name === "key_prefix" || name === "exclude_keys") {
    return fc.oneof(
      fc.constantFrom("1", "2", "approval", "step-2"),
      pick(() => world.inputKeys),
      anyText,
    );
  }
  if (name === "request_id") return fc.oneof(fc.constantFrom("r-1", "r-2", "r-3"), anyText);
  if (name === "flow_name") return fc.oneof(fc.constantFrom("fuzz-flow", "other-flow"), anyText);
  if (name === "scopes") return fc.oneof(fc.constantFrom("runs:read", "runs:write", "runs:resume", "deployments:write", "admin"), anyText);
  if (name === "service") return fc.oneof(fc.constantFrom("", "flowgate.v1.RunService"), anyText);
  return anyText;
}

const INT32 = fc.oneof(
  fc.integer({ min: -5, max: 600 }),
  fc.constantFrom(0, -1, 2_147_483_647, -2_147_483_648),
  fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }),
);
const UINT32 = fc.oneof(fc.integer({ min: 0, max: 600 }), fc.constantFrom(0, 4_294_967_295), fc.nat({ max: 4_294_967_295 }));
const INT64 = fc.oneof(
  fc.bigInt({ min: -5n, max: 100_000n }),
  fc.constantFrom(2n ** 53n - 1n, 2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 53n) - 1n),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
);
const UINT64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 100_000n }),
  fc.constantFrom(2n ** 64n - 1n, 2n ** 53n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);

function scalar(field: DescField & { scalar: ScalarType }, world: World): fc.Arbitrary<unknown> {
  switch (field.scalar) {
    case ScalarType.STRING:
      return textFor(field, world);
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 64 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return INT32;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return UINT32;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return INT64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return UINT64;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return fc.double();
  }
}

/** JSON for Struct and Value fields: ordinary, deep (past the 24-level limit and the decoder's), wide, non-finite, U+0000 keys. */
const leaf = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.oneof(fc.string({ maxLength: 10 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)),
  },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 63, -0) },
);
const jsonKey = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom("a\u0000b", "\u0000", "$set", "a.b", "") },
);
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("json"), { maxLength: 4 }),
    fc.dictionary(jsonKey, tie("json"), { maxKeys: 4 }),
  ),
}));
const deep = fc.tuple(fc.integer({ min: 20, max: 60 }), fc.boolean()).map(([depth, arrays]) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return { deep: v };
});
const wide = fc.integer({ min: 9_990, max: 10_010 }).map((n) => ({ wide: Array.from({ length: n }, (_, i) => i) }));
const jsonObject: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 12, arbitrary: fc.dictionary(jsonKey, json, { maxKeys: 5 }) },
  { weight: 2, arbitrary: deep },
  { weight: 1, arbitrary: wide },
  { weight: 1, arbitrary: fc.constant({ type: "object", properties: { s: { type: "string", pattern: "^(a+)+$" } }, required: ["s"] }) },
);
const jsonValue: fc.Arbitrary<unknown> = fc.oneof({ weight: 4, arbitrary: json }, { weight: 1, arbitrary: jsonObject });

const TIMESTAMP = fc.record({
  seconds: fc.oneof(fc.bigInt({ min: 0n, max: 4_000_000_000n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  nanos: fc.oneof(fc.integer({ min: 0, max: 999_999_999 }), INT32),
});

function valueOf(field: DescField, world: World, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "scalar":
      return scalar(field, world);
    case "enum":
      return fc.integer({ min: -2, max: 12 });
    case "message":
      return messageValue(field.message, world, depth);
    case "list": {
      const item =
        field.listKind === "scalar"
          ? scalar(field, world)
          : field.listKind === "enum"
            ? fc.integer({ min: -2, max: 12 })
            : messageValue(field.message, world, depth);
      return fc.oneof(
        { weight: 12, arbitrary: fc.array(item, { maxLength: 4 }) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_100 }).chain((n) => fc.array(item, { minLength: n, maxLength: n })) },
      );
    }
    case "map": {
      const value = field.mapKind === "scalar" ? scalar(field, world) : fc.constant(undefined);
      return fc.oneof(
        { weight: 12, arbitrary: fc.dictionary(anyText, value, { maxKeys: 4 }) },
        {
          weight: 1,
          arbitrary: fc.integer({ min: 60, max: 70 }).chain((n) => fc.dictionary(fc.string(), value, { minKeys: n, maxKeys: n })),
        },
      );
    }
  }
}

function messageValue(message: DescMessage, world: World, depth: number): fc.Arbitrary<unknown> {
  switch (message.typeName) {
    case "google.protobuf.Struct":
      return jsonObject;
    case "google.protobuf.Value":
      return jsonValue.map(valueInit);
    case "google.protobuf.Timestamp":
      return TIMESTAMP;
  }
  if (depth > 4) return fc.constant({});
  return messageInit(message, world, depth + 1);
}

/**
 * A google.protobuf.Value's init for protobuf-es's create(), which takes JSON for a Struct field but
 * a Value message (one case of its `kind`) for a Value field.
 */
function valueInit(v: unknown): unknown {
  if (v === null) return { kind: { case: "nullValue", value: 0 } };
  if (typeof v === "number") return { kind: { case: "numberValue", value: v } };
  if (typeof v === "string") return { kind: { case: "stringValue", value: v } };
  if (typeof v === "boolean") return { kind: { case: "boolValue", value: v } };
  if (Array.isArray(v)) return { kind: { case: "listValue", value: { values: v.map(valueInit) } } };
  return { kind: { case: "structValue", value: v } };
}

/** protobuf-es's create() init of a message: any subset of its fields, oneofs one member at a time. */
function messageInit(message: DescMessage, world: World, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const plain = message.fields.filter((f) => !f.oneof);
  const record = fc.record(Object.fromEntries(plain.map((f) => [f.localName, valueOf(f, world, depth)])), { requiredKeys: [] });
  if (message.oneofs.length === 0) return record;
  const choices = message.oneofs.map((o) =>
    fc.option(fc.oneof(...o.fields.map((f) => valueOf(f, world, depth).map((value) => ({ case: f.localName, value })))), {
      nil: undefined,
    }),
  );
  return fc.tuple(record, ...choices).map(([r, ...chosen]) => {
    const out: Record<string, unknown> = { ...r };
    message.oneofs.forEach((o, i) => {
      if (chosen[i] !== undefined) out[o.localName] = chosen[i];
    });
    return out;
  });
}

/** Valid wire bytes, sometimes damaged (a byte changed, cut short, garbage appended): near-misses for the decoder. */
function damage(bytes: Uint8Array): fc.Arbitrary<{ bytes: Buffer; how: string }> {
  const intact = fc.constant({ bytes: Buffer.from(bytes), how: "encoded" });
  if (bytes.length === 0) return intact;
  return fc.oneof(
    { weight: 10, arbitrary: intact },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
        const copy = Buffer.from(bytes);
        copy[i] = b;
        return { bytes: copy, how: `byte ${i} set to ${b}` };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.nat({ max: bytes.length - 1 }).map((n) => ({ bytes: Buffer.from(bytes.subarray(0, n)), how: `cut to ${n} bytes` })),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 16 })
        .map((tail) => ({ bytes: Buffer.concat([bytes, tail]), how: "garbage appended" })),
    },
  );
}

/** A request for `method`: random fields of the right wire types, encoded as any client would, sometimes damaged. */
export function requestFor(method: Method, world: World): fc.Arbitrary<GeneratedRequest> {
  return messageInit(method.input, world).chain((init) => {
    const bytes = toBinary(method.input, create(method.input, init as never));
    return damage(bytes).map(({ bytes: b, how }) => ({ method, bytes: b, shape: `${how} from ${describe(init)}` }));
  });
}

/** A request to any method of the contract. */
export function anyRequest(world: World): fc.Arbitrary<GeneratedRequest> {
  return fc.oneof(...METHODS.map((m) => requestFor(m, world)));
}

/** Random bytes (not protobuf at all, or by chance) to any method. */
export function rawRequest(): fc.Arbitrary<GeneratedRequest> {
  return fc
    .tuple(fc.constantFrom(...METHODS), fc.uint8Array({ maxLength: 200 }))
    .map(([method, bytes]) => ({ method, bytes: Buffer.from(bytes), shape: `raw ${Buffer.from(bytes).toString("hex").slice(0, 80)}` }));
}

function describe(init: unknown): string {
  const text = JSON.stringify(init, (_k, v: unknown) =>
    typeof v === "bigint" ? `${v}n` : typeof v === "string" && v.length > 60 ? `${JSON.stringify(v.slice(0, 20))}…(${v.length})` : v,
  );
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}
