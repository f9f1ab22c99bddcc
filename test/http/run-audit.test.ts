/**
 * GET /api/runs/:id/audit: a run's audit trail over the HTTP API, newest first, read through the
 * same reader as AuditService.ListAuditEvents (issue 10 item 6, the run page's source).
 */
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { AuditEntryJson, AuditPageJson } from "../../server/src/http/api-types.js";
import { as } from "../support/as-principal.js";
import { pausedRun, runningRun } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

describe("a run's audit trail over HTTP (GET /api/runs/:id/audit)", () => {
  let server: TestServer;
  let base: string;
  const secrets = new Map<string, string>();
  const keyIds = new Map<string, string>();

  before(async () => {
    server = await startTestServer({ env: { FLOWGATE_HTTP_ADDRESS: "127.0.0.1:0" } });
    base = `http://${server.httpAddress}`;
    for (const [name, scopes] of [
      ["alice", ["runs:read", "runs:resume"]],
      ["ops-bot", ["runs:resume"]],
      ["auditor", ["runs:read"]],
      ["deployer", ["deployments:write"]],
    ] as const) {
      const { key, secret } = await server.keys.createKey({ name, scopes: [...scopes] });
      secrets.set(name, secret);
      keyIds.set(name, key!.id);
    }
  });
  after(() => server.stop());

  function bearer(name: string): Record<string, string> {
    return { authorization: `Bearer ${secrets.get(name)!}` };
  }

  async function get(path: string, headers: Record<string, string> = { authorization: server.authHeader }): Promise<Answer> {
    const res = await fetch(`${base}${path}`, { headers });
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function resumeOverHttp(runId: string, who: string, input?: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${base}/api/runs/${runId}/resume`, {
      method: "POST",
      headers: { ...bearer(who), "content-type": "application/json" },
      body: JSON.stringify(input === undefined ? {} : { input }),
    });
    assert.equal(res.status, 200, await res.text());
  }

  async function entries(runId: string, headers?: Record<string, string>): Promise<AuditEntryJson[]> {
    const page = await get(`/api/runs/${runId}/audit`, headers);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    return (page.body as unknown as AuditPageJson).entries;
  }

  test("names who did what to the run, through what, newest first: an HTTP resume by alice, then a gRPC pause and resume by ops-bot", async () => {
    const started = Date.now();
    const run = await pausedRun(server, { key: "approval" });
    await resumeOverHttp(run.id, "alice", { approved: true, note: "ship it" });
    const bot = as(server.address, secrets.get("ops-bot")!, "cli");
    try {
      await server.runs.pauseFlowRun({ flowRunId: run.id, key: "second-look" });
      await bot.resume(run.id, { approved: false });
    } finally {
      bot.close();
    }
    await runningRun(server); // another run's entries are not this run's

    const trail = await entries(run.id, bearer("alice"));
    assert.deepEqual(
      trail.map((e) => [e.principal, e.channel, e.call, e.pauseKey]),
      [
        ["ops-bot", "cli", "flowgate.v1.RunService/ResumeFlowRun", "second-look"],
        ["admin", "grpc", "flowgate.v1.RunService/PauseFlowRun", "second-look"],
        ["alice", "http-api", "POST /api/runs/:id/resume", "approval"],
        ["admin", "grpc", "flowgate.v1.RunService/PauseFlowRun", "approval"],
        ["admin", "grpc", "flowgate.v1.RunService/CreateFlowRun", null],
      ],
    );
    const sequences = trail.map((e) => e.sequence);
    assert.deepEqual(
      sequences,
      [...sequences].sort((a, b) => b - a),
      "numbered in the trail's order, newest first",
    );

    const byAlice = trail[2]!;
    assert.deepEqual(byAlice.input, { approved: true, note: "ship it" });
    assert.equal(byAlice.inputSha256, null);
    assert.equal(byAlice.keyId, keyIds.get("alice"));
    assert.equal(trail[0]!.keyId, keyIds.get("ops-bot"));
    assert.deepEqual([byAlice.stateBefore?.type, byAlice.stateAfter?.type], ["PAUSED", "RUNNING"]);
    const time = Date.parse(byAlice.time);
    assert.ok(time >= started - 1000 && time <= Date.now() + 1000, `the entry's time (${byAlice.time}) is when the call was made`);
    // The state the resume made is the run's, and names the same principal and channel.
    const json = (await get(`/api/runs/${run.id}`)).body as {
      stateHistory: { id: string; by: { principal: string; channel: string } | null }[];
    };
    assert.deepEqual(json.stateHistory.find((s) => s.id === byAlice.stateAfter?.id)?.by, { principal: "alice", channel: "http-api" });
    assert.deepEqual(trail[0]!.input, { approved: false });
  });

  test("an input over 4 KiB is kept only as the SHA-256 of its JSON", async () => {
    const run = await pausedRun(server, { key: "big" });
    const input = { blob: "x".repeat(5000) };
    await resumeOverHttp(run.id, "alice", input);
    const [resume] = await entries(run.id);
    assert.equal(resume!.call, "POST /api/runs/:id/resume");
    assert.equal(resume!.input, null);
    assert.equal(resume!.inputSha256, createHash("sha256").update(JSON.stringify(input)).digest("hex"));
  });

  test("pages with pageSize and pageToken, newest first to oldest; bad paging is 400 naming the field", async () => {
    const run = await pausedRun(server, { key: "one" });
    await resumeOverHttp(run.id, "alice");
    await server.runs.pauseFlowRun({ flowRunId: run.id, key: "two" });
    const all = await entries(run.id);
    assert.equal(all.length, 4);

    const seen: AuditEntryJson[] = [];
    let token = "";
    let pages = 0;
    do {
      const page = await get(`/api/runs/${run.id}/audit?pageSize=3&pageToken=${encodeURIComponent(token)}`);
      assert.equal(page.status, 200);
      const body = page.body as unknown as AuditPageJson;
      seen.push(...body.entries);
      token = body.nextPageToken;
      pages++;
    } while (token);
    assert.equal(pages, 2);
    assert.deepEqual(
      seen.map((e) => e.id),
      all.map((e) => e.id),
    );

    const tooBig = await get(`/api/runs/${run.id}/audit?pageSize=501`);
    assert.equal(tooBig.status, 400);
    assert.deepEqual(
      (tooBig.body["fieldErrors"] as { field: string }[]).map((f) => f.field),
      ["pageSize"],
    );
    const forged = await get(`/api/runs/${run.id}/audit?pageToken=${Buffer.from("a:1").toString("base64url")}`);
    assert.equal(forged.status, 400, "an oldest-first token (as AuditService issues) is not read newest-first");
    assert.deepEqual(
      (forged.body["fieldErrors"] as { field: string }[]).map((f) => f.field),
      ["pageToken"],
    );
  });

  test("an unknown run is 404 FLOW_RUN_NOT_FOUND, a malformed id 400", async () => {
    const missing = await get(`/api/runs/${randomUUID()}/audit`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body["reason"], "FLOW_RUN_NOT_FOUND");
    const malformed = await get("/api/runs/not-a-uuid/audit");
    assert.equal(malformed.status, 400);
    assert.deepEqual(malformed.body["fieldErrors"], [{ field: "flowRunId", description: "must be a UUID" }]);
  });

  test("needs a key with runs:read: none is 401, another scope 403, a read-only key reads it", async () => {
    const run = await pausedRun(server, { key: "who-may-read" });
    const none = await get(`/api/runs/${run.id}/audit`, {});
    assert.deepEqual([none.status, none.body["reason"]], [401, "UNAUTHENTICATED"]);
    const wrongKey = await get(`/api/runs/${run.id}/audit`, { authorization: "Bearer fgk_not-a-key" });
    assert.deepEqual([wrongKey.status, wrongKey.body["reason"]], [401, "UNAUTHENTICATED"]);
    const deployer = await get(`/api/runs/${run.id}/audit`, bearer("deployer"));
    assert.deepEqual([deployer.status, deployer.body["reason"]], [403, "PERMISSION_DENIED"]);
    assert.equal((await entries(run.id, bearer("auditor"))).length, 2);
  });
});
