/**
 * Side doors a stranger with a key of their own would try (issue 10, item 7): reusing another
 * principal's request id (A07), claiming to be another sender, and overwriting a deployment that
 * belongs to someone else.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { expectGrpcError, withDatabase } from "../support/fixtures.js";
import { as, type Caller } from "../support/as-principal.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

describe("side doors", () => {
  let server: TestServer;
  let alice: Caller;
  let mallory: Caller;
  let admin: Caller;

  before(async () => {
    server = await startTestServer();
    const scopes = ["runs:write", "runs:resume", "deployments:write", "runs:read"];
    alice = as(server.address, (await server.keys.createKey({ name: "alice", scopes })).secret);
    mallory = as(server.address, (await server.keys.createKey({ name: "mallory", scopes })).secret);
    admin = as(server.address, server.apiKey);
  });
  after(async () => {
    for (const c of [alice, mallory, admin]) c.close();
    await server.stop();
  });

  test("A07 a request id reused by another principal never returns the first principal's run", async () => {
    const requestId = `job-42-${randomUUID().slice(0, 8)}`;
    const first = (await alice.createFlowRun({ parameters: { account: "alice-secret" }, requestId })).flowRun!;
    const other = (await mallory.createFlowRun({ parameters: { account: "mallory" }, requestId })).flowRun!;
    assert.notEqual(other.id, first.id, "mallory got a run of her own");
    assert.deepEqual(other.parameters, { account: "mallory" }, "and never saw alice's parameters");
    const retry = (await alice.createFlowRun({ parameters: { account: "alice-secret" }, requestId })).flowRun!;
    assert.equal(retry.id, first.id, "alice's own retry is still answered with her first run");
  });

  test("A07 a resume's request id reused by another principal is not taken for the winning resume's retry", async () => {
    const { deployment } = await alice.createDeployment(`d-${randomUUID().slice(0, 8)}`);
    const run = await alice.createRunningRun(deployment!.id);
    await alice.pause(run.id, "gate");
    const requestId = `resume-${randomUUID().slice(0, 8)}`;
    await alice.resume(run.id, { ok: true }, requestId);
    assert.equal((await alice.resume(run.id, { ok: true }, requestId)).flowRun!.state!.type, StateType.STATE_TYPE_RUNNING, "alice's retry");
    await expectGrpcError(mallory.resume(run.id, { ok: false }, requestId), status.FAILED_PRECONDITION, undefined, "NOT_PAUSED");
  });

  test("an input's sender is the caller's principal, whatever the request claims", async () => {
    const target = (await alice.createFlowRun({})).flowRun!;
    const from = (await mallory.createFlowRun({})).flowRun!;

    const claimed = await mallory.createInput({ flowRunId: target.id, key: "claim", value: "pay", sender: "billing-service" });
    assert.equal(claimed.input!.sender, "mallory");
    assert.equal(claimed.input!.senderFlowRunId, "", "a sender that is not a run id is dropped");

    const read = await server.runs.readFlowRunInput({ flowRunId: target.id, key: "claim" });
    assert.equal(read.input!.sender, "mallory", "as stored");

    // Older clients put their own run's id in `sender`: it becomes the run replies go to.
    const legacy = await mallory.createInput({ flowRunId: target.id, key: "legacy", value: 1, sender: from.id });
    assert.deepEqual([legacy.input!.sender, legacy.input!.senderFlowRunId], ["mallory", from.id]);

    const explicit = await mallory.createInput({ flowRunId: target.id, key: "explicit", value: 2, senderFlowRunId: from.id });
    assert.deepEqual([explicit.input!.sender, explicit.input!.senderFlowRunId], ["mallory", from.id]);
    await expectGrpcError(
      mallory.createInput({ flowRunId: target.id, key: "nowhere", value: 3, senderFlowRunId: randomUUID() }),
      status.NOT_FOUND,
      "Sender flow run",
      "FLOW_RUN_NOT_FOUND",
    );
  });

  test("a deployment that belongs to another principal is refused DEPLOYMENT_EXISTS; its owner and admins may change it", async () => {
    const name = `payroll-${randomUUID().slice(0, 8)}`;
    const created = await alice.createDeployment({ name, entrypoint: "payroll.ts:run" });
    assert.equal(created.created, true);
    assert.equal(created.deployment!.owner, "alice");

    await expectGrpcError(
      mallory.createDeployment({ name, entrypoint: "evil.ts:run" }),
      status.ALREADY_EXISTS,
      "belongs to alice",
      "DEPLOYMENT_EXISTS",
    );
    const stored = await server.deployments.getDeployment({ fullName: `audited-flow/${name}` });
    assert.equal(stored.deployment!.entrypoint, "payroll.ts:run", "unchanged");

    const byOwner = await alice.createDeployment({ name, entrypoint: "payroll.ts:run2" });
    assert.deepEqual([byOwner.created, byOwner.deployment!.entrypoint, byOwner.deployment!.owner], [false, "payroll.ts:run2", "alice"]);
    const byAdmin = await admin.createDeployment({ name, entrypoint: "payroll.ts:fixed" });
    assert.deepEqual([byAdmin.created, byAdmin.deployment!.entrypoint, byAdmin.deployment!.owner], [false, "payroll.ts:fixed", "alice"]);
  });

  test("a deployment stored before owners were recorded belongs to the first principal that changes it", async () => {
    const name = `legacy-${randomUUID().slice(0, 8)}`;
    const { deployment } = await alice.createDeployment({ name });
    await withDatabase(server.database, async (db) => {
      const r = await db.collection<{ _id: string }>("deployments").updateOne({ _id: deployment!.id }, { $unset: { owner: "" } });
      assert.equal(r.modifiedCount, 1);
    });
    const claimed = await mallory.createDeployment({ name, entrypoint: "mine.ts:run" });
    assert.deepEqual([claimed.created, claimed.deployment!.owner], [false, "mallory"]);
    await expectGrpcError(alice.createDeployment({ name }), status.ALREADY_EXISTS, undefined, "DEPLOYMENT_EXISTS");
  });
});
