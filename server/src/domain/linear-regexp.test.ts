import assert from "node:assert/strict";
import { test } from "node:test";
import {
  linearRegExpEngine,
  MatchBudgetExceededError,
  MAX_MATCH_WORK,
  MAX_PATTERN_LENGTH,
  MAX_SCHEMA_PATTERN_PROGRAM,
  PatternRefusedError,
  toRe2Syntax,
  type MatchMeter,
} from "./linear-regexp.js";

const plenty = (): MatchMeter => ({ remaining: MAX_MATCH_WORK });

test("a pattern that backtracks exponentially in JavaScript answers at once", () => {
  const re = linearRegExpEngine(plenty())("^(a+)+$", "u");
  assert.equal(re.test(`${"a".repeat(39)}b`), false);
  assert.equal(re.test("a".repeat(39)), true);
});

test("patterns search anywhere in the string, as RegExp.test does", () => {
  const engine = linearRegExpEngine(plenty());
  assert.equal(engine("b+", "u").test("aabaa"), true);
  assert.equal(engine("^b", "u").test("ab"), false);
  assert.equal(engine("^\\d{3}-[A-Z]{2}$", "u").test("123-AB"), true);
});

test("JavaScript's \\uXXXX and \\u{…} escapes become RE2's \\x{…}; other escapes stay whole", () => {
  assert.equal(toRe2Syntax("^\\u00e9\\u{1F600}$"), "^\\x{00e9}\\x{1F600}$");
  assert.equal(toRe2Syntax("\\\\u0041"), "\\\\u0041");
  assert.equal(toRe2Syntax("a\\/b\\.c"), "a\\/b\\.c");
  assert.equal(linearRegExpEngine(plenty())("^\\u00e9$", "u").test("é"), true);
});

test("lookaround and backreferences are refused, naming the pattern", () => {
  const engine = linearRegExpEngine(plenty());
  for (const pattern of ["(?=a)b", "(?!a)b", "(a)\\1", "(?<n>a)\\k<n>"]) {
    assert.throws(
      () => engine(pattern, "u"),
      (err: unknown) => err instanceof PatternRefusedError && err.pattern === pattern && /RE2/.test(err.message),
      pattern,
    );
  }
});

test("a pattern longer than the limit is refused before it is parsed", () => {
  assert.throws(() => linearRegExpEngine(plenty())("a".repeat(MAX_PATTERN_LENGTH + 1), "u"), PatternRefusedError);
});

test("one schema's patterns together are bounded in RE2 instructions", () => {
  const engine = linearRegExpEngine(plenty());
  const per = Math.floor(MAX_SCHEMA_PATTERN_PROGRAM / 1000) - 1;
  for (let i = 0; i < per; i++) engine("[a-z]{1000}", "u");
  assert.throws(
    () => engine("[a-z]{1000}", "u"),
    (err: unknown) => err instanceof PatternRefusedError && err.message.includes(`${MAX_SCHEMA_PATTERN_PROGRAM}`),
  );
  // Another schema starts afresh.
  linearRegExpEngine(plenty())("[a-z]{1000}", "u");
});

test("matching charges characters × instructions to the meter, and stops when it would run out", () => {
  const meter: MatchMeter = { remaining: 10_000 };
  const re = linearRegExpEngine(meter)("[a-z]{100}[0-9]", "u");
  re.test("a".repeat(10));
  assert.ok(meter.remaining < 10_000 && meter.remaining > 0);
  assert.throws(() => re.test("a".repeat(1000)), MatchBudgetExceededError);
});

test("equal patterns get equal names, different ones different names (Ajv shares compiled patterns by name)", () => {
  const engine = linearRegExpEngine(plenty());
  assert.equal(String(engine("a+", "u")), String(engine("a+", "u")));
  assert.notEqual(String(engine("a+", "u")), String(engine("b+", "u")));
});
