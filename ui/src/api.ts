/** The server's HTTP API, typed by the server's own wire types. */
import type {
  AuditPageJson,
  DeploymentJson,
  DeploymentPageJson,
  ErrorJson,
  FieldErrorJson,
  JsonObjectJson,
  InputJson,
  LinkViewJson,
  RunCountsJson,
  RunJson,
  SessionJson,
  StateTypeName,
  TaskRunPageJson,
} from "../../server/src/http/api-types.ts";

export type {
  DeploymentJson,
  DeploymentPageJson,
  InputJson,
  RunCountsJson,
  TaskRunJson,
  TaskRunPageJson,
  ApprovalJson,
  ApprovalPolicyJson,
  AuditEntryJson,
  AuditPageJson,
  FieldErrorJson,
  JsonObjectJson,
  LinkViewJson,
  MyDecisionJson,
  PauseJson,
  RunJson,
  SessionJson,
  StateCauseJson,
  StateJson,
  StateTypeName,
  WatchEventJson,
} from "../../server/src/http/api-types.ts";

/** GET /api/runs: one page of runs. */
export interface RunPageJson {
  runs: RunJson[];
  nextPageToken: string;
}

// The domain's own list (a module with no imports and no Node), so the UI cannot drift from it.
export { STATE_TYPES, isFinal as isFinalState } from "../../server/src/domain/states.ts";

/** A refusal from the server: its message, HTTP status, reason and, for invalid input, the failing fields. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fieldErrors: readonly FieldErrorJson[] = [],
    readonly reason = "",
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Fired on window when the server says the session is gone (401): the app then asks to sign in. */
export const SIGNED_OUT_EVENT = "flowgate:signed-out";

/**
 * The session's CSRF token (from GET /api/session or signing in), sent with every request that
 * changes something: the server refuses such a request carrying the session cookie without it.
 */
let csrfToken: string | null = null;

interface RequestOptions {
  signal?: AbortSignal | undefined;
  headers?: Record<string, string>;
  /**
   * The call carries its own credential (a key being signed in with, a resume link's token): a 401
   * refuses that credential, it does not mean the session is gone.
   */
  ownCredential?: boolean;
}

async function request<T>(method: "GET" | "POST", path: string, body?: JsonObjectJson, opts: RequestOptions = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json", "idempotency-key": crypto.randomUUID() }),
        ...(method !== "GET" && csrfToken ? { "x-flowgate-csrf": csrfToken } : {}),
        ...opts.headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    throw new ApiError("The Flowgate server cannot be reached; check that it is running, then try again.", 0);
  }
  const text = await res.text();
  if (!res.ok) {
    // A proxy in between may answer with HTML or plain text: then the status is all there is to say.
    const e = (parseJson(text) ?? {}) as Partial<ErrorJson>;
    if (res.status === 401 && !opts.ownCredential) {
      csrfToken = null;
      window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    }
    throw new ApiError(e.error ?? `The server answered ${res.status} ${res.statusText}.`, res.status, e.fieldErrors ?? [], e.reason ?? "");
  }
  return JSON.parse(text) as T;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Resumes, or with an approval policy records this principal's approval (`resumed` false until the quorum is met). */
export function resumeRun(id: string, input?: JsonObjectJson): Promise<RunJson> {
  return request("POST", `/api/runs/${encodeURIComponent(id)}/resume`, input === undefined ? {} : { input });
}

/** Ends the pause with a no, whatever the approvals so far. */
export function rejectRun(id: string, reason: string): Promise<RunJson> {
  return request("POST", `/api/runs/${encodeURIComponent(id)}/reject`, { reason });
}

/** The paused runs the signed-in principal may decide now and has not approved yet (the server's filter). */
export function listAwaitingMe(signal?: AbortSignal): Promise<RunPageJson> {
  return request("GET", "/api/runs?awaiting=me&pageSize=500", undefined, { signal });
}

// A resume link's calls: the token in the path is the credential, so no session is needed and a
// refusal (401 RESUME_LINK_INVALID) says nothing about one.
function linkPath(token: string, action = ""): string {
  return `/api/links/${encodeURIComponent(token)}${action}`;
}

/** The run and pause a resume link is for, and whom it acts for. */
export function getLink(token: string, signal?: AbortSignal): Promise<LinkViewJson> {
  return request("GET", linkPath(token), undefined, { signal, ownCredential: true });
}

export function resumeWithLink(token: string, input?: JsonObjectJson): Promise<RunJson> {
  return request("POST", linkPath(token, "/resume"), input === undefined ? {} : { input }, { ownCredential: true });
}

export function rejectWithLink(token: string, reason: string): Promise<RunJson> {
  return request("POST", linkPath(token, "/reject"), { reason }, { ownCredential: true });
}

export function suspendRun(id: string): Promise<RunJson> {
  return request("POST", `/api/runs/${encodeURIComponent(id)}/suspend`, {});
}

export function cancelRun(id: string): Promise<RunJson> {
  return request("POST", `/api/runs/${encodeURIComponent(id)}/cancel`, {});
}

export function runEventsUrl(id: string): string {
  return `/api/runs/${encodeURIComponent(id)}/events`;
}

export function allEventsUrl(states: readonly StateTypeName[], filters: URLSearchParams = new URLSearchParams()): string {
  const q = new URLSearchParams(filters);
  if (states.length > 0) q.set("state", states.join(","));
  const text = q.toString();
  return text ? `/api/events?${text}` : "/api/events";
}

/** One page of runs, newest first; `filters` as GET /api/runs takes them (state, flow, deployment, search, createdAfter, createdBefore). */
export function listRuns(filters: URLSearchParams, pageSize: number, pageToken: string, signal?: AbortSignal): Promise<RunPageJson> {
  const q = new URLSearchParams(filters);
  q.set("pageSize", String(pageSize));
  if (pageToken) q.set("pageToken", pageToken);
  return request("GET", `/api/runs?${q.toString()}`, undefined, { signal });
}

/** The runs matching `filters` (a state filter aside) by state. */
export function getRunCounts(filters: URLSearchParams, signal?: AbortSignal): Promise<RunCountsJson> {
  const q = new URLSearchParams(filters);
  q.delete("state");
  return request("GET", `/api/runs/counts?${q.toString()}`, undefined, { signal });
}

/** A run's task runs, oldest first. */
export function listTaskRuns(id: string, pageToken: string, signal?: AbortSignal): Promise<TaskRunPageJson> {
  const q = new URLSearchParams({ pageSize: "200" });
  if (pageToken) q.set("pageToken", pageToken);
  return request("GET", `/api/runs/${encodeURIComponent(id)}/task-runs?${q.toString()}`, undefined, { signal });
}

// The log routes' shapes (server/src/http/log-routes.ts, which imports Node's types and so cannot be imported here).
/** One log line. */
export interface LogJson {
  sequence: number;
  /** "INFO": upper case here, though the routes' `level` parameter takes either. */
  level: Uppercase<LogLevelName>;
  message: string;
  /** When it was logged (the client's clock), ISO 8601. */
  timestamp: string;
  logger: string;
  /** Null for a line of the flow run itself. */
  taskRunId: string | null;
  createdAt: string;
}

/** GET /api/runs/:id/logs. */
export interface LogPageJson {
  logs: LogJson[];
  nextPageToken: string;
  /** How many of the run's oldest lines the server no longer keeps. */
  trimmedCount: number;
  /** The run's newest sequence number, to follow from. */
  lastSequence: number;
}

/** The data of a `logs` or `end` event of GET /api/runs/:id/logs/events. */
export interface LogEventJson {
  logs: LogJson[];
  lastSequence: number;
  skippedCount: number;
  runFinal: boolean;
}

/** Log levels, lowest first, as the log routes name them. */
export const LOG_LEVELS = ["debug", "info", "warning", "error", "critical"] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** One page of a run's log lines at `level` and above, newest first; `pageToken` continues an earlier page. */
export function listRunLogs(
  id: string,
  opts: { level: LogLevelName; pageSize: number; pageToken: string },
  signal?: AbortSignal,
): Promise<LogPageJson> {
  const q = new URLSearchParams({ order: "newest", level: opts.level, pageSize: String(opts.pageSize) });
  if (opts.pageToken) q.set("pageToken", opts.pageToken);
  return request("GET", `/api/runs/${encodeURIComponent(id)}/logs?${q.toString()}`, undefined, { signal });
}

/** The run's log lines at `level` and above stored after sequence `after`, as Server-Sent Events. */
export function runLogEventsUrl(id: string, level: LogLevelName, after: number): string {
  const q = new URLSearchParams({ level, after: String(after) });
  return `/api/runs/${encodeURIComponent(id)}/logs/events?${q.toString()}`;
}

/** A run's stored inputs whose keys start with `prefix`, oldest first. */
export async function listInputs(id: string, prefix: string, signal?: AbortSignal): Promise<InputJson[]> {
  const q = new URLSearchParams({ prefix, limit: "100" });
  const page = await request<{ inputs: InputJson[] }>("GET", `/api/runs/${encodeURIComponent(id)}/inputs?${q.toString()}`, undefined, {
    signal,
  });
  return page.inputs;
}

export function listDeployments(pageToken: string, signal?: AbortSignal): Promise<DeploymentPageJson> {
  const q = new URLSearchParams({ pageSize: "500" });
  if (pageToken) q.set("pageToken", pageToken);
  return request("GET", `/api/deployments?${q.toString()}`, undefined, { signal });
}

export function getDeployment(id: string, signal?: AbortSignal): Promise<DeploymentJson> {
  return request("GET", `/api/deployments/${encodeURIComponent(id)}`, undefined, { signal });
}

/** Starts a run of the deployment (SCHEDULED, for a runner to claim), `parameters` over the deployment's own. */
export function runDeployment(id: string, parameters: JsonObjectJson, name = ""): Promise<RunJson> {
  return request("POST", `/api/deployments/${encodeURIComponent(id)}/run`, { parameters, ...(name ? { name } : {}) });
}

export function getRun(id: string, signal?: AbortSignal): Promise<RunJson> {
  return request("GET", `/api/runs/${encodeURIComponent(id)}`, undefined, { signal });
}

/** The run's audit trail, newest entries first: who resumed, suspended, cancelled it, when, through what, with what. */
export function getRunAudit(id: string, pageSize: number, signal?: AbortSignal): Promise<AuditPageJson> {
  return request("GET", `/api/runs/${encodeURIComponent(id)}/audit?pageSize=${pageSize}`, undefined, { signal });
}

function remember(session: SessionJson): SessionJson {
  csrfToken = session.csrfToken;
  return session;
}

/**
 * Who is signed in. A 401 (nobody) fires SIGNED_OUT_EVENT like any other, unless `quiet`: the app's
 * first look, which handles the answer itself (and must not undo a sign-in that finished meanwhile).
 */
export async function getSession(opts: { signal?: AbortSignal; quiet?: boolean } = {}): Promise<SessionJson> {
  return remember(
    await request<SessionJson>("GET", "/api/session", undefined, { signal: opts.signal, ownCredential: opts.quiet === true }),
  );
}

/** Opens a session with an API key: the key goes to the server once, the browser keeps only the cookie. */
export async function signInWithKey(key: string): Promise<SessionJson> {
  return remember(
    await request<SessionJson>("POST", "/api/session", {}, { headers: { authorization: `Bearer ${key}` }, ownCredential: true }),
  );
}

/** Opens a session with a one-time sign-in link's token (it works once). */
export async function signInWithLink(token: string): Promise<SessionJson> {
  return remember(
    await request<SessionJson>("POST", "/api/session", {}, { headers: { "x-flowgate-sign-in-token": token }, ownCredential: true }),
  );
}

export async function signOut(): Promise<void> {
  await request("POST", "/api/session/sign-out", {});
  csrfToken = null;
}
