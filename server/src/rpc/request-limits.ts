/**
 * Size limits of every string, list and map field of every gRPC request (issue 12 item 3), checked
 * once at the edge, after decoding and before the handler, so a refused request changes nothing.
 *
 * Driven by the contract: the request type of each method and its fields come from the descriptor set
 * (the same one reflection serves), so a field added to the contract is bounded the day it is added,
 * by the defaults below unless FIELD_LIMITS names it. JSON fields (google.protobuf.Struct and Value)
 * are bounded by json-limits.ts in the services, with the JSON's own path in the refusal, and are
 * skipped here; Timestamps carry no text.
 *
 * Lengths count Unicode code points ("characters"), as Python's len() and Go's utf8.RuneCountInString
 * do. Format rules (UUIDs, pause and input keys, request ids) stay in the domain; these limits come
 * first and only bound size, so a huge value is refused before anything copies or stores it.
 */
import { createFileRegistry, fromBinary, ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { descriptorSetBase64 } from "@flowgate/contract/descriptor-set.js";
import { InvalidArgumentError, type FieldViolation } from "../domain/errors.js";
import { clipText } from "../domain/json-limits.js";

/** A string field not named in FIELD_LIMITS: at most this many characters. */
export const DEFAULT_MAX_STRING_CHARS = 4_096;
/** A list (repeated field) not named in FIELD_LIMITS: at most this many items. */
export const DEFAULT_MAX_LIST_ITEMS = 1_000;
/** A map field not named in FIELD_LIMITS: at most this many entries. */
export const DEFAULT_MAX_MAP_ENTRIES = 1_000;
/** At most this many violations are reported in one refusal (the rest are counted in the message). */
export const MAX_REPORTED_LIMIT_VIOLATIONS = 10;

export type FieldLimit =
  /** `what` names what the field holds, where its name alone is ambiguous ("key": "a pause key"). */
  | { kind: "string"; maxChars: number; what?: string }
  /** `maxChars` bounds each item of a list of strings. */
  | { kind: "list"; maxItems: number; maxChars?: number }
  | { kind: "map"; maxEntries: number; maxKeyChars: number; maxValueChars: number };

const text = (maxChars: number, what?: string): FieldLimit => ({ kind: "string", maxChars, ...(what ? { what } : {}) });
const ID = text(36, "a UUID");
const NAME = text(200);
const REQUEST_ID = text(128);
const PAUSE_KEY = text(64, "a pause key");
const INPUT_KEY = text(256, "an input key");
const PRINCIPAL = text(100); // an API key's name
const STATE_MESSAGE = text(4_000);
const PAGE_TOKEN = text(200);
const STATE_TYPES: FieldLimit = { kind: "list", maxItems: 20 };

/**
 * Explicit limits by `Message.field` (flowgate.v1 messages, proto field names). Every other string,
 * list or map field of a request gets the defaults above. A row naming no field of a request (a typo,
 * a field renamed in the contract) fails at start-up, and in request-limits.test.ts.
 */
export const FIELD_LIMITS: Readonly<Record<string, FieldLimit>> = {
  // Shared messages inside requests.
  "StateProposal.name": NAME,
  "StateProposal.message": STATE_MESSAGE,

  // RunService
  "CreateFlowRunRequest.flow_name": NAME,
  "CreateFlowRunRequest.name": NAME,
  "CreateFlowRunRequest.deployment_id": ID,
  "CreateFlowRunRequest.parent_flow_run_id": ID,
  "CreateFlowRunRequest.parent_task_run_id": ID,
  "CreateFlowRunRequest.labels": { kind: "map", maxEntries: 64, maxKeyChars: 100, maxValueChars: 1_000 },
  "CreateFlowRunRequest.request_id": REQUEST_ID,
  "GetFlowRunRequest.flow_run_id": ID,
  "ListFlowRunsRequest.state_types": STATE_TYPES,
  "ListFlowRunsRequest.flow_name": NAME,
  "ListFlowRunsRequest.deployment_id": ID,
  "ListFlowRunsRequest.parent_flow_run_id": ID,
  "ListFlowRunsRequest.page_token": PAGE_TOKEN,
  "SetFlowRunStateRequest.flow_run_id": ID,
  "SetFlowRunStateRequest.request_id": REQUEST_ID,
  "CancelFlowRunRequest.flow_run_id": ID,
  "CancelFlowRunRequest.request_id": REQUEST_ID,
  "PauseFlowRunRequest.flow_run_id": ID,
  "PauseFlowRunRequest.key": PAUSE_KEY,
  "PauseFlowRunRequest.request_id": REQUEST_ID,
  "SuspendFlowRunRequest.flow_run_id": ID,
  "SuspendFlowRunRequest.key": PAUSE_KEY,
  "SuspendFlowRunRequest.request_id": REQUEST_ID,
  "ResumeFlowRunRequest.flow_run_id": ID,
  "ResumeFlowRunRequest.request_id": REQUEST_ID,
  "WaitForResumeRequest.flow_run_id": ID,
  "WaitForResumeRequest.key": PAUSE_KEY,
  "WatchFlowRunRequest.flow_run_id": ID,
  "WatchFlowRunsRequest.state_types": STATE_TYPES,
  "WatchFlowRunsRequest.flow_name": NAME,
  "WatchFlowRunsRequest.deployment_id": ID,
  "CreateFlowRunInputRequest.flow_run_id": ID,
  "CreateFlowRunInputRequest.key": INPUT_KEY,
  "CreateFlowRunInputRequest.sender": NAME,
  "CreateFlowRunInputRequest.request_id": REQUEST_ID,
  "CreateFlowRunInputRequest.sender_flow_run_id": ID,
  "ReadFlowRunInputRequest.flow_run_id": ID,
  "ReadFlowRunInputRequest.key": INPUT_KEY,
  "FilterFlowRunInputsRequest.flow_run_id": ID,
  "FilterFlowRunInputsRequest.key_prefix": INPUT_KEY,
  "FilterFlowRunInputsRequest.exclude_keys": { kind: "list", maxItems: 1_000, maxChars: 256 },
  "DeleteFlowRunInputRequest.flow_run_id": ID,
  "DeleteFlowRunInputRequest.key": INPUT_KEY,
  "DeleteFlowRunInputRequest.request_id": REQUEST_ID,
  "CreateTaskRunRequest.flow_run_id": ID,
  "CreateTaskRunRequest.task_key": text(500),
  "CreateTaskRunRequest.dynamic_key": NAME,
  "CreateTaskRunRequest.name": NAME,
  "CreateTaskRunRequest.request_id": REQUEST_ID,
  "SetTaskRunStateRequest.task_run_id": ID,
  "SetTaskRunStateRequest.request_id": REQUEST_ID,
  "GetTaskRunRequest.task_run_id": ID,

  // DeploymentService
  "CreateDeploymentRequest.name": NAME,
  "CreateDeploymentRequest.flow_name": NAME,
  "CreateDeploymentRequest.entrypoint": text(1_000),
  "CreateDeploymentRequest.request_id": REQUEST_ID,
  "GetDeploymentRequest.deployment_id": ID,
  "GetDeploymentRequest.full_name": text(401), // "flow-name/deployment-name"
  "ListDeploymentsRequest.flow_name": NAME,
  "ListDeploymentsRequest.page_token": PAGE_TOKEN,
  "RunDeploymentRequest.deployment_id": ID,
  "RunDeploymentRequest.full_name": text(401),
  "RunDeploymentRequest.parent_flow_run_id": ID,
  "RunDeploymentRequest.flow_run_name": NAME,
  "RunDeploymentRequest.request_id": REQUEST_ID,
  "ClaimFlowRunsRequest.deployment_ids": { kind: "list", maxItems: 1_000, maxChars: 36 },
  "ClaimFlowRunsRequest.runner_id": NAME,

  // KeyService
  "CreateKeyRequest.name": PRINCIPAL,
  "CreateKeyRequest.groups": { kind: "list", maxItems: 64, maxChars: 100 },
  "CreateKeyRequest.scopes": { kind: "list", maxItems: 64, maxChars: 100 },
  "ListKeysRequest.page_token": PAGE_TOKEN,
  "RevokeKeyRequest.key_id": ID,

  // AuditService
  "ListAuditEventsRequest.flow_run_id": ID,
  "ListAuditEventsRequest.principal": PRINCIPAL,
  "ListAuditEventsRequest.page_token": PAGE_TOKEN,

  // LogService. Messages and logger names over their limits (run-logs.ts) are cut, not refused:
  // these bounds only refuse what no client sends (the whole request is bounded by the message size).
  "CreateLogsRequest.flow_run_id": ID,
  "CreateLogsRequest.logs": { kind: "list", maxItems: 1_000 },
  "CreateLogsRequest.request_id": REQUEST_ID,
  "LogRecord.task_run_id": ID,
  "LogRecord.message": text(1_000_000, "a log message (one over 16,000 characters is stored cut to that)"),
  "LogRecord.logger": text(4_096),
  "ListLogsRequest.flow_run_id": ID,
  "ListLogsRequest.task_run_id": ID,
  "ListLogsRequest.page_token": PAGE_TOKEN,
  "WatchLogsRequest.flow_run_id": ID,
  "WatchLogsRequest.task_run_id": ID,
};

/** JSON (bounded by json-limits.ts) and Timestamps: nothing for this module to bound. */
const SKIPPED_MESSAGES = new Set([
  "google.protobuf.Struct",
  "google.protobuf.Value",
  "google.protobuf.ListValue",
  "google.protobuf.Timestamp",
]);
const PACKAGE = "flowgate.v1.";

/** One bounded field of a request, as the walk sees it and docs/limits.md's table lists it. */
export interface BoundedField {
  /** "CreateFlowRunRequest.state.message": the request type, then the proto path. */
  path: string;
  /** The proto path inside the request, as refusals name it ("state.message"). */
  field: string;
  limit: FieldLimit;
  /** False when the default applies. */
  explicit: boolean;
}

interface FieldPlan {
  /** Proto (snake_case) name, used in refusals. */
  name: string;
  /** ts-proto's property name (lowerCamelCase, like protobuf-es's localName). */
  prop: string;
  limit?: FieldLimit;
  /** A nested contract message to walk (singular, or each item of a list). */
  message?: MessagePlan;
}

interface MessagePlan {
  typeName: string;
  fields: FieldPlan[];
}

/**
 * The checker for every method of the contract's services: `check("flowgate.v1.RunService/ResumeFlowRun",
 * request)` throws InvalidArgumentError naming each field over its limit (up to ten) and the limit.
 */
export class RequestLimits {
  private readonly methods = new Map<string, MessagePlan>();
  private readonly plans = new Map<string, MessagePlan>();
  private readonly explicitKeys = new Set<string>();

  constructor(descriptorSet: Uint8Array, limits: Readonly<Record<string, FieldLimit>> = FIELD_LIMITS) {
    const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptorSet));
    for (const file of registry.files) {
      for (const service of file.services) {
        if (!service.typeName.startsWith(PACKAGE)) continue;
        for (const method of service.methods) {
          this.methods.set(`${service.typeName}/${method.name}`, this.plan(method.input, limits));
        }
      }
    }
    const unused = Object.keys(limits).filter((k) => !this.explicitKeys.has(k));
    if (unused.length > 0) {
      throw new Error(`request limits name no string, list or map field of a request: ${unused.join(", ")}`);
    }
  }

  /** Throws InvalidArgumentError when a field of `request` is over its limit; unknown methods pass. */
  check(method: string, request: unknown): void {
    const plan = this.methods.get(method);
    if (!plan || typeof request !== "object" || request === null) return;
    const found: FieldViolation[] = [];
    const sentences: string[] = [];
    let total = 0;
    const report = (field: string, sentence: string, description: string): void => {
      total++;
      if (found.length < MAX_REPORTED_LIMIT_VIOLATIONS) {
        found.push({ field: clipText(field, 120), description });
        sentences.push(sentence);
      }
    };
    walk(plan, request as Record<string, unknown>, "", report);
    if (total === 0) return;
    const others = total - 1;
    const rest =
      others === 0 ? "" : ` ${others} more field${others === 1 ? " is" : "s are"} over ${others === 1 ? "its limit" : "their limits"}.`;
    throw new InvalidArgumentError(`${sentences[0]}${rest}`, found);
  }

  /** Every bounded field of every request, for documentation and tests. */
  boundedFields(): BoundedField[] {
    const out: BoundedField[] = [];
    const visit = (plan: MessagePlan, prefix: string, request: string): void => {
      for (const f of plan.fields) {
        const field = prefix === "" ? f.name : `${prefix}.${f.name}`;
        if (f.limit) out.push({ path: `${request}.${field}`, field, limit: f.limit, explicit: this.isExplicit(plan.typeName, f.name) });
        if (f.message) visit(f.message, field, request);
      }
    };
    for (const [method, plan] of this.methods) visit(plan, "", `${method}`);
    return out;
  }

  /** The request methods this checker knows ("flowgate.v1.RunService/ResumeFlowRun"). */
  methodNames(): string[] {
    return [...this.methods.keys()];
  }

  private isExplicit(typeName: string, field: string): boolean {
    return this.explicitKeys.has(`${typeName.slice(PACKAGE.length)}.${field}`);
  }

  private plan(message: DescMessage, limits: Readonly<Record<string, FieldLimit>>): MessagePlan {
    const known = this.plans.get(message.typeName);
    if (known) return known;
    const plan: MessagePlan = { typeName: message.typeName, fields: [] };
    // Registered before its fields, so a message type that contains itself ends the recursion here.
    this.plans.set(message.typeName, plan);
    const short = message.typeName.startsWith(PACKAGE) ? message.typeName.slice(PACKAGE.length) : message.typeName;
    for (const field of message.fields) {
      const key = `${short}.${field.name}`;
      const nested = nestedMessage(field);
      // JSON is bounded by json-limits.ts; a row naming such a field stays unused and fails below.
      if (nested && SKIPPED_MESSAGES.has(nested.typeName)) continue;
      const given = limits[key];
      if (given) this.explicitKeys.add(key);
      const limit = given ?? defaultLimit(field);
      const entry: FieldPlan = { name: field.name, prop: field.localName };
      if (limit) {
        if (limit.kind !== kindOf(field)) throw new Error(`request limit ${key} is a ${limit.kind} limit on a ${field.fieldKind} field`);
        entry.limit = limit;
      }
      if (nested) entry.message = this.plan(nested, limits);
      if (entry.limit || entry.message) plan.fields.push(entry);
    }
    return plan;
  }
}

/** The message type a field holds (singular or listed); maps of messages are not in the contract's requests. */
function nestedMessage(field: DescField): DescMessage | undefined {
  if (field.fieldKind === "message") return field.message;
  if (field.fieldKind === "list" && field.listKind === "message") return field.message;
  if (field.fieldKind === "map" && field.mapKind === "message") return field.message;
  return undefined;
}

function kindOf(field: DescField): FieldLimit["kind"] | undefined {
  if (field.fieldKind === "list") return "list";
  if (field.fieldKind === "map") return "map";
  if (field.fieldKind === "scalar" && (field.scalar === ScalarType.STRING || field.scalar === ScalarType.BYTES)) return "string";
  return undefined;
}

function defaultLimit(field: DescField): FieldLimit | undefined {
  switch (kindOf(field)) {
    case "string":
      return text(DEFAULT_MAX_STRING_CHARS);
    case "list":
      return {
        kind: "list",
        maxItems: DEFAULT_MAX_LIST_ITEMS,
        ...(field.fieldKind === "list" && field.listKind === "scalar" && field.scalar === ScalarType.STRING
          ? { maxChars: DEFAULT_MAX_STRING_CHARS }
          : {}),
      };
    case "map":
      return {
        kind: "map",
        maxEntries: DEFAULT_MAX_MAP_ENTRIES,
        maxKeyChars: DEFAULT_MAX_STRING_CHARS,
        maxValueChars: DEFAULT_MAX_STRING_CHARS,
      };
    default:
      return undefined;
  }
}

type Report = (field: string, sentence: string, description: string) => void;

function walk(plan: MessagePlan, value: Record<string, unknown>, prefix: string, report: Report): void {
  for (const f of plan.fields) {
    const v = value[f.prop];
    if (v === undefined || v === null) continue;
    const field = prefix === "" ? f.name : `${prefix}.${f.name}`;
    if (f.limit) checkField(f.limit, field, v, report);
    if (f.message) {
      if (Array.isArray(v)) v.forEach((item, i) => isObject(item) && walk(f.message!, item, `${field}.${i}`, report));
      else if (isObject(v)) walk(f.message, v, field, report);
    }
  }
}

function checkField(limit: FieldLimit, field: string, v: unknown, report: Report): void {
  const tooLong = (at: string, value: unknown, max: number, name = at, what?: string): void => {
    const n = lengthOver(value, max);
    if (n === undefined) return;
    report(at, `${name} is ${n} characters long; the limit is ${max}${what ? ` for ${what}` : ""}.`, `must be at most ${max} characters`);
  };
  switch (limit.kind) {
    case "string":
      tooLong(field, v, limit.maxChars, field, limit.what);
      return;
    case "list": {
      if (!Array.isArray(v)) return;
      if (v.length > limit.maxItems) {
        report(field, `${field} has ${v.length} items; the limit is ${limit.maxItems}.`, `must have at most ${limit.maxItems} items`);
        return;
      }
      const max = limit.maxChars;
      if (max !== undefined) v.forEach((item, i) => tooLong(`${field}.${i}`, item, max));
      return;
    }
    case "map": {
      if (!isObject(v)) return;
      const keys = Object.keys(v);
      if (keys.length > limit.maxEntries) {
        report(
          field,
          `${field} has ${keys.length} entries; the limit is ${limit.maxEntries}.`,
          `must have at most ${limit.maxEntries} entries`,
        );
        return;
      }
      for (const key of keys) {
        const at = `${field}.${key}`;
        const k = lengthOver(key, limit.maxKeyChars);
        if (k !== undefined) {
          report(
            at,
            `A key of ${field} is ${k} characters long; the limit is ${limit.maxKeyChars}.`,
            `key must be at most ${limit.maxKeyChars} characters`,
          );
        }
        tooLong(at, v[key], limit.maxValueChars, clipText(at, 120));
      }
      return;
    }
  }
}

/**
 * Code points of a string (bytes of a Uint8Array), counted only when its UTF-16 length is over `max`:
 * a string within the limit in code units is within it in code points.
 */
function lengthOver(v: unknown, max: number): number | undefined {
  if (v instanceof Uint8Array) return v.length > max ? v.length : undefined;
  if (typeof v !== "string" || v.length <= max) return undefined;
  let n = 0;
  for (let i = 0; i < v.length; i++, n++) {
    const c = v.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < v.length) {
      const next = v.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return n > max ? n : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

let contractLimits: RequestLimits | undefined;

/** The limits of this server's contract (built on first use from the descriptor set). */
export function requestLimits(): RequestLimits {
  contractLimits ??= new RequestLimits(Buffer.from(descriptorSetBase64, "base64"));
  return contractLimits;
}
