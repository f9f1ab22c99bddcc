import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError } from "./errors.js";
import { checkSchemaReferences, MAX_SCHEMA_ENTRIES } from "./schema-references.js";

function refusal(schema: unknown): InvalidArgumentError {
  try {
    checkSchemaReferences(schema);
  } catch (err) {
    assert.ok(err instanceof InvalidArgumentError, String(err));
    return err;
  }
  assert.fail(`expected ${JSON.stringify(schema)} to be refused`);
}

test("schemas without recursion pass, $refs and all", () => {
  const accepted: unknown[] = [
    { type: "object", properties: { name: { type: "string" } } },
    // pydantic's shape: the root refers into $defs, definitions refer to each other without a cycle.
    {
      $ref: "#/$defs/Order",
      $defs: {
        Address: { type: "object", properties: { city: { type: "string" } } },
        Order: { type: "object", properties: { ship: { $ref: "#/$defs/Address" }, bill: { $ref: "#/$defs/Address" } } },
      },
    },
    { $id: "https://example.com/form", properties: { a: { $ref: "https://example.com/form#/$defs/a" } }, $defs: { a: { type: "string" } } },
    { $id: "https://example.com/form", properties: { a: { $ref: "form#/$defs/a" } }, $defs: { a: { type: "string" } } },
    { properties: { a: { $ref: "#name" } }, $defs: { x: { $anchor: "name", type: "number" } } },
    { properties: { "a/b": { type: "string" }, c: { $ref: "#/properties/a~1b" } } },
    // A definition that refers back to the root is harmless while nothing refers to the definition.
    { type: "object", $defs: { unused: { $ref: "#" } } },
    true,
  ];
  for (const schema of accepted) checkSchemaReferences(schema);
});

test("a $ref that leads back to a schema it is reached from is refused, naming where", () => {
  assert.equal(refusal({ $ref: "#" }).violations[0]!.field, "input_schema.$ref");
  assert.equal(refusal({ properties: { child: { $ref: "#" } } }).violations[0]!.field, "input_schema.properties.child.$ref");
  assert.match(refusal({ items: { $ref: "#" } }).message, /recursive/);
  // Through definitions, through anchors, through allOf.
  refusal({ $ref: "#/$defs/a", $defs: { a: { allOf: [{ $ref: "#/$defs/b" }] }, b: { $ref: "#/$defs/a" } } });
  refusal({ $ref: "#node", $defs: { n: { $anchor: "node", properties: { next: { $ref: "#node" } } } } });
  refusal({ $id: "https://example.com/tree", properties: { kids: { items: { $ref: "https://example.com/tree" } } } });
});

test("references that do not resolve within the schema are refused", () => {
  for (const schema of [
    { $ref: "https://json-schema.org/draft/2020-12/schema" },
    { $ref: "#/$defs/missing" },
    { $ref: "#nowhere" },
    { $ref: "other.json#/a" },
    { $ref: "#/%E0%A4%A" },
  ]) {
    assert.match(refusal(schema).message, /does not resolve/, JSON.stringify(schema));
  }
});

test("$id below the root and $dynamicRef are refused (one schema, one resource)", () => {
  assert.equal(
    refusal({ properties: { a: { $id: "https://example.com/a", type: "string" } } }).violations[0]!.field,
    "input_schema.properties.a.$id",
  );
  refusal({ $dynamicRef: "#meta" });
});

test("the size counts each $ref target at each use, so a doubling chain cannot expand unnoticed", () => {
  const $defs: Record<string, unknown> = { d12: { type: "string" } };
  for (let i = 0; i < 12; i++) $defs[`d${i}`] = { allOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
  const err = refusal({ $defs, $ref: "#/$defs/d0" });
  assert.match(err.message, new RegExp(`more than ${MAX_SCHEMA_ENTRIES} entries`));
  assert.equal(err.violations[0]!.field, "input_schema");
});

test("a plain schema is refused past the size limit, and accepted just under it", () => {
  const properties = (n: number): Record<string, unknown> =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, { type: "string" }]));
  // "properties" itself, then each property's name and its one keyword.
  const fitting = Math.floor((MAX_SCHEMA_ENTRIES - 1) / 2);
  checkSchemaReferences({ properties: properties(fitting) });
  refusal({ properties: properties(fitting + 1) });
});
