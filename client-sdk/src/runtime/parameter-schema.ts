/**
 * A flow's declared parameters, `flow(fn, { parameters: z.object({...}) })`: the JSON Schema its
 * deployments carry, derived from zod exactly as a RunInput's schema is (so the server holds it to the
 * same rules as a pause's input schema), and the local check for a flow called directly, whose run
 * belongs to no deployment and is therefore not checked by the server.
 */
import { z } from "zod";
import { InvalidArgumentError, type FieldError } from "../errors.js";
import { RunInput } from "../inputs/run-input.js";
import type { JsonObject } from "../types.js";

/** @throws TypeError when the schema is not an object schema: a run's parameters are an object. */
export function parameterJsonSchema(schema: z.ZodType): JsonObject {
  const input = RunInput.define(schema);
  if (input.wrapped) throw new TypeError("A flow's parameters schema must be an object schema, such as z.object({ ... }).");
  return input.jsonSchema();
}

/** @throws InvalidArgumentError with one field error per failing parameter (the server's wording differs). */
export function checkParameters(schema: z.ZodType, parameters: JsonObject): void {
  const result = schema.safeParse(parameters);
  if (result.success) return;
  const fieldErrors: FieldError[] = result.error.issues.map((i) => ({ field: i.path.map(String).join("."), description: i.message }));
  throw new InvalidArgumentError(`Parameters are invalid: ${z.prettifyError(result.error)}`, fieldErrors);
}
