/**
 * Who did what: the actor of a mutating call, the audit entry it leaves, and the hash chain that
 * makes an edited or deleted entry detectable. Pure: no I/O; hashing is a function of the entry.
 */
import { createHash } from "node:crypto";
import { hasScope, type Principal } from "./access.js";
import type { FlowRun, JsonObject } from "./flow-run.js";
import type { StateType } from "./states.js";

/**
 * Through what a call came. "grpc" and "http-api" are the transports when the client did not say
 * more; the others come from the client's `x-flowgate-client` header or its user agent
 * ("flowgate-cli/1.2"). The channel is what the client says it is (informational); the principal is
 * the part that was proven. "server" marks changes the server made itself (an expired pause).
 */
export const CHANNELS = ["grpc", "http-api", "web-ui", "cli", "sdk", "python", "go", "server", "link"] as const;
export type Channel = (typeof CHANNELS)[number];

/** Header a client names itself with: `x-flowgate-client: cli|sdk|python|go` (gRPC), `web-ui` (HTTP). */
export const CLIENT_HEADER = "x-flowgate-client";

/** Who makes a mutating call, through what, and which call it is: handed by the transport to the services. */
export interface Actor {
  /** The principal's name (the API key's name; "anonymous" with authentication disabled). */
  principal: string;
  /** The key the call carried; absent with authentication disabled and for the server itself. */
  keyId?: string;
  channel: Channel;
  /** "flowgate.v1.RunService/ResumeFlowRun" on gRPC, "POST /api/runs/:id/resume" on HTTP. */
  call: string;
  /** The call's x-request-id, as in the access log, to find an entry's log lines. */
  callId?: string;
  /** Whether the principal holds the admin scope (it may change what others own). */
  admin: boolean;
  /** The principal's groups (approval policies may name them). */
  groups?: readonly string[];
  /** The call's signal: what the call waits for (its turn, another writer, a duplicate's outcome) stops when it aborts. */
  signal?: AbortSignal;
}

/** Who caused a state: kept with the state in the run, and in its state history. */
export interface StateCause {
  principal: string;
  channel: Channel;
}

/** The server itself, for changes no call made (a pause that expired). */
export const SERVER_ACTOR: Actor = { principal: "flowgate", channel: "server", call: "expiry", admin: true };

export function causeOf(actor: Actor): StateCause {
  return { principal: actor.principal, channel: actor.channel };
}

/** What a transport knows about a call (a CallContext has this shape); plain data, so this stays pure. */
export interface CallFacts {
  principal?: Principal | undefined;
  transport: "grpc" | "http";
  method: string;
  headers: ReadonlyMap<string, string>;
  requestId: string;
  /** Fires when the caller goes away or the server shuts down. */
  signal?: AbortSignal;
}

/** The actor of a call, from its authenticated principal and what the client says it is. */
export function actorOf(call: CallFacts): Actor {
  const principal = call.principal ?? { name: "anonymous", groups: [], scopes: [] };
  return {
    principal: principal.name,
    ...(principal.keyId ? { keyId: principal.keyId } : {}),
    channel: channelOf(call.transport, call.headers),
    call: call.method,
    callId: call.requestId,
    admin: hasScope(principal, "admin"),
    groups: principal.groups,
    ...(call.signal ? { signal: call.signal } : {}),
  };
}

/** The web UI sends its session's CSRF token in this header with every change; nothing else has one. */
const WEB_UI_CSRF_HEADER = "x-flowgate-csrf";
const GRPC_CLIENTS: ReadonlySet<Channel> = new Set(["cli", "sdk", "python", "go"]);
const USER_AGENT_CLIENT = /(?:^|\s)flowgate-(cli|sdk|python|go|web-ui)\//i;

/**
 * The channel of a call: the client's own name (header first, then user agent) when it fits the
 * transport, else the transport. On HTTP a call carrying the web UI's session cookie and no bearer
 * key comes from the web UI: sessions are only ever handed to it.
 */
export function channelOf(transport: "grpc" | "http", headers: ReadonlyMap<string, string>): Channel {
  const named = (headers.get(CLIENT_HEADER) ?? USER_AGENT_CLIENT.exec(headers.get("user-agent") ?? "")?.[1] ?? "").trim().toLowerCase();
  if (transport === "grpc") return GRPC_CLIENTS.has(named as Channel) ? (named as Channel) : "grpc";
  if (named === "web-ui" || headers.has(WEB_UI_CSRF_HEADER)) return "web-ui";
  if (!headers.has("authorization") && headers.has("cookie")) return "web-ui";
  return "http-api";
}

/** A state as an audit entry names it. */
export interface AuditState {
  id: string;
  type: StateType;
  name: string;
}

/** What a call did, as the service that did it describes it. */
export interface AuditFacts {
  flowRunId?: string;
  pauseKey?: string;
  stateBefore?: AuditState;
  stateAfter?: AuditState;
  /** A resume's submitted input, when its JSON is at most INPUT_INLINE_BYTES. */
  input?: JsonObject;
  /** Otherwise its SHA-256 (hex, of its canonical JSON). */
  inputSha256?: string;
  /** What else the call was about: "deployment:<id>", "task-run:<id>", "input:<key>", "key:<id>". */
  subject?: string;
  /** The client's request id (idempotency key), if it sent one. */
  requestId?: string;
}

/** One entry of the audit trail, as stored: numbered densely from 1, each holding the hash of the one before. */
export interface AuditEvent extends AuditFacts {
  seq: number;
  id: string;
  at: Date;
  principal: string;
  keyId?: string;
  channel: Channel;
  call: string;
  callId?: string;
  /** `hash` of entry seq - 1; GENESIS_HASH for the first entry. */
  prevHash: string;
  /** SHA-256 (hex) of the entry's canonical JSON without `hash`. */
  hash: string;
}

export const GENESIS_HASH = "0".repeat(64);

/** Resume inputs up to this size (bytes of JSON) are kept in the entry; larger ones only by hash. */
export const INPUT_INLINE_BYTES = 4096;

/** A submitted input as an entry keeps it: inline when small, else its SHA-256. */
export function auditedInput(input: JsonObject | undefined): Pick<AuditFacts, "input" | "inputSha256"> {
  if (input === undefined) return {};
  const text = canonicalJson(input);
  if (Buffer.byteLength(text, "utf8") <= INPUT_INLINE_BYTES) return { input };
  return { inputSha256: createHash("sha256").update(text, "utf8").digest("hex") };
}

/** The entry with number `seq` after an entry whose hash is `prevHash`, sealed with its own hash. */
export function sealAuditEvent(actor: Actor, facts: AuditFacts, at: Date, id: string, seq: number, prevHash: string): AuditEvent {
  const unsealed: Omit<AuditEvent, "hash"> = {
    seq,
    id,
    at,
    principal: actor.principal,
    ...(actor.keyId ? { keyId: actor.keyId } : {}),
    channel: actor.channel,
    call: actor.call,
    ...(actor.callId ? { callId: actor.callId } : {}),
    ...withoutUndefined(facts),
    prevHash,
  };
  return { ...unsealed, hash: auditHash(unsealed) };
}

/** SHA-256 (hex) of an entry's canonical JSON, its own `hash` left out. */
export function auditHash(entry: Omit<AuditEvent, "hash"> & { hash?: string }): string {
  const { hash: _hash, ...rest } = entry;
  return createHash("sha256").update(canonicalJson(rest), "utf8").digest("hex");
}

/** Why the chain breaks at an entry. */
export type ChainProblem =
  | "hash" // the entry's content does not match its hash: it was edited
  | "link" // its prevHash is not the hash of the entry before: an entry before it was edited, removed or replaced
  | "gap"; // numbers are missing before it: entries were deleted

export interface ChainBreak {
  seq: number;
  id: string;
  problem: ChainProblem;
}

/**
 * Checks entries in order, page by page: `check` takes the next entries (ascending seq) and returns
 * the first break, if any. An edited entry fails on its own hash; a deleted one leaves a gap or a
 * link that does not match. (A deleted tail, or a chain rewritten from some entry on with fresh
 * hashes, is beyond what a chain can show by itself.)
 */
export class ChainVerifier {
  private lastSeq = 0;
  private lastHash = GENESIS_HASH;
  checked = 0;

  check(entries: readonly AuditEvent[]): ChainBreak | undefined {
    for (const e of entries) {
      if (e.seq !== this.lastSeq + 1) return { seq: e.seq, id: e.id, problem: "gap" };
      if (auditHash(e) !== e.hash) return { seq: e.seq, id: e.id, problem: "hash" };
      if (e.prevHash !== this.lastHash) return { seq: e.seq, id: e.id, problem: "link" };
      this.lastSeq = e.seq;
      this.lastHash = e.hash;
      this.checked++;
    }
    return undefined;
  }

  get lastSequence(): number {
    return this.lastSeq;
  }
}

/**
 * JSON with object keys sorted at every level and dates as ISO strings, so the same entry hashes the
 * same whichever process wrote or read it. Undefined fields are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    // fromEntries defines own properties, so a "__proto__" key in user JSON stays a key.
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A state as audit entries name it. */
export function auditState(state: { id: string; type: StateType; name: string } | undefined): AuditState | undefined {
  return state ? { id: state.id, type: state.type, name: state.name } : undefined;
}

/** The audit facts of a change of a run from `before` to `after`: the pause it concerns, and both states. */
export function stateChangeFacts(before: FlowRun | undefined, after: FlowRun | undefined): AuditFacts {
  const pauseKey = after?.state?.details.pauseKey ?? before?.state?.details.pauseKey;
  const stateBefore = auditState(before?.state);
  const stateAfter = auditState(after?.state);
  return {
    ...(pauseKey ? { pauseKey } : {}),
    ...(stateBefore ? { stateBefore } : {}),
    ...(stateAfter ? { stateAfter } : {}),
  };
}
