import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError } from "./errors.js";
import { findJsonBreach, MAX_JSON_DEPTH, MAX_JSON_ENTRIES, requireJsonWithinLimits, type JsonLimits } from "./json-limits.js";

const LIMITS: JsonLimits = { maxDepth: MAX_JSON_DEPTH, maxEntries: MAX_JSON_ENTRIES, maxBytes: 1024 * 1024 };

function nested(depth: number, leaf: unknown = 1): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

function refusal(field: string, value: unknown, limits = LIMITS): InvalidArgumentError {
  try {
    requireJsonWithinLimits(field, value, limits);
  } catch (err) {
    assert.ok(err instanceof InvalidArgumentError);
    return err;
  }
  assert.fail("expected a refusal");
}

test("a value nested exactly to the limit passes; one more level is refused at the place it happens", () => {
  assert.equal(findJsonBreach(nested(MAX_JSON_DEPTH), LIMITS), undefined);
  const err = refusal("run_input", nested(MAX_JSON_DEPTH + 1));
  assert.match(err.message, new RegExp(`deeper than ${MAX_JSON_DEPTH} levels`));
  assert.equal(err.violations[0]!.field, `run_input.${Array(MAX_JSON_DEPTH).fill("a").join(".")}`);
});

test("arrays count as levels like objects", () => {
  let v: unknown = 1;
  for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) v = [v];
  assert.equal(findJsonBreach(v, LIMITS)?.kind, "depth");
});

test("nesting a hundred thousand deep is refused without overflowing the stack", () => {
  assert.equal(findJsonBreach(nested(100_000), LIMITS)?.kind, "depth");
});

test("entries are object members and array items through the whole value", () => {
  const atLimit = { list: Array.from({ length: MAX_JSON_ENTRIES - 1 }, (_, i) => i) };
  assert.equal(findJsonBreach(atLimit, LIMITS), undefined);
  const over = { list: atLimit.list, one: 1, two: 2 };
  const err = refusal("parameters", over);
  assert.match(err.message, new RegExp(`more than ${MAX_JSON_ENTRIES} entries`));
  assert.equal(err.violations[0]!.field, "parameters");
});

test("a key containing U+0000 is refused, since a document store cannot hold it", () => {
  const err = refusal("value", { ok: { "a\u0000b": 1 } });
  assert.match(err.message, /U\+0000/);
  assert.equal(err.violations[0]!.field, "value.ok.a\\u0000b");
  // In a string it is ordinary text.
  assert.equal(findJsonBreach({ text: "a\u0000b" }, LIMITS), undefined);
});

test("numbers JSON cannot write (NaN, Infinity) are refused", () => {
  assert.equal(findJsonBreach({ n: Number.NaN }, LIMITS)?.kind, "not_json");
  assert.equal(findJsonBreach([Number.POSITIVE_INFINITY], LIMITS)?.kind, "not_json");
});

test("size counts the UTF-8 bytes of the JSON text, and a huge string is refused before it is serialized", () => {
  const limits = { ...LIMITS, maxBytes: 100 };
  assert.equal(findJsonBreach({ s: "x".repeat(80) }, limits), undefined);
  // Escaping doubles each quote: the walk's lower bound passes, the exact size does not.
  const exact = findJsonBreach({ s: '"'.repeat(50) }, limits);
  assert.deepEqual(exact, { kind: "bytes", path: "", size: 108, exact: true });
  assert.deepEqual(findJsonBreach({ s: "ü".repeat(50) }, limits), { kind: "bytes", path: "", size: 108, exact: false });
  const early = findJsonBreach("x".repeat(10_000_000), limits);
  assert.equal(early?.kind, "bytes");
  assert.equal(early?.kind === "bytes" && early.exact, false);
  assert.match(refusal("result", "x".repeat(1000), limits).message, /at least 1002 bytes; the limit is 100 bytes/);
});

test("refusals carry the reason they are given (INVALID_RUN_INPUT for run inputs)", () => {
  try {
    requireJsonWithinLimits("run_input", nested(MAX_JSON_DEPTH + 1), LIMITS, "INVALID_RUN_INPUT");
    assert.fail("expected a refusal");
  } catch (err) {
    assert.ok(err instanceof InvalidArgumentError);
    assert.equal(err.reason, "INVALID_RUN_INPUT");
  }
});
