import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { InvalidArgumentError, type FieldViolation } from "./errors.js";
import type { JsonObject } from "./flow-run.js";

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
type AddFormats = (ajv: Ajv2020) => unknown;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

/**
 * Validates run inputs against the JSON Schema (draft 2020-12) a pause declared. Compiled validators
 * are cached by schema text, since the same flow pauses with the same schema many times.
 */
export class RunInputSchemas {
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(private readonly maxCached = 500) {
    // strict: false because schemas come from other generators (zod, pydantic) with extra keywords.
    this.ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: true });
    addFormats(this.ajv);
  }

  /** Throws InvalidArgumentError when the schema itself is not a valid JSON Schema. */
  check(schema: JsonObject): void {
    this.compile(schema);
  }

  /**
   * Returns the input with schema defaults applied, or throws InvalidArgumentError listing every
   * failing field. A missing input counts as an empty object, so a schema whose fields all have
   * defaults accepts it.
   */
  validate(schema: JsonObject, input: JsonObject | undefined): JsonObject {
    const validate = this.compile(schema);
    const value: JsonObject = structuredClone(input ?? {});
    if (validate(value)) return value;
    const violations = toViolations(validate.errors ?? []);
    const summary = violations.map((v) => (v.field ? `${v.field}: ${v.description}` : v.description)).join("; ");
    throw new InvalidArgumentError(`Run input is invalid: ${summary}`, violations, "INVALID_RUN_INPUT");
  }

  private compile(schema: JsonObject): ValidateFunction {
    const text = JSON.stringify(schema);
    const cached = this.cache.get(text);
    if (cached) return cached;
    let validate: ValidateFunction;
    try {
      validate = this.ajv.compile(schema);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new InvalidArgumentError(`input_schema is not a valid JSON Schema: ${reason}`, [
        { field: "input_schema", description: reason },
      ]);
    }
    if (this.cache.size >= this.maxCached) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(text, validate);
    return validate;
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
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? [];
      description = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}`;
    }
    const id = `${path}\u0000${description}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ field: path, description });
  }
  return out;
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
