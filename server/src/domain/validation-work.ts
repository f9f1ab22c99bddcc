/**
 * Bounds the work of validating one run input, whatever the schema and the input: each application of
 * a subschema to a value is one step, and a validation may take MAX_VALIDATION_STEPS of them. Without
 * this, an `anyOf` of 400 branches over an array of 10,000 items makes four million applications (and
 * as many error objects): seconds of a blocked event loop. Steps are counted, not timed, so the same
 * input always gets the same answer.
 *
 * Ajv has no hook per subschema, so a step keyword is added to every subschema of a copy of the schema
 * before it compiles; Ajv runs it each time it applies that subschema. `uniqueItems` and `enum` are
 * replaced too: Ajv compares items pair by pair (quadratic for arrays of objects) and a value with
 * each allowed one; here canonical JSON goes into a map or set, which is linear in the value and gives
 * the same answers and errors.
 */
import type { Ajv2020 } from "ajv/dist/2020.js";
import type { DataValidateFunction, SchemaValidateFunction } from "ajv/dist/types/index.js";
import { forEachSchemaObject } from "./schema-references.js";

export const MAX_VALIDATION_STEPS = 200_000;

/** The keyword added to every subschema; a name no JSON Schema vocabulary uses. */
const STEP_KEYWORD = "x-flowgate-step";

export class ValidationBudgetExceededError extends Error {
  constructor() {
    super(`validating the input needs more than ${MAX_VALIDATION_STEPS} subschema applications, the limit of one validation`);
  }
}

export interface StepMeter {
  remaining: number;
}

/** A copy of `schema` whose every subschema counts a step when applied. */
export function withSteps<T>(schema: T): T {
  const copy = structuredClone(schema);
  forEachSchemaObject(copy, (s) => {
    s[STEP_KEYWORD] = true;
  });
  return copy;
}

/** Teaches `ajv` the step keyword (charging `meter`) and a linear `uniqueItems`. */
export function addWorkKeywords(ajv: Ajv2020, meter: StepMeter): void {
  ajv.addKeyword({
    keyword: STEP_KEYWORD,
    schemaType: "boolean",
    errors: false,
    validate: () => {
      if (--meter.remaining < 0) throw new ValidationBudgetExceededError();
      return true;
    },
  });
  ajv.removeKeyword("uniqueItems");
  const uniqueItems: SchemaValidateFunction = (unique: boolean, data: unknown[]): boolean => {
    delete uniqueItems.errors;
    if (!unique) return true;
    // Ajv reports the last item that repeats an earlier one, and the last such earlier one.
    const seen = new Map<string, number>();
    let pair: { i: number; j: number } | undefined;
    data.forEach((item, i) => {
      const key = canonicalJson(item);
      const j = seen.get(key);
      if (j !== undefined) pair = { i, j };
      seen.set(key, i);
    });
    if (!pair) return true;
    uniqueItems.errors = [
      { keyword: "uniqueItems", message: `must NOT have duplicate items (items ## ${pair.j} and ${pair.i} are identical)`, params: pair },
    ];
    return false;
  };
  ajv.addKeyword({ keyword: "uniqueItems", type: "array", schemaType: "boolean", errors: true, validate: uniqueItems });
  // Ajv compares a value with each allowed one in turn (deeply, for objects); a set of canonical JSON
  // answers in the time it takes to write the value, however long the list.
  ajv.removeKeyword("enum");
  ajv.addKeyword({
    keyword: "enum",
    schemaType: "array",
    errors: true,
    compile: (allowedValues: unknown[]) => {
      const allowed = new Set(allowedValues.map(canonicalJson));
      const isAllowed: DataValidateFunction = (data: unknown): boolean => {
        if (allowed.has(canonicalJson(data))) {
          delete isAllowed.errors;
          return true;
        }
        isAllowed.errors = [{ keyword: "enum", message: "must be equal to one of the allowed values", params: { allowedValues } }];
        return false;
      };
      return isAllowed;
    },
  });
}

/** JSON text with object keys sorted at every level: equal JSON values (as JSON Schema compares them) get equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
