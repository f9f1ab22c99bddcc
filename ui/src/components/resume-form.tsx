// The Form module itself: the package index also exports a test helper that needs rjsf's ajv
// validator, which this page does not use (see form-validator.ts).
import Form from "@rjsf/core/lib/components/Form.js";
import type { RJSFSchema } from "@rjsf/utils";
import { useMemo, useState, type ReactNode } from "react";
import type { FieldErrorJson, JsonObjectJson } from "../api.ts";
import { toErrorSchema } from "../field-errors.ts";
import { InterpretingValidator } from "../form-validator.ts";

/** One for the page: it caches a validator per schema. */
const validator = new InterpretingValidator();

interface ResumeFormProps {
  schema: JsonObjectJson;
  initial: JsonObjectJson | null;
  fieldErrors: readonly FieldErrorJson[];
  busy: boolean;
  onSubmit: (input: JsonObjectJson) => void;
  /** The button's words, idle and busy: a deployment's Run form is this form too. */
  submitLabel?: string;
  busyLabel?: string;
  /** More fields, after the schema's and before the button (a run's name). */
  children?: ReactNode;
}

/**
 * The pause's input schema as a form (react-jsonschema-form); a deployment's Run form uses it for the
 * deployment's parameter schema. The server is the one judge of the
 * input (noValidate, noHtml5Validate): its field errors come back and are shown under their fields, so the browser
 * never disagrees with what Python, Go or the CLI would be told.
 */
export default function ResumeForm({
  schema,
  initial,
  fieldErrors,
  busy,
  onSubmit,
  submitLabel = "Resume",
  busyLabel = "Resuming…",
  children,
}: ResumeFormProps) {
  // The description is the pause's Markdown, shown above the form already; rjsf would print it raw.
  const formSchema = useMemo(() => {
    const { description: _description, ...rest } = schema;
    return withTitles(rest) as RJSFSchema;
  }, [schema]);
  const [formData, setFormData] = useState<JsonObjectJson | undefined>(initial ?? undefined);
  const extraErrors = useMemo(() => toErrorSchema(fieldErrors), [fieldErrors]);
  return (
    <Form
      className="resume-form"
      schema={formSchema}
      validator={validator}
      formData={formData}
      noValidate
      noHtml5Validate
      showErrorList={false}
      extraErrors={extraErrors}
      disabled={busy}
      onChange={(e) => setFormData(e.formData as JsonObjectJson)}
      onSubmit={(e) => onSubmit((e.formData ?? {}) as JsonObjectJson)}
    >
      {children}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? busyLabel : submitLabel}
      </button>
    </Form>
  );
}

/**
 * Titles for fields that have none, at every depth: "due_date" and "dueDate" read as "Due date".
 * Only the form's copy of the schema changes; the server's field errors still name the fields
 * themselves, and they are shown under the fields, not by name.
 */
function withTitles(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withTitles);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Record<string, unknown> = {};
  const entries: [string, unknown][] = Object.entries(schema);
  for (const [key, value] of entries) {
    if ((key === "properties" || key === "$defs" || key === "definitions") && typeof value === "object" && value !== null) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => {
          const titled = withTitles(sub);
          const needsTitle = key === "properties" && typeof titled === "object" && titled !== null && !("title" in titled);
          return [name, needsTitle ? { ...titled, title: humanize(name) } : titled];
        }),
      );
    } else if (["items", "prefixItems", "anyOf", "oneOf", "allOf", "additionalProperties", "then", "else", "if", "not"].includes(key)) {
      out[key] = withTitles(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
