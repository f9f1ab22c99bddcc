import { ErrorSchemaBuilder, type ErrorSchema } from "@rjsf/utils";
import type { FieldErrorJson } from "./api.ts";

/**
 * The server's field errors ("address.city: is required") as rjsf's error tree, so each message is
 * shown under its own field. Errors on the input as a whole ("") go on the form's root.
 */
export function toErrorSchema(errors: readonly FieldErrorJson[]): ErrorSchema {
  const builder = new ErrorSchemaBuilder();
  for (const e of errors) {
    if (e.field === "") builder.addErrors(e.description);
    else builder.addErrors(e.description, e.field.split("."));
  }
  return builder.ErrorSchema;
}
