import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { InvalidArgumentError, type FieldViolation, type InvalidReason } from "./errors.js";
import type { JsonObject } from "./flow-run.js";
import { clipText, MAX_JSON_DEPTH, MAX_JSON_ENTRIES, requireJsonWithinLimits, type JsonLimits } from "./json-limits.js";
import { linearRegExpEngine, MatchBudgetExceededError, MAX_MATCH_WORK, PatternRefusedError, type MatchMeter } from "./linear-regexp.js";
import { checkSchemaReferences } from "./schema-references.js";
import { addWorkKeywords, MAX_VALIDATION_STEPS, ValidationBudgetExceededError, withSteps, type StepMeter } from "./validation-work.js";

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
type AddFormats = (ajv: Ajv2020) => unknown;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

/**
 * Compiled schemas kept; one more pushes out the least recently used, which compiles again when next
 * needed. A small form costs about 20 KB here; the largest schema the limits allow (2,000 entries,
 * 1 MB of text) about 1.5 MB, so the cache stays under about 150 MB whatever clients send.
 */
export const SCHEMA_CACHE_CAPACITY = 100;
/**
 * Field violations listed in one error; the message says how many more there were. Errors travel in
 * gRPC trailers, which some clients cap at 8 KB (gRPC core's default), so each text is clipped too.
 */
export const MAX_REPORTED_VIOLATIONS = 10;
const FIELD_LENGTH = 120;
const DESCRIPTION_LENGTH = 200;
/** Same default as FLOWGATE_MAX_INPUT_BYTES. */
const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024;

/**
 * What a schema validates, for the names its errors use: a pause's input_schema validates run input, a
 * deployment's parameter_schema validates the parameters of its runs. Every other rule is the same.
 */
export interface SchemaUse {
  /** The request field the schema came in (errors about the schema name it). */
  schemaField: string;
  /** The request field the validated value came in. */
  valueField: string;
  /** How a refusal's message starts ("Run input is invalid"). */
  invalid: string;
  reason: InvalidReason;
}

export const RUN_INPUT: SchemaUse = {
  schemaField: "input_schema",
  valueField: "run_input",
  invalid: "Run input is invalid",
  reason: "INVALID_RUN_INPUT",
};
export const DEPLOYMENT_PARAMETERS: SchemaUse = {
  schemaField: "parameter_schema",
  valueField: "parameters",
  invalid: "Parameters are invalid",
  reason: "INVALID_ARGUMENT",
};

export interface RunInputSchemaOptions {
  /** Largest schema and largest run input (defaults applied), in bytes of JSON. */
  maxInputBytes?: number;
  cacheCapacity?: number;
}

/**
 * Validates run inputs against the JSON Schema (draft 2020-12) a pause declared, and a deployment's
 * runs' parameters against the one the deployment declared (see SchemaUse).
 *
 * Each schema is compiled on its own Ajv instance: no registry is shared between pauses, so two
 * schemas with the same `$id` never meet, and a schema can always be compiled again. Compiled
 * validators are cached by schema text (a flow pauses with the same schema many times), in a cache of
 * bounded size. Before compiling, a schema is held to the JSON limits, its `$ref`s to
 * schema-references.ts and its patterns to linear-regexp.ts, so compiling is bounded whatever the
 * schema; the same checks run when a schema pushed out of the cache compiles again. Validating is
 * bounded by counted work: subschema applications (validation-work.ts) and pattern matching.
 */
export class RunInputSchemas {
  /** Checks schemas against the draft 2020-12 meta-schema, compiled once; compiles no user schema. */
  private readonly meta: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly meter: MatchMeter = { remaining: 0 };
  private readonly steps: StepMeter = { remaining: 0 };
  private readonly limits: JsonLimits;
  private readonly capacity: number;

  constructor(options: RunInputSchemaOptions = {}) {
    this.limits = { maxDepth: MAX_JSON_DEPTH, maxEntries: MAX_JSON_ENTRIES, maxBytes: options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES };
    this.capacity = Math.max(1, options.cacheCapacity ?? SCHEMA_CACHE_CAPACITY);
    // strict: false because schemas come from other generators (zod, pydantic) with extra keywords.
    this.meta = new Ajv2020({ allErrors: true, strict: false });
    addFormats(this.meta);
  }

  /** Compiled validators held now (at most the capacity). */
  get cachedCount(): number {
    return this.cache.size;
  }

  /** Throws InvalidArgumentError when the schema is not a valid JSON Schema, or one this server refuses. */
  check(schema: JsonObject, use: SchemaUse = RUN_INPUT): void {
    this.compile(schema, use);
  }

  /**
   * Returns the input with schema defaults applied, or throws InvalidArgumentError listing every
   * failing field. A missing input counts as an empty object, so a schema whose fields all have
   * defaults accepts it.
   */
  validate(schema: JsonObject, input: JsonObject | undefined, use: SchemaUse = RUN_INPUT): JsonObject {
    // Callers check first (requireWithinLimit); checked here too, since cloning a hostile depth overflows the stack.
    requireJsonWithinLimits(use.valueField, input ?? {}, this.limits, use.reason);
    const validate = this.compile(schema, use);
    const value: JsonObject = structuredClone(input ?? {});
    let valid: boolean;
    this.meter.remaining = MAX_MATCH_WORK;
    this.steps.remaining = MAX_VALIDATION_STEPS;
    try {
      valid = validate(value);
    } catch (err) {
      if (err instanceof MatchBudgetExceededError || err instanceof ValidationBudgetExceededError) {
        throw new InvalidArgumentError(`${use.invalid}: ${err.message}.`, [{ field: "", description: err.message }], use.reason);
      }
      throw err;
    }
    if (!valid) {
      const violations = toViolations(validate.errors ?? []);
      const shown = violations.slice(0, MAX_REPORTED_VIOLATIONS);
      const more = violations.length - shown.length;
      const summary = clipText(shown.map((v) => (v.field ? `${v.field}: ${v.description}` : v.description)).join("; "), 1_000);
      throw new InvalidArgumentError(`${use.invalid}: ${summary}${more > 0 ? `; and ${more} more` : ""}`, shown, use.reason);
    }
    // Defaults can make a small input large; what is stored and sent back must fit the limits too.
    requireJsonWithinLimits(use.valueField, value, this.limits, use.reason);
    return value;
  }

  private compile(schema: JsonObject, use: SchemaUse): ValidateFunction {
    // Before the schema is written out as a cache key: JSON.stringify overflows the stack on a hostile depth.
    requireJsonWithinLimits(use.schemaField, schema, this.limits);
    const text = JSON.stringify(schema);
    const cached = this.cache.get(text);
    if (cached) {
      // Most recently used last: the first key is the one to push out.
      this.cache.delete(text);
      this.cache.set(text, cached);
      return cached;
    }
    const validate = this.compileFresh(schema, use.schemaField);
    if (this.cache.size >= this.capacity) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(text, validate);
    return validate;
  }

  private compileFresh(schema: JsonObject, field: string): ValidateFunction {
    checkSchemaReferences(schema, field);
    const invalid = (reason: string): InvalidArgumentError =>
      new InvalidArgumentError(`${field} is not a valid JSON Schema: ${reason}`, [{ field, description: reason }]);
    try {
      if (!this.meta.validateSchema(schema)) throw invalid(this.meta.errorsText(this.meta.errors, { dataVar: field }));
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw err;
      throw invalid(err instanceof Error ? err.message : String(err));
    }
    const ajv = new Ajv2020({
      allErrors: true,
      strict: false,
      useDefaults: true,
      // Checked above against the shared meta-schema validator, which this instance need not compile again.
      validateSchema: false,
      code: { regExp: linearRegExpEngine(this.meter) },
    });
    addFormats(ajv);
    addWorkKeywords(ajv, this.steps);
    try {
      return ajv.compile(withSteps(schema));
    } catch (err) {
      if (err instanceof PatternRefusedError) {
        throw new InvalidArgumentError(`${field} has a ${err.message}.`, [{ field, description: err.message }]);
      }
      throw invalid(err instanceof Error ? err.message : String(err));
    }
  }
}

function toViolations(errors: readonly ErrorObject[]): FieldViolation[] {
  const seen = new Set<string>();
  const out: FieldViolation[] = [];
  for (const e of errors) {
    let path = pointerToPath(e.instancePath);
    let description = e.message ?? "is invalid";
    if (e.keyword === "required") {
      const missing = String((e.params as { missingProperty?: string }).missingProperty ?? "");
      path = joinPath(path, missing);
      description = "is required";
    } else if (e.keyword === "additionalProperties") {
      const extra = String((e.params as { additionalProperty?: string }).additionalProperty ?? "");
      path = joinPath(path, extra);
      description = "is not allowed";
    } else if (e.keyword === "enum") {
      description = `must be one of ${listAllowed((e.params as { allowedValues?: unknown[] }).allowedValues ?? [])}`;
    }
    const id = `${path}\u0000${description}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ field: clipText(path, FIELD_LENGTH), description: clipText(description, DESCRIPTION_LENGTH) });
  }
  return out;
}

/** The allowed values as JSON, written only as far as an error message shows them (a list may be long). */
function listAllowed(allowed: readonly unknown[]): string {
  let text = "";
  for (const v of allowed) {
    if (text.length > DESCRIPTION_LENGTH) break;
    text += `${text === "" ? "" : ", "}${clipText(JSON.stringify(v), DESCRIPTION_LENGTH)}`;
  }
  return text;
}

function pointerToPath(pointer: string): string {
  if (pointer === "") return "";
  return pointer
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .join(".");
}

function joinPath(base: string, child: string): string {
  return base === "" ? child : `${base}.${child}`;
}
