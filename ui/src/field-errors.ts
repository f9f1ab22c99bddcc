import type { ErrorSchema } from "@rjsf/utils";
import type { FieldErrorJson } from "./api.ts";

/**
 * The server's field errors ("address.city: is required") as rjsf's error tree, so each message is
 * shown under its own field. Errors on the input as a whole ("") go on the form's root.
 */
export function toErrorSchema(errors: readonly FieldErrorJson[]): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const e of errors) {
    let node = root;
    for (const part of e.field === "" ? [] : e.field.split(".")) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    const list = (node["__errors"] ??= []) as string[];
    list.push(e.description);
  }
  return root as ErrorSchema;
}
