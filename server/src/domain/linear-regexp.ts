/**
 * The regular-expression engine input schemas run on (JSON Schema `pattern`, `patternProperties`),
 * handed to Ajv as `code.regExp`. It is RE2 (re2js, a pure-JavaScript port): matching takes time
 * linear in the input, so a pattern such as `^(a+)+$` cannot freeze the server (ReDoS). RE2 has no
 * lookaround and no backreferences; schemas using them are refused when the pause is made.
 *
 * Linear is not free: matching costs about (characters × program instructions), and `a{1000}` is a
 * thousand instructions. So each schema's patterns are bounded when compiled, and each validation
 * has a budget of matching work, counted (not timed) so the same input always gets the same answer.
 */
import { RE2JS } from "re2js";

/** Characters of one pattern, checked before RE2 parses it. */
export const MAX_PATTERN_LENGTH = 1_000;
/** RE2 program instructions of all the patterns of one schema together. */
export const MAX_SCHEMA_PATTERN_PROGRAM = 10_000;
/** Matching work of one validation: characters tested × instructions of the pattern, summed. */
export const MAX_MATCH_WORK = 100_000_000;

/** Thrown while a schema compiles: the pattern cannot run on RE2, or the patterns are too large. */
export class PatternRefusedError extends Error {
  constructor(
    readonly pattern: string,
    readonly why: string,
  ) {
    super(`pattern ${JSON.stringify(pattern.length > 80 ? `${pattern.slice(0, 77)}...` : pattern)} ${why}`);
  }
}

/** Thrown while an input is validated: its patterns needed more than MAX_MATCH_WORK. */
export class MatchBudgetExceededError extends Error {
  constructor() {
    super(
      `matching the input against the schema's patterns needs more work than the limit of ${MAX_MATCH_WORK} (characters × pattern instructions)`,
    );
  }
}

/** The matching work left to the validation under way; validations are synchronous, so one meter serves them all. */
export interface MatchMeter {
  remaining: number;
}

/** What Ajv calls as `code.regExp` (ajv's RegExpEngine type). */
export interface RegExpEngine {
  (pattern: string, flags: string): { test: (s: string) => boolean; toString: () => string };
  code: string;
}

/**
 * An engine for one schema compilation: it refuses patterns RE2 cannot run and stops the compilation
 * once the schema's patterns together pass MAX_SCHEMA_PATTERN_PROGRAM; the patterns it builds charge
 * their work to `meter`.
 */
export function linearRegExpEngine(meter: MatchMeter): RegExpEngine {
  let program = 0;
  const engine = (pattern: string, flags: string) => {
    if (pattern.length > MAX_PATTERN_LENGTH) throw new PatternRefusedError(pattern, `is longer than ${MAX_PATTERN_LENGTH} characters`);
    let re: RE2JS;
    try {
      re = RE2JS.compile(toRe2Syntax(pattern));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new PatternRefusedError(pattern, `cannot run on RE2 (no lookaround or backreferences): ${reason}`);
    }
    const size = re.programSize();
    program += size;
    if (program > MAX_SCHEMA_PATTERN_PROGRAM) {
      throw new PatternRefusedError(pattern, `makes the schema's patterns larger than ${MAX_SCHEMA_PATTERN_PROGRAM} RE2 instructions`);
    }
    return {
      test(s: string): boolean {
        const work = (s.length + 1) * size;
        if (work > meter.remaining) throw new MatchBudgetExceededError();
        meter.remaining -= work;
        return re.test(s);
      },
      // Ajv deduplicates compiled patterns by this text.
      toString: () => `/${pattern}/${flags}`,
    };
  };
  return Object.assign(engine, { code: "linearRegExp" });
}

/**
 * JSON Schema patterns are ECMAScript syntax. RE2 reads nearly all of it the same way; the one common
 * spelling it lacks is the `\uXXXX` / `\u{X…}` escape, rewritten here as RE2's `\x{…}`.
 */
export function toRe2Syntax(pattern: string): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c !== "\\" || i + 1 >= pattern.length) {
      out += c;
      continue;
    }
    const next = pattern[i + 1]!;
    if (next === "u") {
      const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(pattern.slice(i + 2));
      const plain = /^[0-9a-fA-F]{4}/.exec(pattern.slice(i + 2));
      if (braced) {
        out += `\\x{${braced[1]}}`;
        i += 1 + braced[0].length;
        continue;
      }
      if (plain) {
        out += `\\x{${plain[0]}}`;
        i += 1 + plain[0].length;
        continue;
      }
    }
    // Any other escape is copied whole, so an escaped backslash never starts a new escape.
    out += c + next;
    i++;
  }
  return out;
}
