/**
 * Web UI sessions over plain HTTP (issue 10 item 4): signing in with a key or npm start's one-time
 * link, the cookie, the CSRF token, sign-out, expiry, and sessions dying with their key.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { Client, credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { assertUnchanged, eventually, pausedRun, withDatabase } from "../support/fixtures.js";
import { startTestServer, storeUri, uniqueDatabase, type TestServer } from "../support/test-server.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** A call to the HTTP API as a script would make it (no Origin, no Sec-Fetch-* headers). */
async function api(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** The session cookie's value from a Set-Cookie header (and the header itself). */
function sessionCookie(res: Answer): { value: string; header: string } {
  const header = res.headers.get("set-cookie") ?? "";
  const value = /^flowgate_session=([^;]*)/.exec(header)?.[1];
  assert.ok(value !== undefined, `a session cookie is set: ${header}`);
  return { value, header };
}

describe("web UI sessions over HTTP", () => {
  let server: TestServer;
  let base: string;
  before(async () => {
    server = await startTestServer();
    base = `http://${server.httpAddress}`;
  });
  after(() => server.stop());

  /** Signs in with `key` and gives the cookie header to send and the CSRF token. */
  async function signIn(key = server.apiKey): Promise<{ cookie: string; csrf: string; value: string; setCookie: string }> {
    const res = await api(base, "POST", "/api/session", { authorization: `Bearer ${key}` }, {});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { value, header } = sessionCookie(res);
    return { cookie: `flowgate_session=${value}`, csrf: String(res.body["csrfToken"]), value, setCookie: header };
  }

  test("signing in with a key sets an HttpOnly, SameSite=Strict cookie; GET /api/session names the principal and the CSRF token", async () => {
    const { cookie, csrf, setCookie } = await signIn();
    assert.match(setCookie, /; Path=\/;/);
    assert.match(setCookie, /; HttpOnly/);
    assert.match(setCookie, /; SameSite=Strict/);
    assert.doesNotMatch(setCookie, /; Secure/, "plain HTTP: no Secure flag (FLOWGATE_SESSION_COOKIE_SECURE or TLS turns it on)");
    const me = await api(base, "GET", "/api/session", { cookie });
    assert.equal(me.status, 200);
    assert.deepEqual(
      { name: me.body["name"], scopes: me.body["scopes"], csrfToken: me.body["csrfToken"], authentication: me.body["authentication"] },
      { name: "admin", scopes: ["admin"], csrfToken: csrf, authentication: "session" },
    );
    assert.equal((await api(base, "GET", "/api/runs", { cookie })).status, 200, "the cookie alone reads runs");
    // A bearer client asking the same gets no CSRF token: it needs none.
    const byKey = await api(base, "GET", "/api/session", { authorization: server.authHeader });
    assert.deepEqual([byKey.body["csrfToken"], byKey.body["authentication"]], [null, "key"]);
  });

  test("the store keeps only the SHA-256 of the session secret", async () => {
    const { value } = await signIn();
    const ids = await withDatabase(server.database, (db) =>
      db
        .collection<{ _id: string }>("web_sessions")
        .find({})
        .map((d) => d._id)
        .toArray(),
    );
    assert.ok(ids.includes(createHash("sha256").update(value).digest("hex")));
    assert.ok(!ids.includes(value));
  });

  test("with the cookie, a mutating request needs the session's CSRF token; a bearer client needs none", async () => {
    const run = await pausedRun(server);
    const { cookie, csrf } = await signIn();
    const other = await signIn();
    for (const [why, headers] of [
      ["no token", { cookie }],
      ["a wrong token", { cookie, "x-flowgate-csrf": "x".repeat(43) }],
      ["another session's token", { cookie, "x-flowgate-csrf": other.csrf }],
    ] as const) {
      const refused = await api(base, "POST", `/api/runs/${run.id}/cancel`, headers, {});
      assert.deepEqual([refused.status, refused.body["reason"]], [403, "PERMISSION_DENIED"], why);
    }
    await assertUnchanged(server, run);
    const ok = await api(base, "POST", `/api/runs/${run.id}/resume`, { cookie, "x-flowgate-csrf": csrf }, {});
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const byKey = await api(base, "POST", `/api/runs/${(await pausedRun(server)).id}/resume`, { authorization: server.authHeader }, {});
    assert.equal(byKey.status, 200, JSON.stringify(byKey.body));
  });

  test("a wrong key opens no session", async () => {
    const res = await api(base, "POST", "/api/session", { authorization: "Bearer fgk_nothing" }, {});
    assert.deepEqual([res.status, res.body["reason"]], [401, "UNAUTHENTICATED"]);
    assert.equal(res.headers.get("set-cookie"), null);
  });

  test("sign out ends the session for every server sharing the store", async () => {
    const second = await startTestServer({ database: server.database });
    try {
      const { cookie, csrf } = await signIn();
      assert.equal((await api(`http://${second.httpAddress}`, "GET", "/api/runs", { cookie })).status, 200);
      const out = await api(base, "POST", "/api/session/sign-out", { cookie, "x-flowgate-csrf": csrf }, {});
      assert.deepEqual([out.status, out.body["signedOut"]], [200, true]);
      assert.match(out.headers.get("set-cookie") ?? "", /^flowgate_session=; Path=\/; Max-Age=0;/);
      for (const where of [base, `http://${second.httpAddress}`]) {
        const after = await api(where, "GET", "/api/runs", { cookie });
        assert.deepEqual([after.status, after.body["reason"]], [401, "UNAUTHENTICATED"], where);
      }
    } finally {
      await second.stop();
    }
  });

  test("a session dies with its key: revoked, or expired", async () => {
    const { key, secret } = await server.keys.createKey({ name: "leaving", scopes: ["runs:read"] });
    const { cookie } = await signIn(secret);
    assert.equal((await api(base, "GET", "/api/runs", { cookie })).status, 200);
    await server.keys.revokeKey({ keyId: key!.id });
    const refused = await api(base, "GET", "/api/runs", { cookie });
    assert.deepEqual([refused.status, refused.body["reason"]], [401, "UNAUTHENTICATED"]);
    assert.match(String(refused.body["error"]), /revoked/);

    const short = await server.keys.createKey({ name: "short-lived", scopes: ["runs:read"], expiresInSeconds: 1 });
    const shortSession = await signIn(short.secret);
    await eventually(
      "the key expires, and its session with it",
      async () => ((await api(base, "GET", "/api/runs", { cookie: shortSession.cookie })).status === 401 ? true : undefined),
      30_000,
      200,
    );
  });

  test("a session ends after FLOWGATE_SESSION_IDLE_SECONDS without use, and after FLOWGATE_SESSION_MAX_SECONDS whatever the use", async () => {
    const idle = await signIn();
    const old = await signIn();
    const hash = (v: string): string => createHash("sha256").update(v).digest("hex");
    await withDatabase(server.database, async (db) => {
      const sessions = db.collection<{ _id: string; lastSeenAt: Date; expiresAt: Date }>("web_sessions");
      // 12 hours and a minute ago (the default idle time is 12 hours)…
      await sessions.updateOne({ _id: hash(idle.value) }, { $set: { lastSeenAt: new Date(Date.now() - 12 * 3600_000 - 60_000) } });
      // …and a session used a moment ago whose lifetime is over.
      await sessions.updateOne({ _id: hash(old.value) }, { $set: { expiresAt: new Date(Date.now() - 1) } });
    });
    for (const s of [idle, old]) {
      const res = await api(base, "GET", "/api/runs", { cookie: s.cookie });
      assert.deepEqual([res.status, res.body["reason"]], [401, "UNAUTHENTICATED"]);
      assert.match(String(res.body["error"]), /expired/);
    }
  });

  test("the sign-in token header counts on the sign-in route only, and a cookie never counts on gRPC", async () => {
    const refused = await api(base, "GET", "/api/runs", { "x-flowgate-sign-in-token": `fgl_${"a".repeat(43)}` });
    assert.deepEqual([refused.status, refused.body["reason"]], [401, "UNAUTHENTICATED"]);
    const bogus = await api(base, "POST", "/api/session", { "x-flowgate-sign-in-token": `fgl_${"a".repeat(43)}` }, {});
    assert.deepEqual([bogus.status, bogus.body["reason"]], [401, "UNAUTHENTICATED"]);

    // A live session's cookie sent as gRPC metadata: gRPC knows API keys only.
    const { cookie } = await signIn();
    const client = new Client(server.address, credentials.createInsecure());
    try {
      const metadata = new Metadata();
      metadata.set("cookie", cookie);
      const identity = (b: Buffer): Buffer => b;
      const code = await new Promise<number>((resolve) =>
        client.makeUnaryRequest(
          "/flowgate.v1.RunService/ListFlowRuns",
          identity,
          identity,
          Buffer.alloc(0),
          metadata,
          {},
          (err: ServiceError | null) => resolve(err ? err.code : status.OK),
        ),
      );
      assert.equal(code, status.UNAUTHENTICATED);
    } finally {
      client.close();
    }
  });
});

describe("npm start's one-time sign-in link", () => {
  test("is printed at start, opens a session once, and is refused the second time", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "flowgate-sign-in-link-"));
    const child = spawn(process.execPath, ["--import", "tsx", join(REPO, "server/src/main.ts")], {
      cwd: REPO,
      env: {
        ...process.env,
        FLOWGATE_GRPC_ADDRESS: "127.0.0.1:0",
        FLOWGATE_HTTP_ADDRESS: "127.0.0.1:0",
        FLOWGATE_MONGODB_URI: await storeUri(),
        FLOWGATE_MONGODB_DATABASE: uniqueDatabase(),
        FLOWGATE_DATA_DIR: dataDir,
        FLOWGATE_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      const lines: string[] = [];
      const link = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stderr }).on("line", (line) => {
          lines.push(line);
          const url = /one-time link \(valid for 10 minutes, once\): (\S+)$/.exec(line)?.[1];
          if (url) resolve(url);
        });
        child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${lines.join("\n")}`)));
      });
      const url = new URL(link);
      assert.equal(url.pathname, "/signin");
      assert.equal(url.search, "", "the token is in the fragment, which browsers never send to the server");
      const token = new URLSearchParams(url.hash.slice(1)).get("token");
      assert.match(token ?? "", /^fgl_[A-Za-z0-9_-]{43}$/);
      const base = url.origin;

      const first = await api(base, "POST", "/api/session", { "x-flowgate-sign-in-token": token! }, {});
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.deepEqual([first.body["name"], first.body["scopes"]], ["admin", ["admin"]]);
      const { value } = sessionCookie(first);
      assert.equal((await api(base, "GET", "/api/runs", { cookie: `flowgate_session=${value}` })).status, 200);

      const second = await api(base, "POST", "/api/session", { "x-flowgate-sign-in-token": token! }, {});
      assert.deepEqual([second.status, second.body["reason"]], [401, "UNAUTHENTICATED"]);
      assert.match(String(second.body["error"]), /used already or has expired/);
      assert.equal(second.headers.get("set-cookie"), null);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });
});
