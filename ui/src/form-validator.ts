import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";
import { ErrorSchemaBuilder, type RJSFSchema, type RJSFValidationError, type ValidationData, type ValidatorType } from "@rjsf/utils";

/**
 * react-jsonschema-form's validator, on @cfworker/json-schema instead of ajv. rjsf asks its validator
 * which branch of an anyOf/oneOf the data matches (zod's nullable and union fields), and ajv answers
 * by compiling code with `new Function`, which the page's Content-Security-Policy forbids, rightly.
 * This validator interprets schemas (draft 2020-12, the contract's dialect) without generating code.
 *
 * It only informs the form's layout: the server stays the one judge of the input (the form is
 * submitted with noValidate).
 */
export class InterpretingValidator implements ValidatorType<unknown, RJSFSchema> {
  private readonly cache = new Map<string, Validator>();

  validateFormData(formData: unknown, schema: RJSFSchema): ValidationData<unknown> {
    const units = this.validatorFor(schema, schema)
      .validate(formData ?? {})
      .errors.filter(isLeaf);
    const builder = new ErrorSchemaBuilder<unknown>();
    const errors: RJSFValidationError[] = units.map((u) => {
      const path = pointerToPath(u.instanceLocation);
      if (path.length > 0) builder.addErrors(u.error, path);
      else builder.addErrors(u.error);
      const property = path.length > 0 ? `.${path.join(".")}` : "";
      return { name: u.keyword, message: u.error, property, schemaPath: u.keywordLocation, stack: `${property || "input"} ${u.error}` };
    });
    return { errors, errorSchema: builder.ErrorSchema };
  }

  isValid(schema: RJSFSchema, formData: unknown, rootSchema: RJSFSchema): boolean {
    try {
      return this.validatorFor(schema, rootSchema).validate(formData).valid;
    } catch {
      // An unresolvable $ref (say): treat as "does not match", as rjsf's ajv validator does.
      return false;
    }
  }

  rawValidation<Result = OutputUnit>(schema: RJSFSchema, formData?: unknown): { errors?: Result[]; validationError?: Error } {
    try {
      const result = this.validatorFor(schema, schema).validate(formData);
      return result.valid ? {} : { errors: result.errors as Result[] };
    } catch (err) {
      return { validationError: err instanceof Error ? err : new Error(String(err)) };
    }
  }

  reset(): void {
    this.cache.clear();
  }

  /**
   * A validator for `schema`, whose "#/$defs/…" references point into `rootSchema` (rjsf passes
   * sub-schemas of the root): the root's definitions are carried along.
   */
  private validatorFor(schema: RJSFSchema, rootSchema: RJSFSchema): Validator {
    const withDefs: RJSFSchema =
      schema === rootSchema
        ? schema
        : {
            ...schema,
            ...(rootSchema.$defs ? { $defs: { ...rootSchema.$defs, ...schema.$defs } } : {}),
            ...(rootSchema.definitions ? { definitions: { ...rootSchema.definitions, ...schema.definitions } } : {}),
          };
    const key = JSON.stringify(withDefs);
    let validator = this.cache.get(key);
    if (!validator) {
      validator = new Validator(withDefs as Schema, "2020-12", false);
      this.cache.set(key, validator);
    }
    return validator;
  }
}

/** Wrapper errors ("Property x does not match schema") repeat what their leaves say. */
const WRAPPERS = new Set([
  "properties",
  "items",
  "prefixItems",
  "additionalProperties",
  "allOf",
  "$ref",
  "$dynamicRef",
  "unevaluatedProperties",
]);

function isLeaf(u: OutputUnit): boolean {
  return !WRAPPERS.has(u.keyword);
}

/** "#/address/city" → ["address", "city"] */
function pointerToPath(location: string): string[] {
  return location
    .replace(/^#/, "")
    .split("/")
    .filter((p) => p !== "")
    .map((p) => decodeURIComponent(p).replace(/~1/g, "/").replace(/~0/g, "~"));
}
