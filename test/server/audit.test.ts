/**
 * A06: every mutating call that succeeds leaves one audit entry (who, through what, which call, run,
 * pause key, states before and after, the resume input or its hash), hash-chained so that an edited
 * entry is found; each state of a run names who caused it.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import type * as auditPb from "@flowgate/contract/flowgate/v1/audit_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { expectGrpcError, withDatabase } from "../support/fixtures.js";
import { as, type Caller } from "../support/as-principal.js";
import { startTestServer, storeUri, uniqueDatabase, type TestServer } from "../support/test-server.js";
import { ChainVerifier, sealAuditEvent, type Actor } from "../../server/src/domain/audit.js";
import { openStore } from "../../server/src/store/mongo-store.js";

/** Every entry of a run, oldest first, as (principal, channel, call, before → after, pause key). */
async function trailOf(reader: Caller, flowRunId: string): Promise<auditPb.AuditEvent[]> {
  return (await reader.list({ flowRunId })).events;
}

const S = StateType;

describe("audit trail (A06)", () => {
  let server: TestServer;
  let alice: Caller;
  let aliceCli: Caller;
  let bob: Caller;
  let reader: Caller;
  let admin: Caller;
  let aliceKeyId: string;
  let bobKeyId: string;
  let bobSecret: string;
  let base: string;

  before(async () => {
    server = await startTestServer();
    base = `http://${server.httpAddress}`;
    const a = await server.keys.createKey({ name: "alice", scopes: ["runs:write", "runs:resume", "deployments:write", "runs:read"] });
    const b = await server.keys.createKey({ name: "bob", scopes: ["runs:resume", "runs:read"] });
    const r = await server.keys.createKey({ name: "reader", scopes: ["runs:read"] });
    aliceKeyId = a.key!.id;
    bobKeyId = b.key!.id;
    bobSecret = b.secret;
    alice = as(server.address, a.secret, "sdk");
    aliceCli = as(server.address, a.secret, "cli");
    bob = as(server.address, b.secret);
    reader = as(server.address, r.secret);
    admin = as(server.address, server.apiKey);
  });
  after(async () => {
    for (const c of [alice, aliceCli, bob, reader, admin]) c.close();
    await server.stop();
  });

  /** An HTTP API call as bob (his key in the authorization header), with extra headers. */
  async function httpAsBob(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${bobSecret}`, "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 200, JSON.stringify(json));
    return json;
  }

  test("A06 create, pause, resume and suspend over gRPC and HTTP each leave one entry: who, through what, which call, run, pause key, states", async () => {
    const { deployment } = await alice.createDeployment(`d-${randomUUID().slice(0, 8)}`);
    const run = await alice.createRunningRun(deployment!.id);
    await alice.pause(run.id, "approval");
    await httpAsBob(`/api/runs/${run.id}/resume`, { input: { approved: true, note: "looks good" } });
    await aliceCli.suspend(run.id, "second-look");

    const entries = await trailOf(reader, run.id);
    assert.deepEqual(
      entries.map((e) => ({
        principal: e.principal,
        keyId: e.keyId,
        channel: e.channel,
        call: e.call,
        pauseKey: e.pauseKey,
        from: e.stateBefore?.type,
        to: e.stateAfter?.type,
      })),
      [
        {
          principal: "alice",
          keyId: aliceKeyId,
          channel: "sdk",
          call: "flowgate.v1.RunService/CreateFlowRun",
          pauseKey: "",
          from: undefined,
          to: S.STATE_TYPE_RUNNING,
        },
        {
          principal: "alice",
          keyId: aliceKeyId,
          channel: "sdk",
          call: "flowgate.v1.RunService/PauseFlowRun",
          pauseKey: "approval",
          from: S.STATE_TYPE_RUNNING,
          to: S.STATE_TYPE_PAUSED,
        },
        {
          principal: "bob",
          keyId: bobKeyId,
          channel: "http-api",
          call: "POST /api/runs/:id/resume",
          pauseKey: "approval",
          from: S.STATE_TYPE_PAUSED,
          to: S.STATE_TYPE_RUNNING,
        },
        {
          principal: "alice",
          keyId: aliceKeyId,
          channel: "cli",
          call: "flowgate.v1.RunService/SuspendFlowRun",
          pauseKey: "second-look",
          from: S.STATE_TYPE_RUNNING,
          to: S.STATE_TYPE_PAUSED,
        },
      ],
    );
    const resume = entries[2]!;
    assert.deepEqual(resume.input, { approved: true, note: "looks good" }, "a small resume input is kept whole");
    assert.equal(resume.inputSha256, "");
    assert.equal(entries[3]!.stateAfter?.name, "Suspended");
    for (const e of entries) assert.equal(e.flowRunId, run.id);
    assert.ok(
      entries.every((e, i) => i === 0 || e.sequence > entries[i - 1]!.sequence),
      "entries are listed in chain order",
    );
  });

  test("A06 suspend and cancel from the web UI and a plain gRPC client, and each state names who caused it", async () => {
    const { deployment } = await alice.createDeployment(`d-${randomUUID().slice(0, 8)}`);
    const run = await alice.createRunningRun(deployment!.id);
    await httpAsBob(`/api/runs/${run.id}/suspend`, { timeoutSeconds: 600 }, { "x-flowgate-client": "web-ui" });
    await bob.cancel(run.id);

    const entries = await trailOf(reader, run.id);
    assert.deepEqual(
      entries.map((e) => [e.principal, e.channel, e.call, e.stateBefore?.type, e.stateAfter?.type]),
      [
        ["alice", "sdk", "flowgate.v1.RunService/CreateFlowRun", undefined, S.STATE_TYPE_RUNNING],
        ["bob", "web-ui", "POST /api/runs/:id/suspend", S.STATE_TYPE_RUNNING, S.STATE_TYPE_PAUSED],
        ["bob", "grpc", "flowgate.v1.RunService/CancelFlowRun", S.STATE_TYPE_PAUSED, S.STATE_TYPE_CANCELLED],
      ],
    );
    assert.equal(entries[2]!.pauseKey, entries[1]!.pauseKey, "the cancel names the pause it ended");

    // The run's own record of who caused each state: the HTTP API's state history, and the gRPC state.
    const res = await fetch(`${base}/api/runs/${run.id}`, { headers: { authorization: server.authHeader } });
    const body = (await res.json()) as { state: { type: string; by: unknown }; stateHistory: { type: string; by: unknown }[] };
    assert.deepEqual(
      body.stateHistory.map((s) => [s.type, s.by]),
      [
        ["RUNNING", { principal: "alice", channel: "sdk" }],
        ["PAUSED", { principal: "bob", channel: "web-ui" }],
      ],
    );
    assert.deepEqual(body.state.by, { principal: "bob", channel: "grpc" });
    const { flowRun } = await server.runs.getFlowRun({ flowRunId: run.id });
    assert.deepEqual(flowRun!.state!.by, { principal: "bob", channel: "grpc" });
  });

  test("a resume input larger than 4 KiB is recorded by its SHA-256 only", async () => {
    const { deployment } = await alice.createDeployment(`d-${randomUUID().slice(0, 8)}`);
    const run = await alice.createRunningRun(deployment!.id);
    await alice.pause(run.id, "big");
    await bob.resume(run.id, { text: "x".repeat(5000) });
    const resume = (await trailOf(reader, run.id)).at(-1)!;
    assert.equal(resume.call, "flowgate.v1.RunService/ResumeFlowRun");
    assert.equal(resume.input, undefined);
    assert.match(resume.inputSha256, /^[0-9a-f]{64}$/);
  });

  test("refused (403) and failed calls leave no entry", async () => {
    const { deployment } = await alice.createDeployment(`d-${randomUUID().slice(0, 8)}`);
    const run = await alice.createRunningRun(deployment!.id);
    await expectGrpcError(reader.cancel(run.id), status.PERMISSION_DENIED, undefined, "PERMISSION_DENIED");
    await expectGrpcError(bob.resume(run.id), status.FAILED_PRECONDITION, undefined, "NOT_PAUSED");
    const entries = await trailOf(reader, run.id);
    assert.deepEqual(
      entries.map((e) => e.call),
      ["flowgate.v1.RunService/CreateFlowRun"],
    );
  });

  test("entries are read by principal and time, a page at a time", async () => {
    const { secret } = await server.keys.createKey({
      name: "carol",
      scopes: ["runs:write", "runs:resume", "deployments:write", "runs:read"],
    });
    const carol = as(server.address, secret);
    try {
      const { deployment } = await carol.createDeployment(`d-${randomUUID().slice(0, 8)}`);
      const runs = [await carol.createRunningRun(deployment!.id), await carol.createRunningRun(deployment!.id)];
      for (const r of runs) await carol.cancel(r.id);

      const pages: auditPb.AuditEvent[][] = [];
      let pageToken = "";
      do {
        const page = await reader.list({ principal: "carol", pageSize: 2, pageToken });
        pages.push(page.events);
        pageToken = page.nextPageToken;
      } while (pageToken);
      assert.deepEqual(
        pages.map((p) => p.length),
        [2, 2, 1],
      );
      const all = pages.flat();
      assert.deepEqual(
        all.map((e) => [e.call, e.flowRunId]),
        [
          ["flowgate.v1.DeploymentService/CreateDeployment", ""],
          ["flowgate.v1.RunService/CreateFlowRun", runs[0]!.id],
          ["flowgate.v1.RunService/CreateFlowRun", runs[1]!.id],
          ["flowgate.v1.RunService/CancelFlowRun", runs[0]!.id],
          ["flowgate.v1.RunService/CancelFlowRun", runs[1]!.id],
        ],
      );
      assert.equal(all[0]!.subject, `deployment:${deployment!.id}`);

      // Time ranges are [start, end): from the first entry's time on, everything; before it, nothing.
      const firstTime = all[0]!.time!;
      const lastTime = all.at(-1)!.time!;
      const within = await reader.list({ principal: "carol", startTime: firstTime, endTime: new Date(lastTime.getTime() + 1) });
      assert.equal(within.events.length, all.length);
      assert.deepEqual((await reader.list({ principal: "carol", endTime: firstTime })).events, []);
      await expectGrpcError(reader.list({ pageToken: "nonsense" }), status.INVALID_ARGUMENT, undefined, "INVALID_ARGUMENT");
    } finally {
      carol.close();
    }
  });

  test("the chain verifies intact, and an entry edited in the store is named (admin only)", async () => {
    await expectGrpcError(reader.verify(), status.PERMISSION_DENIED, undefined, "PERMISSION_DENIED");
    const intact = await admin.verify();
    assert.equal(intact.intact, true);
    assert.ok(intact.checked > 0);

    const { deployment } = await alice.createDeployment(`d-${randomUUID().slice(0, 8)}`);
    const run = await alice.createRunningRun(deployment!.id);
    await bob.cancel(run.id);
    const cancel = (await trailOf(reader, run.id)).at(-1)!;
    await withDatabase(server.database, async (db) => {
      const r = await db.collection<{ _id: string }>("audit_events").updateOne({ id: cancel.id }, { $set: { principal: "alice" } });
      assert.equal(r.modifiedCount, 1);
    });
    const broken = await admin.verify();
    assert.equal(broken.intact, false);
    assert.equal(broken.brokenSequence, cancel.sequence);
    assert.equal(broken.brokenId, cancel.id);
    assert.equal(broken.problem, "hash");
  });
});

describe("audit trail across servers", () => {
  test("two servers on one store append concurrently into one gapless chain", async () => {
    const one = await startTestServer();
    const two = await startTestServer({ database: one.database });
    try {
      const { deployment } = await one.deployments.createDeployment({ name: "shared", flowName: "audited-flow" });
      const created = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 === 0 ? one : two).runs.createFlowRun({
            flowName: "audited-flow",
            deploymentId: deployment!.id,
            state: { type: StateType.STATE_TYPE_RUNNING },
          }),
        ),
      );
      await Promise.all(created.map(({ flowRun }, i) => (i % 2 === 0 ? two : one).runs.cancelFlowRun({ flowRunId: flowRun!.id })));
      const admin = as(one.address, one.apiKey);
      try {
        const verdict = await admin.verify();
        assert.equal(verdict.intact, true, `broken at ${verdict.brokenSequence} (${verdict.problem})`);
        assert.equal(verdict.checked, 1 + 12 + 12, "one entry per call: the deployment, 12 creations, 12 cancels");
        const events = (await admin.list({ pageSize: 500 })).events;
        assert.deepEqual(
          events.map((e) => e.sequence),
          Array.from({ length: 25 }, (_, i) => i + 1),
        );
      } finally {
        admin.close();
      }
    } finally {
      await two.stop();
      await one.stop();
    }
  });

  test("hundreds of appends at once from two servers on one store land as one gapless chain, each told its own entry", async () => {
    const uri = await storeUri();
    const database = uniqueDatabase();
    const [a, b] = await Promise.all([openStore({ uri, defaultDatabase: database }), openStore({ uri, defaultDatabase: database })]);
    try {
      const actor = (principal: string): Actor => ({ principal, channel: "grpc", call: "test", admin: false });
      const appendMany = (store: typeof a, principal: string) =>
        Promise.all(
          Array.from({ length: 150 }, (_, i) =>
            store.audit.append((seq, prevHash) =>
              sealAuditEvent(actor(principal), { pauseKey: `k${i}` }, new Date(), randomUUID(), seq, prevHash),
            ),
          ),
        );
      const [fromA, fromB] = await Promise.all([appendMany(a, "server-a"), appendMany(b, "server-b")]);
      const told = [...fromA, ...fromB].map((e) => e.seq).sort((x, y) => x - y);
      assert.deepEqual(
        told,
        Array.from({ length: 300 }, (_, i) => i + 1),
        "every append was told a number of its own, 1 to 300",
      );
      const stored = await a.audit.list({}, 0, 500);
      const verifier = new ChainVerifier();
      assert.equal(verifier.check(stored), undefined, "the chain is intact");
      assert.equal(verifier.checked, 300);
      for (const e of fromB) assert.deepEqual(stored[e.seq - 1], e, "what an append was told is what was stored");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
