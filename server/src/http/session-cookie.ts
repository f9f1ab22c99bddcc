import type { SessionService } from "../app/sessions.js";
import type { KeyCheck } from "../domain/access.js";
import { PermissionDeniedError } from "../domain/errors.js";
import type { OtherCredential } from "../middleware/authenticate.js";
import type { CallContext } from "../middleware/call-context.js";
import { httpRequestOf, isMutating } from "./http-call.js";

/** The header the web UI sends its session's CSRF token in, on every request that changes something. */
export const CSRF_HEADER = "x-flowgate-csrf";
/** The header the sign-in page sends a one-time link's token in, to POST /api/session. */
export const SIGN_IN_TOKEN_HEADER = "x-flowgate-sign-in-token";
export const SIGN_IN_ROUTE = "POST /api/session";

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it),
 * Path=/; with `secure` (the UI is served over HTTPS) also Secure and the __Host- prefix, which keeps
 * other hosts of the domain and plain-HTTP pages from setting or shadowing it.
 */
export class SessionCookie {
  readonly name: string;

  constructor(
    private readonly secure: boolean,
    private readonly maxAgeMs: number,
  ) {
    this.name = secure ? "__Host-flowgate_session" : "flowgate_session";
  }

  /** The session secret in a Cookie header, if it carries this cookie. */
  read(header: string | undefined): string | undefined {
    for (const part of (header ?? "").split(";")) {
      const eq = part.indexOf("=");
      if (eq > 0 && part.slice(0, eq).trim() === this.name) return part.slice(eq + 1).trim();
    }
    return undefined;
  }

  set(secret: string): string {
    return `${this.name}=${secret}; ${this.attributes(Math.floor(this.maxAgeMs / 1000))}`;
  }

  clear(): string {
    return `${this.name}=; ${this.attributes(0)}`;
  }

  private attributes(maxAgeSeconds: number): string {
    return `Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${this.secure ? "; Secure" : ""}`;
  }
}

/** The session secret a call was authenticated with, for the session routes (CSRF token, sign out). */
const sessionOfCall = new WeakMap<CallContext, string>();

export function sessionSecretOf(ctx: CallContext): string | undefined {
  return sessionOfCall.get(ctx);
}

/**
 * The authentication middleware's `credentialOf` for HTTP: a one-time sign-in token on the sign-in
 * route, else the session cookie. A live session on a request that changes something must come with
 * its CSRF token in x-flowgate-csrf (PERMISSION_DENIED otherwise): a page of another site can make the
 * browser send the cookie (where SameSite does not stop it), never read the token. gRPC calls carry no
 * cookies that count.
 */
export function sessionCredentials(
  sessions: SessionService,
  cookie: SessionCookie,
): (ctx: CallContext) => Promise<OtherCredential | undefined> {
  return async (ctx) => {
    const req = httpRequestOf(ctx);
    if (!req) return undefined;
    const token = ctx.method === SIGN_IN_ROUTE ? ctx.headers.get(SIGN_IN_TOKEN_HEADER) : undefined;
    if (token !== undefined) {
      const check = await sessions.redeemSignInToken(token);
      return { check, refusal: "This sign-in link has been used already or has expired; sign in with an API key." };
    }
    const secret = cookie.read(ctx.headers.get("cookie"));
    if (secret === undefined) return undefined;
    const check = await sessions.verify(secret);
    if (check.ok) {
      if (isMutating(req.method) && !sessions.csrfMatches(secret, ctx.headers.get(CSRF_HEADER))) {
        throw new PermissionDeniedError(
          `A request that changes something must carry the session's CSRF token in ${CSRF_HEADER} (GET /api/session gives it).`,
        );
      }
      sessionOfCall.set(ctx, secret);
    }
    return { check, refusal: sessionRefusal(check) };
  };
}

function sessionRefusal(check: KeyCheck): string {
  if (check.ok || check.why === "unknown") return "You are not signed in (or have signed out): sign in again.";
  if (check.why === "revoked") return "The API key this session was opened with has been revoked: sign in with another.";
  return "Your session (or the API key it was opened with) has expired: sign in again.";
}
