/**
 * How the server's log lines look: JSON lines for machines (a file, a pipe, a log shipper), or one
 * readable line per record for a person at a terminal. The readable line is made from the JSON one
 * pino wrote, after its serializers ran, so it can never show more than the JSON would.
 */

import { ConfigError } from "./config.js";

export type LogFormat = "json" | "pretty";

export const LOG_FORMATS: readonly LogFormat[] = ["json", "pretty"];

/** FLOWGATE_LOG_FORMAT when set, else pretty on a terminal and JSON otherwise. Throws ConfigError for another value. */
export function chooseLogFormat(env: NodeJS.ProcessEnv, stdoutIsTTY: boolean): LogFormat {
  const given = env["FLOWGATE_LOG_FORMAT"];
  if (given === undefined || given === "") return stdoutIsTTY ? "pretty" : "json";
  if (!(LOG_FORMATS as readonly string[]).includes(given)) {
    throw new ConfigError(`FLOWGATE_LOG_FORMAT must be one of ${LOG_FORMATS.join(", ")}, got "${given}"`);
  }
  return given as LogFormat;
}

/** Colours only on a terminal, and never with NO_COLOR (https://no-color.org). */
export function logColorEnabled(env: NodeJS.ProcessEnv, stdoutIsTTY: boolean): boolean {
  return stdoutIsTTY && !env["NO_COLOR"];
}

const LEVELS: Record<number, { label: string; color: number }> = {
  10: { label: "TRACE", color: 90 }, // grey
  20: { label: "DEBUG", color: 90 },
  30: { label: "INFO", color: 32 }, // green
  40: { label: "WARN", color: 33 }, // yellow
  50: { label: "ERROR", color: 31 }, // red
  60: { label: "FATAL", color: 35 }, // magenta
};

/** Shown in the line's own columns (time, level, message), or the same on every line (service). */
const OMITTED = new Set(["time", "level", "msg", "service", "pid", "hostname"]);

const paint = (code: number, text: string, color: boolean): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);

/**
 * Control characters (C0, DEL, C1) as escapes: a value from a request (a flow name, an error
 * message) must not move the cursor, recolour the terminal or forge a line of its own.
 */
function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    if (c === "\r") return "\\r";
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** A value as key=value wants it: bare when unambiguous, else quoted; objects as compact JSON. */
function formatValue(value: unknown): string {
  if (typeof value === "string") {
    // eslint-disable-next-line no-control-regex
    return /^[^\s"=\\\u0000-\u001f\u007f-\u009f]+$/.test(value) ? value : escapeControls(JSON.stringify(value));
  }
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  // Records come from JSON.parse, so every value has a JSON form.
  return escapeControls(JSON.stringify(value));
}

function isErrorRecord(value: unknown): value is { type?: unknown; message?: unknown; stack?: unknown } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "message" in value && "stack" in value;
}

/**
 * One record (pino's JSON object) as a line: "17:40:01.123Z INFO  message key=value …". An error
 * (pino's err serializer: type, message, stack, …) shows as err.type=… err.message=… and its stack
 * on the lines after, indented.
 */
export function formatPrettyLine(record: Record<string, unknown>, color: boolean): string {
  const time = typeof record["time"] === "number" ? new Date(record["time"]).toISOString().slice(11) : "";
  const level = LEVELS[typeof record["level"] === "number" ? record["level"] : 0];
  const label = paint(level?.color ?? 0, (level?.label ?? String(record["level"])).padEnd(5), color && level !== undefined);
  const msg = typeof record["msg"] === "string" ? escapeControls(record["msg"]) : "";
  const fields: string[] = [];
  const stacks: string[] = [];
  const field = (key: string, value: unknown): void => {
    if (value !== undefined) fields.push(`${paint(2, `${key}=`, color)}${formatValue(value)}`);
  };
  for (const [key, value] of Object.entries(record)) {
    if (OMITTED.has(key)) continue;
    if (isErrorRecord(value)) {
      const { stack, ...rest } = value;
      for (const [k, v] of Object.entries(rest)) field(`${key}.${k}`, v);
      // The stack opens with "Type: message", already shown as fields.
      const messageLines = typeof rest.message === "string" ? rest.message.split("\n").length : 1;
      if (typeof stack === "string")
        stacks.push(
          ...stack
            .split("\n")
            .slice(messageLines)
            .map((l) => `    ${escapeControls(l.trim())}`),
        );
    } else {
      field(key, value);
    }
  }
  const head = [paint(2, time, color), label, msg, ...fields].filter((part) => part !== "").join(" ");
  return [head, ...stacks].join("\n");
}

/**
 * pino's destination for the pretty format: takes each JSON line pino wrote and writes it readable.
 * A line that is not JSON (nothing pino writes) passes through unchanged rather than being lost.
 */
export function prettyDestination(write: (text: string) => void, color: boolean): { write(line: string): void } {
  return {
    write(line: string): void {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        write(line);
        return;
      }
      if (typeof record !== "object" || record === null || Array.isArray(record)) {
        write(line);
        return;
      }
      write(`${formatPrettyLine(record as Record<string, unknown>, color)}\n`);
    },
  };
}
