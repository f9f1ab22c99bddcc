import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  actorOf,
  auditedInput,
  auditHash,
  canonicalJson,
  ChainVerifier,
  channelOf,
  GENESIS_HASH,
  INPUT_INLINE_BYTES,
  sealAuditEvent,
  type Actor,
  type AuditEvent,
} from "./audit.js";

const alice: Actor = { principal: "alice", keyId: "k1", channel: "cli", call: "flowgate.v1.RunService/ResumeFlowRun", admin: false };
const at = new Date("2026-12-03T10:42:00.000Z");

/** A chain of `n` entries as the store would hold them. */
function chain(n: number): AuditEvent[] {
  const out: AuditEvent[] = [];
  for (let seq = 1; seq <= n; seq++) {
    out.push(sealAuditEvent(alice, { flowRunId: `run-${seq}`, input: { n: seq } }, at, `id-${seq}`, seq, out.at(-1)?.hash ?? GENESIS_HASH));
  }
  return out;
}

const headers = (h: Record<string, string>): Map<string, string> => new Map(Object.entries(h));

describe("audit: through what a call came", () => {
  test("a gRPC client names itself by header or user agent; anything else is plain gRPC", () => {
    assert.equal(channelOf("grpc", headers({ "x-flowgate-client": "cli" })), "cli");
    assert.equal(channelOf("grpc", headers({ "x-flowgate-client": "Python" })), "python");
    assert.equal(channelOf("grpc", headers({ "user-agent": "flowgate-go/0.3 grpc-go/1.70.0" })), "go");
    assert.equal(channelOf("grpc", headers({ "user-agent": "grpc-node-js/1.14.0" })), "grpc");
    assert.equal(channelOf("grpc", headers({ "x-flowgate-client": "web-ui" })), "grpc", "the web UI does not speak gRPC");
  });
  test("over HTTP: the web UI (its header, its CSRF header, or its session cookie without a key), else the HTTP API", () => {
    assert.equal(channelOf("http", headers({ "x-flowgate-client": "web-ui" })), "web-ui");
    assert.equal(channelOf("http", headers({ "x-flowgate-csrf": "t" })), "web-ui");
    assert.equal(channelOf("http", headers({ cookie: "flowgate_session=s" })), "web-ui");
    assert.equal(channelOf("http", headers({ cookie: "x=1", authorization: "Bearer k" })), "http-api");
    assert.equal(channelOf("http", headers({ "x-flowgate-client": "cli" })), "http-api");
  });
  test("the actor is the authenticated principal, never a header", () => {
    const actor = actorOf({
      principal: { name: "alice", keyId: "k1", groups: ["finance"], scopes: ["runs:resume"] },
      transport: "grpc",
      method: "flowgate.v1.RunService/ResumeFlowRun",
      headers: headers({ "x-flowgate-client": "sdk", "x-principal": "mallory" }),
      requestId: "r1",
    });
    assert.deepEqual(actor, {
      principal: "alice",
      keyId: "k1",
      channel: "sdk",
      call: "flowgate.v1.RunService/ResumeFlowRun",
      callId: "r1",
      admin: false,
      groups: ["finance"],
    });
  });
});

describe("audit: entries and their chain", () => {
  test("a resume input up to 4 KiB is kept; a larger one only as the SHA-256 of its canonical JSON", () => {
    assert.deepEqual(auditedInput({ approved: true }), { input: { approved: true } });
    const big = { text: "x".repeat(INPUT_INLINE_BYTES) };
    const { input, inputSha256 } = auditedInput(big);
    assert.equal(input, undefined);
    assert.match(inputSha256 ?? "", /^[0-9a-f]{64}$/);
    assert.deepEqual(auditedInput({ text: big.text }), { inputSha256 }, "the same input hashes the same");
  });
  test("canonical JSON sorts keys at every level, so key order never changes a hash", () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: at } }),
      canonicalJson({ a: { c: at, d: [2, { e: 0, f: 1 }] }, b: 1 }),
    );
    assert.equal(canonicalJson({ ["__proto__"]: 1 }), '{"__proto__":1}');
  });
  test("each entry holds the hash of the one before, and its own hash covers every field", () => {
    const [first, second] = chain(2);
    assert.equal(first!.prevHash, GENESIS_HASH);
    assert.equal(second!.prevHash, first!.hash);
    assert.equal(auditHash(second!), second!.hash);
    assert.notEqual(auditHash({ ...second!, principal: "mallory" }), second!.hash);
  });
  test("an intact chain verifies, whether read at once or page by page", () => {
    const entries = chain(5);
    const whole = new ChainVerifier();
    assert.equal(whole.check(entries), undefined);
    assert.equal(whole.checked, 5);
    const paged = new ChainVerifier();
    assert.equal(paged.check(entries.slice(0, 2)), undefined);
    assert.equal(paged.check(entries.slice(2)), undefined);
    assert.equal(paged.lastSequence, 5);
  });
  test("an edited entry breaks the chain at that entry", () => {
    const entries = chain(4);
    entries[2] = { ...entries[2]!, principal: "mallory" };
    assert.deepEqual(new ChainVerifier().check(entries), { seq: 3, id: "id-3", problem: "hash" });
  });
  test("an edited entry whose hash was recomputed breaks the link of the entry after it", () => {
    const entries = chain(4);
    const forged = { ...entries[1]!, principal: "mallory" };
    entries[1] = { ...forged, hash: auditHash(forged) };
    assert.deepEqual(new ChainVerifier().check(entries), { seq: 3, id: "id-3", problem: "link" });
  });
  test("a deleted entry leaves a gap, and a deleted first entry too", () => {
    const entries = chain(4);
    assert.deepEqual(new ChainVerifier().check([entries[0]!, entries[2]!, entries[3]!]), { seq: 3, id: "id-3", problem: "gap" });
    assert.deepEqual(new ChainVerifier().check(entries.slice(1)), { seq: 2, id: "id-2", problem: "gap" });
  });
});
