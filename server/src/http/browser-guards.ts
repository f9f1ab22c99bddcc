import { PermissionDeniedError } from "../domain/errors.js";
import type { Middleware } from "../middleware/call-context.js";
import type { AllowedHosts } from "./allowed-hosts.js";
import { httpRequestOf, isApiPath, isMutating, pathOf } from "./http-call.js";
import { HttpError } from "./http-errors.js";

export interface BrowserGuardOptions {
  hosts: AllowedHosts;
  /** Whether a call's method ("POST /api/runs/:id/resume") is a route of the API (others answer 404/405 as before). */
  isRoute(method: string): boolean;
}

/**
 * What keeps other sites from driving the HTTP API through a signed-in browser, as links of the one
 * chain (before authentication, so a refused request never gets as far as its cookie). gRPC calls
 * pass untouched. In order:
 * 1. every path, the web UI's files too: only the Host names the server is configured for (DNS rebinding);
 * 2. /api: only requests from the server's own origin. Browsers say where a request comes from
 *    (Sec-Fetch-Site, Origin); a page of another site, or of another port on the same host (which
 *    SameSite cookies do not tell apart), is refused with PERMISSION_DENIED. Clients that send
 *    neither (curl, scripts) are not browsers and pass;
 * 3. /api routes that change something: a JSON body, sent as application/json (415 otherwise). No
 *    page of another origin can send that without a CORS preflight, which this server never grants.
 * The session's CSRF token, the last line, is checked where the cookie is read (session-cookie.ts).
 */
export function browserGuards(opts: BrowserGuardOptions): Middleware[] {
  const hostGuard: Middleware = async (ctx, next) => {
    const req = httpRequestOf(ctx);
    if (req && !opts.hosts.allows(req.headers.host)) {
      throw new PermissionDeniedError(
        `This server does not answer to the host name ${JSON.stringify(req.headers.host ?? "")} (a guard against DNS rebinding); ` +
          "add it to FLOWGATE_HTTP_ALLOWED_HOSTS if this is how the server is meant to be reached.",
      );
    }
    return next();
  };
  const originGuard: Middleware = async (ctx, next) => {
    const req = httpRequestOf(ctx);
    if (req && isApiPath(pathOf(req))) {
      const site = ctx.headers.get("sec-fetch-site");
      if (site !== undefined && site !== "same-origin" && site !== "none") {
        throw new PermissionDeniedError(`The HTTP API answers pages of its own origin only; this request came from a ${site} page.`);
      }
      const origin = ctx.headers.get("origin");
      if (origin !== undefined && hostOf(origin) !== req.headers.host?.toLowerCase()) {
        throw new PermissionDeniedError(`The HTTP API answers pages of its own origin only; this request came from ${origin}.`);
      }
    }
    return next();
  };
  const jsonGuard: Middleware = async (ctx, next) => {
    const req = httpRequestOf(ctx);
    if (req && isMutating(req.method) && opts.isRoute(ctx.method) && !isJson(req.headers["content-type"])) {
      throw new HttpError(
        "INVALID_ARGUMENT",
        `${req.method ?? "?"} needs a JSON body sent with content-type: application/json ({} when there is nothing to say).`,
        {},
        415,
      );
    }
    return next();
  };
  return [hostGuard, originGuard, jsonGuard];
}

/** "http://localhost:4200" → "localhost:4200"; "null" or garbage → undefined (never equal to a Host). */
function hostOf(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === "http:" || url.protocol === "https:" ? url.host : undefined;
  } catch {
    return undefined;
  }
}

function isJson(contentType: string | undefined): boolean {
  return contentType?.split(";")[0]?.trim().toLowerCase() === "application/json";
}
