import type { AuditReader } from "../app/audit-trail.js";
import type { FlowRunInputService } from "../app/flow-run-input-service.js";
import type { DecisionCredential, RunService } from "../app/run-service.js";
import type { LinkViewJson, RunCountsJson, RunJson } from "./api-types.js";
import type { FlowRun } from "../domain/flow-run.js";
import type { RunStreams } from "../app/run-streams.js";
import { InvalidArgumentError, type FieldViolation } from "../domain/errors.js";
import type { JsonObject } from "../domain/flow-run.js";
import type { RunFilter } from "../app/ports.js";
import type { SessionService } from "../app/sessions.js";
import { allows, type Principal } from "../domain/access.js";
import { HTTP_REQUIREMENTS } from "../middleware/requirements.js";
import { actorOf } from "../domain/audit.js";
import { readJsonBody } from "./request-body.js";
import { Router, type RouteContext } from "./router.js";
import type { SessionCookie } from "./session-cookie.js";
import { addSessionRoutes } from "./session-routes.js";
import { addLogRoutes } from "./log-routes.js";
import type { RunLogService } from "../app/log-service.js";
import type { DeploymentService } from "../app/deployment-service.js";
import type { RunOverview } from "../app/run-overview.js";
import { addCatalogRoutes } from "./catalog-routes.js";
import { SseStream } from "./sse.js";
import { EventFrames } from "./event-frames.js";
import {
  auditEventToJson,
  inputToJson,
  integerFromQuery,
  isJsonObject,
  runToJson,
  stateToJson,
  stateTypesFromQuery,
  timeFromQuery,
  type ActionScopes,
} from "./json.js";

export interface ApiDeps {
  runs: RunService;
  streams: RunStreams;
  inputs: FlowRunInputService;
  /** The same reader AuditService.ListAuditEvents uses. */
  audit: AuditReader;
  maxBodyBytes: number;
  /** The web UI's sign-in; sessions undefined when authentication is disabled. */
  sessions: SessionService | undefined;
  sessionCookie: SessionCookie;
  /** Whether the store answers; `/api/health` reports 503 while it does not. */
  storeUp: () => boolean;
  /** Run logs (log-routes.ts). */
  logs: RunLogService;
  /** Counts by state and task runs (catalog-routes.ts). */
  overview: RunOverview;
  deployments: DeploymentService;
}

/**
 * The browser's endpoints. Each one decodes, calls the same application service as the gRPC
 * handler, and encodes: every rule (ids, schemas, state machine, limits) stays in the services.
 */
export function apiRouter(d: ApiDeps): Router {
  // The event streams' frames, encoded once per event and view and shared by the streams sending them.
  const frames = new EventFrames();
  const router = new Router()
    .add("GET", "/api/health", ({ res }) => {
      if (d.storeUp()) return Promise.resolve({ json: { status: "ok" } });
      // Written here rather than thrown: a load balancer reads the status, an operator the body.
      const text = JSON.stringify({ status: "unavailable", reason: "STORE_UNAVAILABLE" });
      res.writeHead(503, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(text),
        "cache-control": "no-store",
        "retry-after": "1",
      });
      res.end(text);
      return Promise.resolve("streamed" as const);
    })
    .add("GET", "/api/runs", async ({ url, call }) => {
      const q = url.searchParams;
      const awaiting = q.get("awaiting");
      if (awaiting !== null && awaiting !== "me") {
        throw new InvalidArgumentError('awaiting must be "me".', [{ field: "awaiting", description: 'must be "me"' }]);
      }
      const pageSize = integerFromQuery(q.get("pageSize"), "pageSize");
      const pageToken = q.get("pageToken") ?? "";
      const actor = actorOf(call);
      const { runs, nextPageToken } =
        awaiting === "me"
          ? await d.runs.awaiting(actor, filterFromQuery(q), pageSize, pageToken)
          : await d.runs.list(filterFromQuery(q), pageSize, pageToken);
      const allowed = allowedActions(call.principal);
      return { json: { runs: runs.map((r) => runToJson(r, allowed, d.runs.myDecision(actor, r))), nextPageToken } };
    })
    // Before /api/runs/:id, which would take "counts" for an id.
    .add("GET", "/api/runs/counts", async ({ url }) => {
      const { stateTypes: _state, ...filter } = filterFromQuery(url.searchParams);
      const json: RunCountsJson = await d.overview.countByState(filter);
      return { json };
    })
    .add("GET", "/api/runs/:id", async ({ params, call }) => {
      const { run, history } = await d.overview.withHistory(params["id"]!);
      const json: RunJson = {
        ...runToJson(run, allowedActions(call.principal), d.runs.myDecision(actorOf(call), run)),
        stateHistory: history.map(stateToJson),
      };
      return { json };
    })
    .add("GET", "/api/runs/:id/inputs", async ({ params, url }) => {
      const q = url.searchParams;
      const inputs = await d.inputs.filter(params["id"]!, q.get("prefix") ?? "", integerFromQuery(q.get("limit"), "limit"), []);
      return { json: { inputs: inputs.map(inputToJson) } };
    })
    .add("GET", "/api/runs/:id/audit", async ({ params, url }) => {
      const q = url.searchParams;
      // The run first: an unknown run is a 404 like on every other run route, not an empty trail.
      const run = await d.runs.get(params["id"]!);
      const { events, nextPageToken } = await d.audit.list({
        flowRunId: run.id,
        pageSize: integerFromQuery(q.get("pageSize"), "pageSize"),
        pageToken: q.get("pageToken") ?? "",
        newestFirst: true,
      });
      return { json: { entries: events.map(auditEventToJson), nextPageToken } };
    })
    .add("POST", "/api/runs/:id/resume", async (ctx) => {
      const input = inputOf(await bodyObject(ctx, d.maxBodyBytes, ["input"]));
      const { run, resumed } = await d.runs.resume(credentialOf(ctx), ctx.params["id"]!, input ?? undefined, requestId(ctx));
      return { json: { ...runJsonFor(d.runs, ctx, run), resumed } };
    })
    .add("POST", "/api/runs/:id/reject", async (ctx) => {
      const reason = reasonOf(await bodyObject(ctx, d.maxBodyBytes, ["reason"]));
      const run = await d.runs.reject(credentialOf(ctx), ctx.params["id"]!, reason, requestId(ctx));
      return { json: runJsonFor(d.runs, ctx, run) };
    })
    // A resume link's page: the token in the path is the credential (no key, no session), so these
    // are public routes; the services refuse an unknown, revoked, used or stale token.
    .add("GET", "/api/links/:token", async ({ params }) => {
      const { run, link } = await d.runs.linkView(params["token"]!);
      const json: LinkViewJson = { run: runToJson(run, NO_ACTIONS), link: { id: link.id, approver: link.approver ?? null } };
      json.run.actions = { ...json.run.actions, resume: true, reject: true };
      return { json };
    })
    .add("POST", "/api/links/:token/resume", async (ctx) => {
      const input = inputOf(await bodyObject(ctx, d.maxBodyBytes, ["input"]));
      const link = await d.runs.linkView(ctx.params["token"]!);
      const { run, resumed } = await d.runs.resume(linkCredential(ctx), link.run.id, input, requestId(ctx));
      return { json: { ...runToJson(run, NO_ACTIONS), resumed } };
    })
    .add("POST", "/api/links/:token/reject", async (ctx) => {
      const reason = reasonOf(await bodyObject(ctx, d.maxBodyBytes, ["reason"]));
      const link = await d.runs.linkView(ctx.params["token"]!);
      const run = await d.runs.reject(linkCredential(ctx), link.run.id, reason, requestId(ctx));
      return { json: runToJson(run, NO_ACTIONS) };
    })
    .add("POST", "/api/runs/:id/suspend", async (ctx) => {
      const body = await bodyObject(ctx, d.maxBodyBytes, ["timeoutSeconds"]);
      const timeout = body["timeoutSeconds"];
      if (timeout !== undefined && timeout !== null && typeof timeout !== "number") {
        throw new InvalidArgumentError("timeoutSeconds must be a number of seconds, or null for no timeout.", [
          { field: "timeoutSeconds", description: "must be a number or null" },
        ]);
      }
      const { run } = await d.runs.pause(actorOf(ctx.call), ctx.params["id"]!, {
        reschedule: true,
        // null is an explicit "never expires"; absent leaves the server's default timeout.
        ...(timeout === null ? { noTimeout: true } : timeout !== undefined ? { timeoutSeconds: timeout } : {}),
        requestId: requestId(ctx),
      });
      return { json: runToJson(run, allowedActions(ctx.call.principal)) };
    })
    .add("POST", "/api/runs/:id/cancel", async (ctx) => {
      await bodyObject(ctx, d.maxBodyBytes, []);
      return {
        json: runToJson(await d.runs.cancel(actorOf(ctx.call), ctx.params["id"]!, requestId(ctx)), allowedActions(ctx.call.principal)),
      };
    })
    .add("GET", "/api/runs/:id/events", async ({ params, res, signal, call }) => {
      const allowed = allowedActions(call.principal);
      // Not opened up front: an unknown or malformed id is then still answered by the error boundary
      // with a JSON 404 or 400 (the first event, the current state, follows the read at once).
      const sse = new SseStream(res);
      try {
        const actor = actorOf(call);
        await d.streams.watchRun(params["id"]!, signal, (e) => sse.sendFrame(frames.frame(e, allowed, d.runs.myDecision(actor, e.run))));
      } finally {
        if (sse.isOpen) sse.end();
      }
      return "streamed";
    })
    .add("GET", "/api/events", async ({ url, res, signal, call }) => {
      const filter = filterFromQuery(url.searchParams);
      const allowed = allowedActions(call.principal);
      const sse = new SseStream(res);
      // Opened at once: with no matching runs the first event may be a long way off.
      sse.open();
      try {
        const actor = actorOf(call);
        await d.streams.watchRuns(filter, signal, (e) => sse.sendFrame(frames.frame(e, allowed, d.runs.myDecision(actor, e.run))));
      } finally {
        sse.end();
      }
      return "streamed";
    });
  addLogRoutes(router, { logs: d.logs });
  addCatalogRoutes(router, {
    overview: d.overview,
    deployments: d.deployments,
    readBody: (ctx, known) => bodyObject(ctx, d.maxBodyBytes, known),
    runJson: (ctx, run) => runJsonFor(d.runs, ctx, run),
  });
  return addSessionRoutes(router, {
    sessions: d.sessions,
    cookie: d.sessionCookie,
    readBody: (ctx) => bodyObject(ctx, d.maxBodyBytes, []),
  });
}

/**
 * The run actions the caller's scopes allow, by the same rows of the requirements table that the
 * authentication middleware enforces: a run's JSON offers nothing the server would refuse this caller.
 */
function allowedActions(principal: Principal | undefined): ActionScopes {
  const may = (route: string): boolean => allows(HTTP_REQUIREMENTS[route] ?? "admin", principal) === "ok";
  return { resume: may("POST /api/runs/:id/resume"), suspend: may("POST /api/runs/:id/suspend"), cancel: may("POST /api/runs/:id/cancel") };
}

/** A name search longer than this is refused: the store matches it against every run's name. */
const MAX_SEARCH_LENGTH = 100;

/** state, flow, deployment, search (in the name, any case), createdAfter and createdBefore (ISO times). */
function filterFromQuery(q: URLSearchParams): RunFilter {
  const flow = q.get("flow");
  const deployment = q.get("deployment");
  const search = q.get("search")?.trim();
  if (search && search.length > MAX_SEARCH_LENGTH) {
    throw new InvalidArgumentError(`search must be at most ${MAX_SEARCH_LENGTH} characters.`, [
      { field: "search", description: `must be at most ${MAX_SEARCH_LENGTH} characters` },
    ]);
  }
  const createdAfter = timeFromQuery(q.get("createdAfter"), "createdAfter");
  const createdBefore = timeFromQuery(q.get("createdBefore"), "createdBefore");
  return {
    stateTypes: stateTypesFromQuery(q.get("state"), "state"),
    ...(flow ? { flowName: flow } : {}),
    ...(deployment ? { deploymentId: deployment } : {}),
    ...(search ? { nameContains: search } : {}),
    ...(createdAfter ? { createdAfter } : {}),
    ...(createdBefore ? { createdBefore } : {}),
  };
}

const NO_ACTIONS: ActionScopes = { resume: false, suspend: false, cancel: false };

function runJsonFor(runs: RunService, ctx: RouteContext, run: FlowRun): RunJson {
  const actor = actorOf(ctx.call);
  return runToJson(run, allowedActions(ctx.call.principal), runs.myDecision(actor, run));
}

/** The caller's key or session; the middleware refused the call if it had neither. */
function credentialOf(ctx: RouteContext): DecisionCredential {
  return { actor: actorOf(ctx.call), authenticated: true };
}

function linkCredential(ctx: RouteContext): DecisionCredential {
  return { actor: actorOf(ctx.call), authenticated: false, resumeToken: ctx.params["token"]! };
}

function inputOf(body: JsonObject): JsonObject | undefined {
  const input = body["input"];
  if (input !== undefined && input !== null && !isJsonObject(input)) {
    throw new InvalidArgumentError(
      `input must be a JSON object (got ${describeJson(input)}); wrap a single value in a field.`,
      [{ field: "input", description: "must be a JSON object" }],
      "INVALID_RUN_INPUT",
    );
  }
  return input ?? undefined;
}

function reasonOf(body: JsonObject): string {
  const reason = body["reason"] ?? "";
  if (typeof reason !== "string") {
    throw new InvalidArgumentError("reason must be a string.", [{ field: "reason", description: "must be a string" }]);
  }
  return reason;
}

/** The Idempotency-Key header is the request id the services already deduplicate on. */
function requestId(ctx: RouteContext): string {
  const header = ctx.req.headers["idempotency-key"];
  return typeof header === "string" ? header : "";
}

/** The body as an object with only `known` fields; empty is {}. Unknown fields are refused so typos do not pass silently. */
async function bodyObject(ctx: RouteContext, limit: number, known: readonly string[]): Promise<JsonObject> {
  const body = await readJsonBody(ctx.req, limit);
  if (body === undefined) return {};
  if (!isJsonObject(body)) {
    throw new InvalidArgumentError(`The request body must be a JSON object (got ${describeJson(body)}).`, [
      { field: "", description: "must be a JSON object" },
    ]);
  }
  const unknown: FieldViolation[] = Object.keys(body)
    .filter((k) => !known.includes(k))
    .map((field) => ({ field, description: known.length > 0 ? `is not a known field (use ${known.join(", ")})` : "is not a known field" }));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(`Unknown field${unknown.length > 1 ? "s" : ""}: ${unknown.map((u) => u.field).join(", ")}.`, unknown);
  }
  return body;
}

function describeJson(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  return `a ${typeof value}`;
}
