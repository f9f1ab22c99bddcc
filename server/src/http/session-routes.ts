import type { SessionService } from "../app/sessions.js";
import type { Principal } from "../domain/access.js";
import type { SessionJson } from "./api-types.js";
import type { RouteContext, Router } from "./router.js";
import { sessionSecretOf, type SessionCookie } from "./session-cookie.js";

export interface SessionRouteDeps {
  /** Undefined when authentication is disabled: nobody signs in, everyone acts as "anonymous". */
  sessions: SessionService | undefined;
  cookie: SessionCookie;
  /** Reads the (JSON object) body, refusing unknown fields. */
  readBody(ctx: RouteContext): Promise<unknown>;
}

/**
 * The web UI's sign-in. A session is opened by POST /api/session with the credential the call
 * carries: an API key (`authorization: Bearer`, from the sign-in page) or a one-time sign-in link's
 * token (x-flowgate-sign-in-token). The answer sets the session cookie and gives the CSRF token;
 * GET /api/session says who is signed in; POST /api/session/sign-out ends the session everywhere.
 */
export function addSessionRoutes(router: Router, d: SessionRouteDeps): Router {
  return router
    .add("GET", "/api/session", ({ call }) => {
      const secret = sessionSecretOf(call);
      return Promise.resolve({ json: sessionJson(call.principal, d.sessions && secret ? d.sessions.csrfTokenFor(secret) : null, d) });
    })
    .add("POST", "/api/session", async (ctx) => {
      await d.readBody(ctx);
      const principal = ctx.call.principal;
      if (!d.sessions || !principal?.keyId) return { json: sessionJson(principal, null, d) };
      // Signing in again replaces the session the browser had: a new secret, the old one ended.
      const previous = sessionSecretOf(ctx.call);
      if (previous) await d.sessions.end(previous);
      const opened = await d.sessions.open(principal);
      ctx.res.setHeader("set-cookie", d.cookie.set(opened.secret));
      return { json: sessionJson(principal, opened.csrfToken, d) };
    })
    .add("POST", "/api/session/sign-out", async (ctx) => {
      await d.readBody(ctx);
      const secret = sessionSecretOf(ctx.call);
      if (secret) await d.sessions?.end(secret);
      ctx.res.setHeader("set-cookie", d.cookie.clear());
      return { json: { signedOut: secret !== undefined } };
    });
}

function sessionJson(principal: Principal | undefined, csrfToken: string | null, d: SessionRouteDeps): SessionJson {
  return {
    name: principal?.name ?? "",
    keyId: principal?.keyId ?? null,
    groups: [...(principal?.groups ?? [])],
    scopes: [...(principal?.scopes ?? [])],
    csrfToken,
    authentication: !d.sessions ? "disabled" : csrfToken ? "session" : "key",
  };
}
