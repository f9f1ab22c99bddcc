/**
 * Typed run input, Prefect's `RunInput` with zod instead of pydantic: the schema the server validates
 * against is derived from the zod schema, and what comes back is parsed by the same zod schema, so the
 * value returned by `pauseFlowRun({ waitForInput })` is typed by inference.
 */
import { z } from "zod";
import { InvalidRunInputError, type FieldError } from "../errors.js";
import type { JsonObject, JsonValue } from "../types.js";

/** Initial data: a partial object for object schemas, the bare value for primitives. */
export type InitialData<S extends z.ZodType> = z.input<S> extends Record<string, unknown> ? Partial<z.input<S>> : z.input<S>;

export interface RunInputOptions {
  /** Markdown shown to whoever resumes the run. */
  description?: string | undefined;
}

function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** JSON round trip: drops what JSON cannot carry (undefined, functions) the way the wire would. */
function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

export class RunInput<S extends z.ZodType = z.ZodType> {
  private constructor(
    readonly schema: S,
    readonly description: string | undefined,
    readonly initialData: InitialData<S> | undefined,
  ) {}

  /** Declares a run input from a zod schema; primitives (z.number(), z.string(), …) travel as `{ value }`. */
  static define<S extends z.ZodType>(schema: S, options: RunInputOptions = {}): RunInput<S> {
    return new RunInput(schema, options.description, undefined);
  }

  /** The same input with default values for a resume form (they also become the schema's defaults). */
  withInitialData(data: InitialData<S>): RunInput<S> {
    return new RunInput(this.schema, this.description, data);
  }

  /** True when the schema is not an object schema, so values are wrapped as `{ value }` on the wire. */
  get wrapped(): boolean {
    return this.baseJsonSchema()["type"] !== "object";
  }

  private baseJsonSchema(): JsonObject {
    // io "input": fields with defaults are optional for the person resuming.
    const schema = toJson(z.toJSONSchema(this.schema, { io: "input", unrepresentable: "any" })) as JsonObject;
    // The contract fixes the dialect (draft 2020-12), and the server cannot store "$"-prefixed keys
    // in its document store (FerretDB rejects them), so the redundant "$schema" is left out.
    delete schema["$schema"];
    return schema;
  }

  /** The JSON Schema (draft 2020-12) sent to the server, with description and initial data as defaults. */
  jsonSchema(): JsonObject {
    const base = this.baseJsonSchema();
    const schema: JsonObject = this.wrapped ? { type: "object", properties: { value: base }, required: ["value"] } : base;
    if (this.description !== undefined) schema["description"] = this.description;
    const initial = this.initialJson();
    const properties = schema["properties"];
    if (initial && isJsonObject(properties)) {
      for (const [field, value] of Object.entries(initial)) {
        const prop = properties[field];
        if (isJsonObject(prop)) prop["default"] = value;
      }
    }
    return schema;
  }

  /** Initial data as sent to the server (wrapped for primitives); undefined when none was given. */
  initialJson(): JsonObject | undefined {
    if (this.initialData === undefined) return undefined;
    const json = toJson(this.initialData);
    return this.wrapped ? { value: json } : isJsonObject(json) ? json : undefined;
  }

  /** A value as the server wants it: `{ value }` for primitives, the object itself otherwise. */
  toRunInput(value: z.input<S>): JsonObject {
    const json = toJson(value);
    if (this.wrapped) return { value: json };
    if (!isJsonObject(json))
      throw new InvalidRunInputError("Run input must be an object.", [{ field: "", description: "must be an object" }]);
    return json;
  }

  /**
   * Parses a resume input with the zod schema (unwrapping `{ value }`).
   * @throws InvalidRunInputError with the zod issues as field errors.
   */
  parse(runInput: JsonObject | undefined): z.output<S> {
    const raw: unknown = this.wrapped ? runInput?.["value"] : (runInput ?? {});
    const result = this.schema.safeParse(raw);
    if (result.success) return result.data;
    const fieldErrors: FieldError[] = result.error.issues.map((i) => ({ field: i.path.map(String).join("."), description: i.message }));
    throw new InvalidRunInputError(`Run input does not match its schema: ${z.prettifyError(result.error)}`, fieldErrors);
  }
}

/** What `waitForInput` and `receiveInput` take: a RunInput, or a bare zod schema as Prefect takes a bare type. */
export type InputSchema<S extends z.ZodType> = S | RunInput<S>;

/** The RunInput for either form; a bare schema gets no description or initial data. */
export function asRunInput<S extends z.ZodType>(input: InputSchema<S>): RunInput<S>;
export function asRunInput<S extends z.ZodType>(input: InputSchema<S> | undefined): RunInput<S> | undefined;
export function asRunInput<S extends z.ZodType>(input: InputSchema<S> | undefined): RunInput<S> | undefined {
  if (input === undefined) return undefined;
  return input instanceof RunInput ? input : RunInput.define(input);
}
