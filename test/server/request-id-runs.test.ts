/**
 * A run made by a call with a request id is named by that id (runIdFor), so a retry of a call whose run
 * was stored but whose outcome was not (its server or its store died in between, as the fault suite's
 * store kill does) finds that run instead of making a second one. Reproduced here by removing the
 * request log's record of the first try, which is what such a death leaves behind.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { runIdFor } from "../../server/src/domain/run-creation.js";
import { COLLECTIONS } from "../../server/src/store/collections.js";
import { withDatabase } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

async function forgetOutcomes(server: TestServer, requestId: string): Promise<void> {
  await withDatabase(server.database, async (db) => {
    const r = await db.collection<{ _id: string }>(COLLECTIONS.requests).deleteMany({ _id: { $regex: `:${requestId}$` } });
    assert.equal(r.deletedCount, 1, "the first try's outcome was recorded");
  });
}

async function runsOfFlow(server: TestServer, flowName: string): Promise<string[]> {
  return (await server.runs.listFlowRuns({ flowName, pageSize: 50 })).flowRuns.map((r) => r.id);
}

describe("a retried create whose outcome was lost", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("CreateFlowRun: the retry answers the run the first try made, and there is one run", async () => {
    const flowName = `lost-outcome-${randomUUID()}`;
    const requestId = randomUUID();
    const { flowRun: first } = await server.runs.createFlowRun({ flowName, requestId, state: { type: StateType.STATE_TYPE_RUNNING } });
    await forgetOutcomes(server, requestId);
    const { flowRun: retried } = await server.runs.createFlowRun({ flowName, requestId, state: { type: StateType.STATE_TYPE_RUNNING } });
    assert.equal(retried!.id, first!.id);
    assert.deepEqual(await runsOfFlow(server, flowName), [first!.id]);
  });

  test("RunDeployment: the same", async () => {
    const flowName = `lost-outcome-deploy-${randomUUID()}`;
    const { deployment } = await server.deployments.createDeployment({ name: "nightly", flowName });
    const requestId = randomUUID();
    const { flowRun: first } = await server.deployments.runDeployment({ deploymentId: deployment!.id, requestId });
    await forgetOutcomes(server, requestId);
    const { flowRun: retried } = await server.deployments.runDeployment({ deploymentId: deployment!.id, requestId });
    assert.equal(retried!.id, first!.id);
    assert.deepEqual(await runsOfFlow(server, flowName), [first!.id]);
  });

  test("without a request id every call makes its own run", async () => {
    const flowName = `no-request-id-${randomUUID()}`;
    await server.runs.createFlowRun({ flowName });
    await server.runs.createFlowRun({ flowName });
    assert.equal((await runsOfFlow(server, flowName)).length, 2);
  });
});

describe("runIdFor", () => {
  test("names one UUID per request key, and another for another key", () => {
    const a = runIdFor("alice/create-flow-run:job-42");
    assert.equal(a, runIdFor("alice/create-flow-run:job-42"));
    assert.notEqual(a, runIdFor("bob/create-flow-run:job-42"));
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
