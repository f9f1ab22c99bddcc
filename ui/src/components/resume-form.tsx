import Form from "@rjsf/core";
import type { RJSFSchema, UiSchema } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { useMemo, useState } from "react";
import type { FieldErrorJson, JsonObjectJson } from "../api.ts";
import { toErrorSchema } from "../field-errors.ts";

interface ResumeFormProps {
  schema: JsonObjectJson;
  initial: JsonObjectJson | null;
  fieldErrors: readonly FieldErrorJson[];
  busy: boolean;
  onSubmit: (input: JsonObjectJson) => void;
}

/**
 * The pause's input schema as a form (react-jsonschema-form). The server is the one judge of the
 * input (noValidate, noHtml5Validate): its field errors come back and are shown under their fields, so the browser
 * never disagrees with what Python, Go or the CLI would be told.
 */
export default function ResumeForm({ schema, initial, fieldErrors, busy, onSubmit }: ResumeFormProps) {
  // The description is the pause's Markdown, shown above the form already; rjsf would print it raw.
  const formSchema = useMemo(() => {
    const { description: _description, ...rest } = schema;
    return rest as RJSFSchema;
  }, [schema]);
  const uiSchema = useMemo(() => labelsFor(formSchema), [formSchema]);
  const [formData, setFormData] = useState<JsonObjectJson | undefined>(initial ?? undefined);
  const extraErrors = useMemo(() => toErrorSchema(fieldErrors), [fieldErrors]);
  return (
    <Form
      className="resume-form"
      schema={formSchema}
      uiSchema={uiSchema}
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
      <button type="submit" className="primary" disabled={busy}>
        {busy ? "Resuming…" : "Resume"}
      </button>
    </Form>
  );
}

/**
 * Labels for fields without a title: "due_date" and "dueDate" read as "Due date". The server's
 * field errors still name the field itself, and they are shown under the field, not by name.
 */
function labelsFor(schema: RJSFSchema): UiSchema {
  const properties = schema.properties ?? {};
  const ui: UiSchema = {};
  for (const [key, prop] of Object.entries(properties)) {
    if (typeof prop === "object" && prop.title === undefined) ui[key] = { "ui:title": humanize(key) };
  }
  return ui;
}

function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
