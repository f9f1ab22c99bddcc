/**
 * What the HTTP server answers before any credential is looked at (issue 10 item 4): only the Host
 * names it is configured for (DNS rebinding), only its own origin on /api (Origin, Sec-Fetch-Site),
 * and only JSON bodies on routes that change something. Plain HTTP, headers exactly as given.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { assertUnchanged, pausedRun } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const UI_ASSETS = fileURLToPath(new URL("../../ui/dist/assets/", import.meta.url));

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with every header exactly as given (fetch would not send a Host of our choosing). */
function raw(address: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  const i = address.lastIndexOf(":");
  return new Promise((resolve, reject) => {
    const req = request({ host: address.slice(0, i), port: Number(address.slice(i + 1)), method, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function reasonOf(r: Raw): string | undefined {
  return (JSON.parse(r.body) as { reason?: string }).reason;
}

describe("Host names: the server answers only those it is configured for (DNS rebinding)", () => {
  let server: TestServer;
  let configured: TestServer;
  let port: string;
  let script: string;
  before(async () => {
    server = await startTestServer();
    configured = await startTestServer({ env: { FLOWGATE_HTTP_ALLOWED_HOSTS: "flowgate.example.com, ops.example.com:8443" } });
    port = server.httpAddress.slice(server.httpAddress.lastIndexOf(":") + 1);
    script = readdirSync(UI_ASSETS).find((f) => f.endsWith(".js"))!;
  });
  after(async () => {
    await server.stop();
    await configured.stop();
  });

  test("a name made to point at the server (rebound.example) is refused on every path: the page, its files, the API", async () => {
    for (const path of ["/", "/runs/6f1c1a55-58b4-4bd4-9f0d-1f0a5e3b6a11", `/assets/${script}`, "/api/health", "/api/runs"]) {
      const res = await raw(server.httpAddress, "GET", path, { host: `rebound.example:${port}`, authorization: server.authHeader });
      assert.equal(res.status, 403, path);
      assert.match(String(res.headers["content-type"]), /^application\/json/);
      assert.equal(reasonOf(res), "PERMISSION_DENIED", path);
      assert.match(res.body, /FLOWGATE_HTTP_ALLOWED_HOSTS/);
      assert.doesNotMatch(res.body, /<div id="root">/, "no page");
    }
    // No Host at all (HTTP/1.0 allows that) is refused too.
    const i = server.httpAddress.lastIndexOf(":");
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(server.httpAddress.slice(i + 1)), server.httpAddress.slice(0, i), () =>
        socket.end("GET /api/health HTTP/1.0\r\n\r\n"),
      );
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (c: string) => (text += c));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    assert.match(answer, /^HTTP\/1\.1 403 /);
  });

  test("the loopback names and the listen address are answered on any port", async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, "localhost", "LOCALHOST:1234"]) {
      const res = await raw(server.httpAddress, "GET", "/api/health", { host });
      assert.equal(res.status, 200, host);
    }
  });

  test("FLOWGATE_HTTP_ALLOWED_HOSTS adds names, any port or one port", async () => {
    const address = configured.httpAddress;
    const status = async (host: string): Promise<number> => (await raw(address, "GET", "/api/health", { host })).status;
    assert.equal(await status("flowgate.example.com:4200"), 200);
    assert.equal(await status("flowgate.example.com"), 200);
    assert.equal(await status("ops.example.com:8443"), 200);
    assert.equal(await status("ops.example.com:9000"), 403, "only the named port");
    assert.equal(await status("evil.flowgate.example.com"), 403, "not subdomains");
    assert.equal(await status("localhost:1"), 200, "the loopback names stay");
  });
});

describe("the API answers its own origin only, and changes things only with JSON", () => {
  let server: TestServer;
  let own: string;
  before(async () => {
    server = await startTestServer();
    own = `http://${server.httpAddress}`;
  });
  after(() => server.stop());

  const call = (method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> =>
    raw(server.httpAddress, method, path, { host: server.httpAddress, authorization: server.authHeader, ...headers }, body);

  test("a request from another origin is refused even with a valid key, reads included", async () => {
    const run = await pausedRun(server);
    for (const headers of [
      { origin: "http://evil.example" },
      { origin: "null" },
      { origin: `http://localhost:${server.httpAddress.split(":")[1]!}` }, // another name for the same server is another origin
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ] as Record<string, string>[]) {
      const read = await call("GET", `/api/runs/${run.id}`, headers);
      assert.deepEqual([read.status, reasonOf(read)], [403, "PERMISSION_DENIED"], JSON.stringify(headers));
      const cancel = await call("POST", `/api/runs/${run.id}/cancel`, { ...headers, "content-type": "application/json" }, "{}");
      assert.deepEqual([cancel.status, reasonOf(cancel)], [403, "PERMISSION_DENIED"], JSON.stringify(headers));
    }
    await assertUnchanged(server, run);
  });

  test("its own origin, a typed address (Sec-Fetch-Site: none) and clients that send neither (curl) are answered", async () => {
    const run = await pausedRun(server);
    for (const headers of [{ origin: own, "sec-fetch-site": "same-origin" }, { "sec-fetch-site": "none" }, {}] as Record<
      string,
      string
    >[]) {
      assert.equal((await call("GET", `/api/runs/${run.id}`, headers)).status, 200, JSON.stringify(headers));
    }
    const resumed = await call("POST", `/api/runs/${run.id}/resume`, { origin: own, "content-type": "application/json" }, "{}");
    assert.equal(resumed.status, 200, resumed.body);
  });

  test("a mutating route without a JSON body type is 415, before anything else is looked at", async () => {
    const run = await pausedRun(server);
    for (const type of [
      undefined,
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonx",
    ]) {
      const res = await call("POST", `/api/runs/${run.id}/cancel`, type ? { "content-type": type } : {}, "{}");
      assert.deepEqual([res.status, reasonOf(res)], [415, "INVALID_ARGUMENT"], String(type));
      // Refused before authentication: a caller without a key learns the same.
      const anonymous = await raw(server.httpAddress, "POST", `/api/runs/${run.id}/cancel`, {
        host: server.httpAddress,
        ...(type ? { "content-type": type } : {}),
      });
      assert.equal(anonymous.status, 415, String(type));
    }
    await assertUnchanged(server, run);
    const ok = await call("POST", `/api/runs/${run.id}/cancel`, { "content-type": "Application/JSON; charset=utf-8" }, "{}");
    assert.equal(ok.status, 200, ok.body);
    // Paths no route serves keep their own answers.
    assert.equal((await call("DELETE", "/api/runs", {})).status, 405);
    assert.equal((await call("POST", "/api/nothing", {})).status, 404);
  });

  test("no CORS grants: a preflight is refused and no answer carries Access-Control headers", async () => {
    const run = await pausedRun(server);
    const preflight = await raw(server.httpAddress, "OPTIONS", `/api/runs/${run.id}/resume`, {
      host: server.httpAddress,
      origin: "http://evil.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type, x-flowgate-csrf",
    });
    assert.equal(preflight.status, 403);
    const answers = [
      preflight,
      await call("GET", "/api/runs", { origin: "http://evil.example" }),
      await call("GET", "/api/runs", { origin: own }),
      await call("GET", "/", { origin: "http://evil.example" }),
    ];
    for (const a of answers) {
      assert.deepEqual(
        Object.keys(a.headers).filter((h) => h.startsWith("access-control-")),
        [],
      );
    }
  });
});
