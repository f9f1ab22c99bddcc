import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { KeyCheck, Principal } from "../domain/access.js";
import type { SessionStore } from "./ports.js";

/** What sessions need from the API keys: whether the key a session stands for may still be used. */
export interface KeyVerifier {
  verifyKeyId(id: string): Promise<KeyCheck>;
}

export interface SessionOptions {
  /** A session ends after this long without a request. */
  idleMs: number;
  /** …and this long after it was opened, however active. */
  maxMs: number;
}

export interface OpenedSession {
  /** The cookie's value: shown to the browser once, stored only as a hash. */
  secret: string;
  csrfToken: string;
}

/** 256 random bits after a prefix that says what the text is (in logs, in a leaked header). */
const SESSION_FORMAT = /^fgs_[A-Za-z0-9_-]{43}$/;
const SIGN_IN_TOKEN_FORMAT = /^fgl_[A-Za-z0-9_-]{43}$/;
const CSRF_LABEL = "flowgate csrf v1";
/** How often an active session's last use is written (idle expiry is measured from it). */
const TOUCH_EVERY_MS = 60_000;
/** How often opening a session also clears away ended ones (FerretDB v1 has no TTL indexes). */
const SWEEP_EVERY_MS = 60_000;

/**
 * Web UI sessions. A session is opened for a principal that proved itself with an API key (or a
 * one-time sign-in link made for one) and then acts for that key: every use checks the key by id, so
 * revoking or expiring the key ends its sessions too. Stored by the SHA-256 of their secret, so the
 * store never holds a usable cookie. Each session has a CSRF token derived from its secret (HMAC), so
 * nothing more is stored and only a holder of the cookie's value, or the server, can compute it.
 */
export class SessionService {
  /** One-time sign-in tokens by hash: in this process only, since the link names this server. */
  private readonly signInTokens = new Map<string, { keyId: string; expiresAt: number }>();
  private lastSweep = 0;

  constructor(
    private readonly sessions: SessionStore,
    private readonly keys: KeyVerifier,
    private readonly opts: SessionOptions,
  ) {}

  /** Opens a session acting for `principal`'s key. */
  async open(principal: Principal): Promise<OpenedSession> {
    if (!principal.keyId) throw new Error("a session needs a principal with a key");
    const now = new Date();
    await this.sweep(now);
    const secret = `fgs_${randomBytes(32).toString("base64url")}`;
    await this.sessions.insert({
      idHash: sha256Hex(secret),
      keyId: principal.keyId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.opts.maxMs),
    });
    return { secret, csrfToken: csrfTokenFor(secret) };
  }

  /**
   * The principal a session cookie stands for, or why it stands for none: "unknown" (never opened,
   * or signed out), "expired" (idle too long, too old, or its key expired), "revoked" (its key was).
   */
  async verify(secret: string): Promise<KeyCheck> {
    if (!SESSION_FORMAT.test(secret)) return { ok: false, why: "unknown" };
    const idHash = sha256Hex(secret);
    const session = await this.sessions.get(idHash);
    if (!session) return { ok: false, why: "unknown" };
    const now = new Date();
    if (now.getTime() - session.lastSeenAt.getTime() >= this.opts.idleMs || session.expiresAt.getTime() <= now.getTime()) {
      await this.sessions.delete(idHash);
      return { ok: false, why: "expired" };
    }
    const key = await this.keys.verifyKeyId(session.keyId);
    if (!key.ok) return key;
    if (now.getTime() - session.lastSeenAt.getTime() >= Math.min(TOUCH_EVERY_MS, this.opts.idleMs / 4)) {
      await this.sessions.touch(idHash, now);
    }
    return key;
  }

  /** Sign out: the session is gone from the store, so no server accepts its cookie again. */
  async end(secret: string): Promise<void> {
    if (SESSION_FORMAT.test(secret)) await this.sessions.delete(sha256Hex(secret));
  }

  csrfTokenFor(secret: string): string {
    return csrfTokenFor(secret);
  }

  /** Whether `given` is the CSRF token of the session `secret` (compared in constant time). */
  csrfMatches(secret: string, given: string | undefined): boolean {
    if (given === undefined) return false;
    const expected = Buffer.from(csrfTokenFor(secret));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** A one-time sign-in token for the key `keyId`, valid for `ttlMs` (the link `npm start` prints). */
  createSignInToken(keyId: string, ttlMs: number): string {
    const token = `fgl_${randomBytes(32).toString("base64url")}`;
    const now = Date.now();
    for (const [hash, t] of this.signInTokens) if (t.expiresAt <= now) this.signInTokens.delete(hash);
    this.signInTokens.set(sha256Hex(token), { keyId, expiresAt: now + ttlMs });
    return token;
  }

  /**
   * Spends a sign-in token: the first use gets its key's principal, every later use "unknown" (it is
   * deleted before anything else is checked, so two requests racing with it cannot both win).
   */
  async redeemSignInToken(token: string): Promise<KeyCheck> {
    if (!SIGN_IN_TOKEN_FORMAT.test(token)) return { ok: false, why: "unknown" };
    const hash = sha256Hex(token);
    const found = this.signInTokens.get(hash);
    if (!found) return { ok: false, why: "unknown" };
    this.signInTokens.delete(hash);
    if (found.expiresAt <= Date.now()) return { ok: false, why: "expired" };
    return this.keys.verifyKeyId(found.keyId);
  }

  private async sweep(now: Date): Promise<void> {
    if (now.getTime() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now.getTime();
    await this.sessions.deleteEnded(new Date(now.getTime() - this.opts.idleMs), now);
  }
}

function csrfTokenFor(secret: string): string {
  return createHmac("sha256", secret).update(CSRF_LABEL).digest("base64url");
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
