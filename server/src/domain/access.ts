/**
 * Who may do what: the scopes an API key can hold, and the pure rules that check a key and a call.
 * No I/O: the caller looks the key up and hands its record here with the clock's now.
 */
export const SCOPES = ["runs:read", "runs:write", "runs:resume", "deployments:write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** What a call needs: a scope, any one of several, any valid key ("authenticated"), or nothing ("public"). */
export type Requirement = Scope | readonly Scope[] | "authenticated" | "public" | ScopeOrResumeToken;

/**
 * A scope, or no key at all when the request carries a resume link's token instead (ResumeFlowRun,
 * RejectFlowRun): the service then checks the token. A call that carries a key needs the scope.
 */
export interface ScopeOrResumeToken {
  scope: Scope;
  orResumeToken: true;
}

/** The caller as every layer sees it: plain data, never a credential. */
export interface Principal {
  name: string;
  /** The key the call carried; absent when authentication is disabled. */
  keyId?: string;
  groups: readonly string[];
  scopes: readonly Scope[];
}

/** An API key as stored: its secret only as a hash. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  groups: string[];
  scopes: Scope[];
  /** SHA-256 of the secret, hex. The secret is 256 random bits, so a fast hash is enough. */
  secretHash: string;
  createdAt: Date;
  createdBy: string;
  expiresAt?: Date;
  revokedAt?: Date;
}

export type KeyCheck = { ok: true; principal: Principal } | { ok: false; why: "unknown" | "expired" | "revoked" };

/** Whether a found key may be used now; `secretMatches` is the constant-time comparison's verdict. */
export function checkKey(key: ApiKeyRecord | undefined, secretMatches: boolean, now: Date): KeyCheck {
  if (!key || !secretMatches) return { ok: false, why: "unknown" };
  if (key.revokedAt && key.revokedAt.getTime() <= now.getTime()) return { ok: false, why: "revoked" };
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return { ok: false, why: "expired" };
  return { ok: true, principal: { name: key.name, keyId: key.id, groups: [...key.groups], scopes: [...key.scopes] } };
}

/** `admin` holds every scope; any other scope is held only when granted. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes("admin") || principal.scopes.includes(scope);
}

/** Whether `principal` (undefined: no valid key) meets `requirement`. */
export function allows(requirement: Requirement, principal: Principal | undefined): "ok" | "unauthenticated" | "forbidden" {
  if (requirement === "public") return "ok";
  if (!principal) return "unauthenticated";
  if (requirement === "authenticated") return "ok";
  const anyOf: readonly Scope[] =
    typeof requirement === "string" ? [requirement] : "scope" in requirement ? [requirement.scope] : requirement;
  if (anyOf.some((scope) => hasScope(principal, scope))) return "ok";
  return "forbidden";
}

/** A requirement as people read it: "runs:read", "runs:write or runs:resume", "runs:resume or a resume token". */
export function describeRequirement(requirement: Requirement): string {
  if (typeof requirement === "string") return requirement;
  return "scope" in requirement ? `${requirement.scope} or a resume token` : requirement.join(" or ");
}

/** The principal a server with authentication disabled acts for: everyone, with every scope. */
export const ANONYMOUS: Principal = { name: "anonymous", groups: [], scopes: ["admin"] };

export function isScope(text: string): text is Scope {
  return (SCOPES as readonly string[]).includes(text);
}
