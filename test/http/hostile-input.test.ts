/**
 * Hostile input over the HTTP API (issue 12): the same limits as gRPC, checked by the same domain
 * functions, answered with 400 and a reason — never 500, never a frozen server.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { MAX_JSON_DEPTH } from "../../server/src/domain/json-limits.js";
import { assertUnchanged, getRun, pausedRun } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

interface ErrorBody {
  error: string;
  reason: string;
  fieldErrors?: { field: string; description: string }[];
}

/** Generous: a frozen event loop takes far longer; a prompt answer takes milliseconds. */
// Generous for a loaded 2-core CI machine; exponential backtracking took minutes (192 s measured).
const DEADLINE_MS = 60_000;

describe("hostile input over HTTP: refused with 400 and a reason, like gRPC", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  const resume = async (
    id: string,
    bodyText: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: ErrorBody }> => {
    const res = await fetch(`http://${server.httpAddress}/api/runs/${id}/resume`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: server.authHeader, ...headers },
      body: bodyText,
      signal: AbortSignal.timeout(DEADLINE_MS),
    });
    return { status: res.status, body: (await res.json()) as ErrorBody };
  };

  test("odd request targets are answered, never left hanging: '//%' and '//api/…' are paths, not hosts", async () => {
    const [host, port] = server.httpAddress.split(":");
    const get = (path: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request({ host, port: Number(port), path, headers: { authorization: server.authHeader }, timeout: 30_000 }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("timeout", () => req.destroy(new Error(`no answer to GET ${path}`)));
        req.on("error", reject);
        req.end();
      });
    assert.equal(await get("//%"), 200, "a path outside /api/ is the web UI");
    assert.equal(await get("//api/runs/x"), 200, "not the route /runs/x of a host named api");
    assert.equal(await get("/api/runs/%zz"), 404, "an undecodable segment matches no route");
  });

  test("input nested 10,000 deep is a 400 naming the depth limit, not a 500", async () => {
    const paused = await pausedRun(server);
    const deep = `{"input":${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}}`;
    const { status, body } = await resume(paused.id, deep);
    assert.equal(status, 400, body.error);
    assert.equal(body.reason, "INVALID_RUN_INPUT");
    assert.ok(body.error.includes(`${MAX_JSON_DEPTH} levels`), body.error);
    await assertUnchanged(server, paused);
  });

  test("arrays nested 10,000 deep are a 400 too", async () => {
    const paused = await pausedRun(server);
    const { status, body } = await resume(paused.id, `{"input":{"a":${"[".repeat(10_000)}${"]".repeat(10_000)}}}`);
    assert.equal(status, 400, body.error);
    assert.equal(body.reason, "INVALID_RUN_INPUT");
    await assertUnchanged(server, paused);
  });

  test("a catastrophic-backtracking pattern answers at once over HTTP as over gRPC", async () => {
    const paused = await pausedRun(server, { inputSchema: { type: "object", properties: { s: { type: "string", pattern: "^(a+)+$" } } } });
    const { status, body } = await resume(paused.id, JSON.stringify({ input: { s: `${"a".repeat(39)}b` } }));
    assert.equal(status, 400, body.error);
    assert.equal(body.reason, "INVALID_RUN_INPUT");
    assert.deepEqual(
      body.fieldErrors?.map((f) => f.field),
      ["s"],
    );
  });

  test("a key containing U+0000 is a 400, and so is its retry with the same idempotency key; the run stays paused", async () => {
    const paused = await pausedRun(server);
    for (let attempt = 0; attempt < 2; attempt++) {
      const { status, body } = await resume(paused.id, '{"input":{"a\\u0000b":1}}', { "idempotency-key": "nul-key" });
      assert.equal(status, 400, body.error);
      assert.equal(body.reason, "INVALID_RUN_INPUT");
      assert.ok(body.error.includes("U+0000"), body.error);
    }
    await assertUnchanged(server, paused);
    assert.equal((await getRun(server, paused.id)).state!.type, StateType.STATE_TYPE_PAUSED);
  });
});
