import { ANONYMOUS, allows, describeRequirement, type KeyCheck, type Requirement } from "../domain/access.js";
import { PermissionDeniedError, UnauthenticatedError } from "../domain/errors.js";
import type { CallContext, Middleware } from "./call-context.js";

/** Resolves a bearer secret to the principal of its key; a port the app's key service fills. */
export interface Authenticator {
  verify(secret: string): Promise<KeyCheck>;
}

export interface AuthenticateOptions {
  /** Undefined when authentication is disabled (FLOWGATE_AUTH=disabled): every call acts as ANONYMOUS. */
  authenticator: Authenticator | undefined;
  /** What the call needs; undefined for a call nobody declared, which is refused. */
  requirementOf(ctx: CallContext): Requirement | undefined;
  /**
   * Other credentials than a bearer header (the web UI's session cookie, a sign-in link's token),
   * tried when there is none: undefined when the call carries none, else what it amounts to. It may
   * refuse the call itself by throwing (a session cookie without its CSRF token on a mutating call).
   */
  credentialOf?(ctx: CallContext): Promise<OtherCredential | undefined>;
  /** Counts refusals (they are not audited: nothing happened). */
  onRefused?(ctx: CallContext, why: string): void;
}

/** A credential other than a bearer key, checked by whoever understands it. */
export interface OtherCredential {
  check: KeyCheck;
  /** The message a refusal gives when `check` failed (the key messages do not fit a session). */
  refusal?: string;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Authentication and authorization for every call, in the one chain: reads the bearer secret
 * (`authorization: Bearer <secret>`, gRPC metadata or HTTP header), attaches the key's principal to
 * the context, and refuses the call (UNAUTHENTICATED / PERMISSION_DENIED, with their reasons) when
 * the key is missing, unknown, expired or revoked, or lacks the call's scope.
 */
export function authenticate(opts: AuthenticateOptions): Middleware {
  return async (ctx, next) => {
    const requirement = opts.requirementOf(ctx);
    if (requirement === undefined) {
      opts.onRefused?.(ctx, "undeclared");
      throw new PermissionDeniedError(`${ctx.method} is not open to any key.`);
    }
    if (!opts.authenticator) {
      ctx.principal = ANONYMOUS;
      return next();
    }
    if (requirement !== "public") {
      const secret = bearerSecret(ctx);
      const other = secret === undefined ? await opts.credentialOf?.(ctx) : undefined;
      const check = secret !== undefined ? await opts.authenticator.verify(secret) : other?.check;
      // No credential at all on a call a resume token may stand in for: the service checks the token
      // (and refuses the call UNAUTHENTICATED when there is none). A credential that is present must hold.
      if (!check && typeof requirement === "object" && "orResumeToken" in requirement) {
        ctx.needsResumeToken = true;
        return next();
      }
      if (check?.ok) ctx.principal = check.principal;
      const verdict = allows(requirement, ctx.principal);
      if (verdict === "unauthenticated") {
        const why = !check ? "missing" : !check.ok ? check.why : "unknown";
        opts.onRefused?.(ctx, why);
        throw new UnauthenticatedError((why !== "missing" ? other?.refusal : undefined) ?? unauthenticatedMessage(why));
      }
      if (verdict === "forbidden") {
        opts.onRefused?.(ctx, "scope");
        throw new PermissionDeniedError(
          `The key of ${ctx.principal?.name ?? "?"} lacks the scope ${describeRequirement(requirement)} that ${ctx.method} needs.`,
        );
      }
    }
    return next();
  };
}

function bearerSecret(ctx: CallContext): string | undefined {
  const header = ctx.headers.get("authorization");
  return header ? BEARER.exec(header)?.[1] : undefined;
}

function unauthenticatedMessage(why: string): string {
  switch (why) {
    case "missing":
      return "This call needs an API key: send it as `authorization: Bearer <secret>` (FLOWGATE_API_KEY for the SDK, CLI and clients).";
    case "expired":
      return "The API key has expired.";
    case "revoked":
      return "The API key has been revoked.";
    default:
      return "The API key is not valid.";
  }
}
