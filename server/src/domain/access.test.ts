import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { allows, checkKey, hasScope, type ApiKeyRecord, type Principal, describeRequirement } from "./access.js";

const now = new Date("2026-12-03T12:00:00Z");
const key = (over: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id: "k1",
  name: "alice",
  groups: ["ops"],
  scopes: ["runs:read", "runs:resume"],
  secretHash: "00",
  createdAt: new Date("2026-12-01T00:00:00Z"),
  createdBy: "admin",
  ...over,
});
const principal = (scopes: Principal["scopes"]): Principal => ({ name: "p", groups: [], scopes });

describe("API keys: which keys may call", () => {
  test("a valid key with the right secret gives its principal, groups and scopes", () => {
    assert.deepEqual(checkKey(key(), true, now), {
      ok: true,
      principal: { name: "alice", keyId: "k1", groups: ["ops"], scopes: ["runs:read", "runs:resume"] },
    });
  });
  test("a wrong secret, or no key, is unknown (the two are not told apart)", () => {
    assert.deepEqual(checkKey(key(), false, now), { ok: false, why: "unknown" });
    assert.deepEqual(checkKey(undefined, true, now), { ok: false, why: "unknown" });
  });
  test("a revoked key is refused from its revocation on; an expired key from its expiry on", () => {
    assert.deepEqual(checkKey(key({ revokedAt: now }), true, now), { ok: false, why: "revoked" });
    assert.equal(checkKey(key({ revokedAt: new Date(now.getTime() + 1) }), true, now).ok, true);
    assert.deepEqual(checkKey(key({ expiresAt: now }), true, now), { ok: false, why: "expired" });
    assert.equal(checkKey(key({ expiresAt: new Date(now.getTime() + 1000) }), true, now).ok, true);
  });
});

describe("scopes: what a principal may do", () => {
  const cases: {
    requirement: Parameters<typeof allows>[0];
    scopes: Principal["scopes"] | undefined;
    expected: ReturnType<typeof allows>;
  }[] = [
    { requirement: "public", scopes: undefined, expected: "ok" },
    { requirement: "authenticated", scopes: undefined, expected: "unauthenticated" },
    { requirement: "authenticated", scopes: [], expected: "ok" },
    { requirement: "runs:read", scopes: undefined, expected: "unauthenticated" },
    { requirement: "runs:read", scopes: ["runs:read"], expected: "ok" },
    { requirement: "runs:resume", scopes: ["runs:read", "runs:write"], expected: "forbidden" },
    { requirement: "runs:resume", scopes: ["runs:resume"], expected: "ok" },
    { requirement: "deployments:write", scopes: ["runs:write"], expected: "forbidden" },
    { requirement: "admin", scopes: ["runs:read", "runs:write", "runs:resume", "deployments:write"], expected: "forbidden" },
    { requirement: "admin", scopes: ["admin"], expected: "ok" },
    { requirement: "runs:write", scopes: ["admin"], expected: "ok" },
  ];
  for (const c of cases) {
    test(`${describeRequirement(c.requirement)} with ${c.scopes ? `[${c.scopes.join(", ")}]` : "no key"} → ${c.expected}`, () => {
      assert.equal(allows(c.requirement, c.scopes && principal(c.scopes)), c.expected);
    });
  }
  test("admin implies every scope; no other scope implies another", () => {
    assert.equal(hasScope(principal(["admin"]), "deployments:write"), true);
    assert.equal(hasScope(principal(["runs:write"]), "runs:read"), false);
  });
});
