import assert from "node:assert/strict";
import { test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { InvalidArgumentError } from "./errors.js";
import { RunInputSchemas } from "./run-input-schema.js";
import { canonicalJson, MAX_VALIDATION_STEPS } from "./validation-work.js";

function refusal(work: () => unknown): InvalidArgumentError {
  try {
    work();
  } catch (err) {
    assert.ok(err instanceof InvalidArgumentError, String(err));
    return err;
  }
  assert.fail("expected a refusal");
}

test("an input whose validation would take more subschema applications than the limit is refused, not validated for seconds", () => {
  const schemas = new RunInputSchemas();
  // 400 branches tried for each of 9,999 items: four million applications.
  const schema = {
    type: "object",
    properties: { xs: { type: "array", items: { anyOf: Array.from({ length: 400 }, (_, i) => ({ const: i })) } } },
  };
  const err = refusal(() => schemas.validate(schema, { xs: Array.from({ length: 9_999 }, (_, i) => -i) }));
  assert.equal(err.reason, "INVALID_RUN_INPUT");
  assert.match(err.message, new RegExp(`${MAX_VALIDATION_STEPS} subschema applications`));
  // The same schema with an ordinary input validates, and the budget starts afresh for each input.
  assert.deepEqual(schemas.validate(schema, { xs: [1, 2, 399] }), { xs: [1, 2, 399] });
  assert.deepEqual(schemas.validate(schema, { xs: [3] }), { xs: [3] });
});

test("uniqueItems gives Ajv's answers and Ajv's pair of items, in linear time", () => {
  const plain = new Ajv2020({ allErrors: true, strict: false });
  const ajvCheck = plain.compile({ type: "array", uniqueItems: true });
  const schemas = new RunInputSchemas();
  const schema = { type: "object", properties: { xs: { type: "array", uniqueItems: true } } };
  const cases: unknown[][] = [
    [1, 2, 3],
    [1, "1", [1], { a: 1 }],
    [{ a: 1, b: 2 }, 3, { b: 2, a: 1 }, 3],
    [
      [1, 2],
      [2, 1],
      [1, 2],
    ],
    [null, 0, false, "", null],
    [1, 1.0],
  ];
  for (const xs of cases) {
    const expected = ajvCheck(xs) ? undefined : ajvCheck.errors![0]!.message;
    let actual: string | undefined;
    try {
      schemas.validate(schema, { xs });
    } catch (err) {
      actual = (err as InvalidArgumentError).violations[0]!.description;
    }
    assert.equal(actual, expected, JSON.stringify(xs));
  }
  // Five thousand distinct objects: Ajv compares 12.5 million pairs; this writes each once.
  schemas.validate(schema, { xs: Array.from({ length: 4_999 }, (_, i) => ({ a: i })) });
});

test("enum compares JSON values as JSON Schema does: key order does not matter, types do", () => {
  const schemas = new RunInputSchemas();
  const schema = { type: "object", properties: { c: { enum: ["grün", 1, null, { x: [1, 2], y: true }] } } };
  for (const ok of ["grün", 1, 1.0, null, { y: true, x: [1, 2] }]) schemas.validate(schema, { c: ok });
  for (const bad of ["1", [1], { x: [2, 1], y: true }, "rot"]) {
    const err = refusal(() => schemas.validate(schema, { c: bad }));
    assert.equal(err.violations[0]!.field, "c");
    assert.match(err.violations[0]!.description, /^must be one of "grün", 1, null/);
  }
});

test("canonical JSON sorts keys at every level and nothing else", () => {
  assert.equal(canonicalJson({ b: [{ d: 1, c: 2 }], a: "x" }), '{"a":"x","b":[{"c":2,"d":1}]}');
  assert.equal(canonicalJson([3, 1, 2]), "[3,1,2]");
});
