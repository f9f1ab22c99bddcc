/** The server's HTTP API, typed by the server's own wire types. */
import type { ErrorJson, FieldErrorJson, JsonObjectJson, RunJson, StateTypeName } from "../../server/src/http/api-types.ts";

export type {
  FieldErrorJson,
  JsonObjectJson,
  PauseJson,
  RunJson,
  StateJson,
  StateTypeName,
  WatchEventJson,
} from "../../server/src/http/api-types.ts";

// The domain's own list (a module with no imports and no Node), so the UI cannot drift from it.
export { STATE_TYPES } from "../../server/src/domain/states.ts";

/** A refusal from the server: its message, HTTP status and, for invalid input, the failing fields. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fieldErrors: readonly FieldErrorJson[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

async function request<T>(method: "GET" | "POST", path: string, body?: JsonObjectJson, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError("The Flowgate server cannot be reached; check that it is running, then try again.", 0);
  }
  const text = await res.text();
  if (!res.ok) {
    // A proxy in between may answer with HTML or plain text: then the status is all there is to say.
    const e = (parseJson(text) ?? {}) as Partial<ErrorJson>;
    throw new ApiError(e.error ?? `The server answered ${res.status} ${res.statusText}.`, res.status, e.fieldErrors ?? []);
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

export function resumeRun(id: string, input?: JsonObjectJson): Promise<RunJson> {
  return request("POST", `/api/runs/${encodeURIComponent(id)}/resume`, input === undefined ? {} : { input });
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

export function allEventsUrl(states: readonly StateTypeName[]): string {
  return states.length > 0 ? `/api/events?state=${states.join(",")}` : "/api/events";
}

export function getRun(id: string, signal?: AbortSignal): Promise<RunJson> {
  return request("GET", `/api/runs/${encodeURIComponent(id)}`, undefined, signal);
}
