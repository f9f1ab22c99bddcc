/**
 * User-supplied JSON (parameters, labels, schemas, run inputs, input values, results) is stored as JSON
 * text. Document stores restrict field names: FerretDB refuses any key starting with "$" (every JSON
 * Schema has "$schema"; "$defs" and "$ref" are common) and dots in keys mean paths to MongoDB. As text,
 * any JSON round-trips unchanged on every backend. Only fields the server queries stay structured.
 */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function fromJsonText<T>(text: string): T {
  return JSON.parse(text) as T;
}

export function optionalToJsonText(value: unknown): string | undefined {
  return value === undefined ? undefined : toJsonText(value);
}

export function optionalFromJsonText<T>(text: string | undefined): T | undefined {
  return text === undefined ? undefined : fromJsonText<T>(text);
}
