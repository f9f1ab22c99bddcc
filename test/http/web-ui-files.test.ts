import assert from "node:assert/strict";
import { mkdtempSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "../support/test-server.js";

const UI_DIST = fileURLToPath(new URL("../../ui/dist/", import.meta.url));

/** A GET with the path sent exactly as given (fetch would normalise "/../"). */
function rawGet(
  address: string,
  path: string,
  method = "GET",
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.slice(address.lastIndexOf(":") + 1))];
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the web UI's files, served by the server", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server?.stop());

  test("/ and any /runs/<id> link get the page, with a policy that allows nothing but this server", async () => {
    for (const path of ["/", "/runs/6f1c1a55-58b4-4bd4-9f0d-1f0a5e3b6a11", "/runs/6f1c1a55-58b4-4bd4-9f0d-1f0a5e3b6a11/"]) {
      const res = await rawGet(server.httpAddress, path);
      assert.equal(res.status, 200, path);
      assert.match(String(res.headers["content-type"]), /^text\/html/);
      assert.match(res.body, /<div id="root"><\/div>/);
      assert.equal(res.headers["cache-control"], "no-cache");
      assert.match(String(res.headers["content-security-policy"]), /default-src 'self'.*connect-src 'self'/);
    }
  });

  test("hashed assets are served with their type and cached for good; HEAD sends no body", async () => {
    const script = readdirSync(join(UI_DIST, "assets")).find((f) => f.endsWith(".js"));
    assert.ok(script, "ui/dist has a built script (npm run build)");
    const res = await rawGet(server.httpAddress, `/assets/${script}`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers["content-type"]), /^text\/javascript/);
    assert.match(String(res.headers["cache-control"]), /immutable/);
    const head = await rawGet(server.httpAddress, `/assets/${script}`, "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.equal(head.headers["content-length"], res.headers["content-length"]);
  });

  test("paths cannot leave ui/dist; a missing asset is not answered with the page's script", async () => {
    for (const path of [
      "/../package.json",
      "/%2e%2e/%2e%2e/package.json",
      "/assets/..%2f..%2f..%2fpackage.json",
      "/..%5c..%5cpackage.json",
      "/../../ui",
    ]) {
      const res = await rawGet(server.httpAddress, path);
      assert.doesNotMatch(res.body, /"workspaces"|"@flowgate\/ui"/, `${path} leaked a file outside ui/dist`);
      assert.ok(res.status === 404 || (res.status === 200 && res.body.includes('<div id="root">')), `${path}: ${res.status}`);
    }
    const stale = await rawGet(server.httpAddress, "/assets/index-0ld0ld.js");
    assert.equal(stale.status, 404);
    assert.match(String(stale.headers["content-type"]), /^application\/json/);
  });

  test("only GET and HEAD; /api paths stay JSON", async () => {
    const post = await rawGet(server.httpAddress, "/runs/x", "POST");
    assert.equal(post.status, 405);
    assert.equal(post.headers["allow"], "GET, HEAD");
    const api = await rawGet(server.httpAddress, "/api/nope");
    assert.equal(api.status, 404);
    assert.match(String(api.headers["content-type"]), /^application\/json/);
  });

  test("a server whose UI is not built says how to build it", async () => {
    const bare = await startTestServer({ env: { FLOWGATE_UI_DIR: mkdtempSync(join(tmpdir(), "flowgate-no-ui-")) } });
    try {
      const res = await rawGet(bare.httpAddress, "/");
      assert.equal(res.status, 404);
      assert.match((JSON.parse(res.body) as { error: string }).error, /web UI is not built.*npm run build/);
      assert.equal((await rawGet(bare.httpAddress, "/api/health")).status, 200);
    } finally {
      await bare.stop();
    }
  });
});
