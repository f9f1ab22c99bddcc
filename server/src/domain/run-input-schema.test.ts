import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError } from "./errors.js";
import { MAX_JSON_ENTRIES } from "./json-limits.js";
import { RunInputSchemas, SCHEMA_CACHE_CAPACITY } from "./run-input-schema.js";

function refusal(work: () => unknown): InvalidArgumentError {
  try {
    work();
  } catch (err) {
    assert.ok(err instanceof InvalidArgumentError, String(err));
    return err;
  }
  assert.fail("expected a refusal");
}

const form = (id: string, field: string): Record<string, unknown> => ({
  $id: id,
  type: "object",
  properties: { [field]: { type: "string" } },
  required: [field],
});

test("schemas sharing an $id are compiled apart: each validates by its own rules", () => {
  const schemas = new RunInputSchemas();
  const a = form("urn:example:form", "a");
  const b = form("urn:example:form", "b");
  schemas.check(a);
  schemas.check(b);
  assert.deepEqual(schemas.validate(a, { a: "x" }), { a: "x" });
  assert.deepEqual(schemas.validate(b, { b: "y" }), { b: "y" });
  assert.equal(refusal(() => schemas.validate(b, { a: "x" })).reason, "INVALID_RUN_INPUT");
});

test("a schema pushed out of the cache compiles again when it is next needed, and the cache never outgrows its capacity", () => {
  const schemas = new RunInputSchemas({ cacheCapacity: 2 });
  const first = form("urn:example:first", "name");
  schemas.check(first);
  for (let i = 0; i < 5; i++) {
    schemas.check(form(`urn:example:other-${i}`, "name"));
    assert.ok(schemas.cachedCount <= 2);
  }
  assert.deepEqual(schemas.validate(first, { name: "again" }), { name: "again" });
  assert.equal(new RunInputSchemas().cachedCount, 0);
  assert.ok(SCHEMA_CACHE_CAPACITY > 0);
});

test("defaults are applied, and an input that defaults make too large is refused rather than stored", () => {
  const schemas = new RunInputSchemas();
  const withDefault = { type: "object", properties: { size: { type: "integer", default: 3 } } };
  assert.deepEqual(schemas.validate(withDefault, {}), { size: 3 });

  const tenDefaults = Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [`p${i}`, { default: Array.from({ length: 10 }, (_, j) => j) }]),
  );
  const items = { type: "object", properties: { xs: { type: "array", items: { type: "object", properties: tenDefaults } } } };
  const small = { xs: Array.from({ length: 200 }, () => ({})) };
  const err = refusal(() => schemas.validate(items, small));
  assert.equal(err.reason, "INVALID_RUN_INPUT");
  assert.match(err.message, new RegExp(`${MAX_JSON_ENTRIES} entries`));
});

test("patterns whose matching would take too much work refuse the input instead of blocking", () => {
  const schemas = new RunInputSchemas();
  const schema = { type: "object", properties: { s: { type: "string", pattern: "[a-z]{1000}[0-9]" } } };
  assert.deepEqual(schemas.validate(schema, { s: `${"a".repeat(1000)}1` }), { s: `${"a".repeat(1000)}1` });
  const err = refusal(() => schemas.validate(schema, { s: "a".repeat(200_000) }));
  assert.equal(err.reason, "INVALID_RUN_INPUT");
  assert.match(err.message, /limit/);
});

test("a pattern RE2 cannot run is refused when the schema is checked, naming input_schema", () => {
  const err = refusal(() => new RunInputSchemas().check({ properties: { s: { pattern: "(?=x)" } } }));
  assert.equal(err.reason, "INVALID_ARGUMENT");
  assert.equal(err.violations[0]!.field, "input_schema");
  assert.match(err.message, /\(\?=x\)/);
});

test("a schema the meta-schema refuses is refused as before", () => {
  const err = refusal(() => new RunInputSchemas().check({ type: "strin" }));
  assert.match(err.message, /not a valid JSON Schema/);
});

test("many failing fields are reported up to a bound, with how many more there were", () => {
  const schemas = new RunInputSchemas();
  const schema = { type: "object", additionalProperties: false };
  const input = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
  const err = refusal(() => schemas.validate(schema, input));
  assert.equal(err.violations.length, 10);
  assert.match(err.message, /and 490 more/);
});

test("a schema or an input nested far past the limit is refused, not a stack overflow, whoever calls", () => {
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 10_000; i++) deep = { a: deep };
  const schemas = new RunInputSchemas();
  assert.equal(refusal(() => schemas.check(deep)).violations[0]!.field.startsWith("input_schema.a"), true);
  assert.equal(refusal(() => schemas.validate({ type: "object" }, deep)).reason, "INVALID_RUN_INPUT");
});
