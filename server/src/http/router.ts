import type { IncomingMessage, ServerResponse } from "node:http";
import type { CallContext } from "../middleware/call-context.js";
import { HttpError } from "./http-errors.js";

export type Method = "GET" | "POST";

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  /** Aborts when the client goes away or the server stops. */
  signal: AbortSignal;
  /** The call as the middleware chain saw it (request id, principal). */
  call: CallContext;
}

/**
 * What a handler returns: a JSON body (sent with 200), or "streamed" when it wrote the response
 * itself (Server-Sent Events).
 */
export type RouteResult = { json: unknown } | "streamed";

export type RouteHandler = (ctx: RouteContext) => Promise<RouteResult>;

interface Route {
  method: Method;
  pattern: string;
  segments: string[];
  handler: RouteHandler;
}

export interface RouteMatch {
  pattern: string;
  handler: RouteHandler;
  params: Record<string, string>;
}

/** Exact segments and ":name" parameters; enough for a handful of endpoints without a framework. */
export class Router {
  private readonly routes: Route[] = [];

  /** Every route as "METHOD /pattern" (the access table is checked against these). */
  patterns(): string[] {
    return this.routes.map((r) => `${r.method} ${r.pattern}`);
  }

  add(method: Method, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, pattern, segments: pattern.split("/").filter(Boolean), handler });
    return this;
  }

  /** The route for `method path`; 404 when no pattern matches, 405 (with Allow) when only the method differs. */
  match(method: string, path: string): RouteMatch {
    const parts = path.split("/").filter(Boolean);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method) return { pattern: `${route.method} ${route.pattern}`, handler: route.handler, params };
      allowed.push(route.method);
    }
    if (allowed.length > 0)
      throw new HttpError("METHOD_NOT_ALLOWED", `${method} is not allowed here; use ${allowed.join(", ")}.`, { allow: allowed.join(", ") });
    throw new HttpError("ROUTE_NOT_FOUND", `No endpoint at ${path}.`);
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const part = parts[i]!;
    if (p.startsWith(":")) {
      try {
        params[p.slice(1)] = decodeURIComponent(part);
      } catch {
        return undefined;
      }
    } else if (p !== part) return undefined;
  }
  return params;
}
