import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { checkKey, isScope, type ApiKeyRecord, type KeyCheck, type Principal, type Scope } from "../domain/access.js";
import { InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import { requireId } from "../domain/validation.js";
import type { ApiKeyStore } from "./ports.js";
import { pageOf, readPage } from "./paging.js";

/** `fgk_<key id, 32 hex>_<256 random bits, base64url>`: the id finds the key, the rest proves it. */
const SECRET_FORMAT = /^fgk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;
const NAME_FORMAT = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,99}$/;
const MAX_EXPIRY_SECONDS = 10 * 365 * 24 * 3600;

export interface CreateKeyInput {
  name: string;
  groups?: readonly string[];
  scopes: readonly string[];
  /** 0 or absent: never expires. */
  expiresInSeconds?: number;
}

/**
 * API keys: creation (the secret is returned once, only its SHA-256 is stored), listing, revocation,
 * and verification of the bearer secret every call carries. Verified keys are remembered for
 * `cacheMs`, so a call costs no store read; a revocation is seen at once by the server that made it
 * and by other servers sharing the store within `cacheMs`.
 */
export class ApiKeyService {
  private readonly cache = new Map<string, { key: ApiKeyRecord | undefined; until: number }>();
  /** Reads in flight by key id: calls that arrive together (a thousand streams reopening) share one. */
  private readonly reading = new Map<string, Promise<ApiKeyRecord | undefined>>();

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly cacheMs: number,
  ) {}

  async create(input: CreateKeyInput, createdBy: string): Promise<{ key: ApiKeyRecord; secret: string }> {
    const record = this.newKey(input, createdBy);
    await this.keys.insert(record.key);
    return record;
  }

  /**
   * On a store without keys, creates the first admin key and writes its secret to
   * `<dataDir>/admin-key` (owner-only). Returns the file's path when it did, undefined otherwise.
   */
  async createFirstAdminKey(dataDir: string): Promise<string | undefined> {
    const { key, secret } = this.newKey({ name: "admin", scopes: ["admin"] }, "flowgate");
    if (!(await this.keys.insert(key, { onlyIfFirst: true }))) return undefined;
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const path = join(dataDir, "admin-key");
    await writeFile(path, `${secret}\n`, { mode: 0o600 });
    await chmod(path, 0o600); // an existing file keeps its mode through writeFile
    return path;
  }

  async list(pageSize: number, pageToken: string, includeRevoked: boolean): Promise<{ keys: ApiKeyRecord[]; nextPageToken: string }> {
    const page = readPage(pageSize, pageToken);
    const { items, nextPageToken } = pageOf(await this.keys.list(page.offset, page.size + 1, includeRevoked), page);
    return { keys: items, nextPageToken };
  }

  async revoke(keyIdText: string): Promise<ApiKeyRecord> {
    const id = requireId("key_id", keyIdText);
    const key = await this.keys.revoke(id, new Date());
    this.cache.delete(id);
    this.reading.delete(id); // a read that began before the revocation must not be cached or shared
    if (!key) throw new NotFoundError("KEY_NOT_FOUND", `API key ${id} was not found.`);
    return key;
  }

  async verify(secret: string): Promise<KeyCheck> {
    const m = SECRET_FORMAT.exec(secret);
    if (!m) return { ok: false, why: "unknown" };
    const id = uuidFromHex(m[1]!);
    const key = await this.lookup(id);
    const matches = key !== undefined && timingSafeEqual(sha256(m[2]!), Buffer.from(key.secretHash, "hex"));
    return checkKey(key, matches, new Date());
  }

  /**
   * Whether the key with this id may still be used (not revoked, not expired), for credentials that
   * stand for a key without carrying its secret (web UI sessions, sign-in links). Cached like verify.
   */
  async verifyKeyId(id: string): Promise<KeyCheck> {
    return checkKey(await this.lookup(id), true, new Date());
  }

  private async lookup(id: string): Promise<ApiKeyRecord | undefined> {
    const now = Date.now();
    const cached = this.cache.get(id);
    if (cached && cached.until > now) return cached.key;
    const inFlight = this.reading.get(id);
    if (inFlight) return inFlight;
    const read: Promise<ApiKeyRecord | undefined> = this.keys.get(id).then((key) => {
      if (this.reading.get(id) !== read) return key;
      if (this.cache.size > 10_000) this.cache.clear(); // unknown ids must not grow it without bound
      this.cache.set(id, { key, until: now + this.cacheMs });
      return key;
    });
    this.reading.set(id, read);
    try {
      return await read;
    } finally {
      if (this.reading.get(id) === read) this.reading.delete(id);
    }
  }

  private newKey(input: CreateKeyInput, createdBy: string): { key: ApiKeyRecord; secret: string } {
    const name = requireName("name", input.name);
    const groups = (input.groups ?? []).map((g, i) => requireName(`groups.${i}`, g));
    const scopes = requireScopes(input.scopes);
    const seconds = input.expiresInSeconds ?? 0;
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_EXPIRY_SECONDS) {
      throw new InvalidArgumentError(`expires_in_seconds must be 0 (never) to ${MAX_EXPIRY_SECONDS}.`, [
        { field: "expires_in_seconds", description: `must be 0 to ${MAX_EXPIRY_SECONDS}` },
      ]);
    }
    const id = randomUUID();
    const proof = randomBytes(32).toString("base64url");
    const now = new Date();
    const key: ApiKeyRecord = {
      id,
      name,
      groups,
      scopes,
      secretHash: sha256(proof).toString("hex"),
      createdAt: now,
      createdBy,
      ...(seconds > 0 ? { expiresAt: new Date(now.getTime() + seconds * 1000) } : {}),
    };
    return { key, secret: `fgk_${id.replaceAll("-", "")}_${proof}` };
  }
}

/** The principal a key's record stands for (for GetCaller and the UI). */
export function principalOf(key: ApiKeyRecord): Principal {
  return { name: key.name, keyId: key.id, groups: key.groups, scopes: key.scopes };
}

function requireName(field: string, value: string): string {
  if (!NAME_FORMAT.test(value)) {
    throw new InvalidArgumentError(`${field} must be 1 to 100 letters, digits or . _ @ : - (starting with a letter or digit).`, [
      { field, description: "must be 1 to 100 letters, digits or . _ @ : -" },
    ]);
  }
  return value;
}

function requireScopes(scopes: readonly string[]): Scope[] {
  if (scopes.length === 0) {
    throw new InvalidArgumentError("scopes must name at least one scope.", [{ field: "scopes", description: "is required" }]);
  }
  return [...new Set(scopes)].map((s, i) => {
    if (!isScope(s)) {
      throw new InvalidArgumentError(
        `scopes.${i} "${s}" is not a scope; use runs:read, runs:write, runs:resume, deployments:write or admin.`,
        [{ field: `scopes.${i}`, description: "is not a known scope" }],
      );
    }
    return s;
  });
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function uuidFromHex(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
