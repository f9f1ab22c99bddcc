import type { IncomingMessage } from "node:http";
import type { CallContext } from "../middleware/call-context.js";

/**
 * The HTTP request behind a call, for the HTTP-only links of the chain (host, origin and body checks,
 * the session cookie). Kept beside the context rather than in it: gRPC calls have none.
 */
const requests = new WeakMap<CallContext, IncomingMessage>();

export function bindRequest(ctx: CallContext, req: IncomingMessage): void {
  requests.set(ctx, req);
}

export function httpRequestOf(ctx: CallContext): IncomingMessage | undefined {
  return requests.get(ctx);
}

/** The request's path (no query), "" when there is none. */
export function pathOf(req: IncomingMessage): string {
  return requestTarget(req.url)?.pathname ?? "";
}

/**
 * The request target as a URL of this server: always read as a path ("//api/runs" is the path
 * "//api/runs", not host "api"); undefined when even that does not parse.
 */
export function requestTarget(raw: string | undefined): URL | undefined {
  const path = raw?.startsWith("/") ? raw : `/${raw ?? ""}`;
  try {
    return new URL(`http://flowgate.invalid${path}`);
  } catch {
    return undefined;
  }
}

export function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/");
}

/** Methods that change something: they need a JSON body and, with a session cookie, its CSRF token. */
export function isMutating(method: string | undefined): boolean {
  return method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
}
