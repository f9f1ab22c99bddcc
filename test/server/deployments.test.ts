import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { expectGrpcError, runningRun } from "../support/fixtures.js";

describe("running deployments", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("S24 RunDeployment with as_subflow links the child to the parent; without it the child is unlinked", async (t) => {
    const parent = await runningRun(server, { withDeployment: true });
    const { deployment } = await server.deployments.createDeployment({ name: "nightly", flowName: "child-flow", parameters: { size: 1 } });

    /** Starts the child the way a runner would: SCHEDULED → RUNNING. */
    async function start(flowRunId: string) {
      const { flowRun } = await server.runs.setFlowRunState({ flowRunId, state: { type: StateType.STATE_TYPE_RUNNING } });
      return flowRun!;
    }

    await t.test("as_subflow true: linked through a task run of the parent, and cannot be suspended", async () => {
      const { flowRun: child } = await server.deployments.runDeployment({
        deploymentId: deployment!.id,
        asSubflow: true,
        parentFlowRunId: parent.id,
        parameters: { size: 2 },
      });
      assert.equal(child!.state!.type, StateType.STATE_TYPE_SCHEDULED);
      assert.equal(child!.deploymentId, deployment!.id);
      assert.equal(child!.flowName, "child-flow");
      assert.deepEqual(child!.parameters, { size: 2 });
      assert.equal(child!.parentFlowRunId, parent.id);
      assert.notEqual(child!.parentTaskRunId, "");
      const { taskRun } = await server.runs.getTaskRun({ taskRunId: child!.parentTaskRunId });
      assert.equal(taskRun!.flowRunId, parent.id, "the linking task run belongs to the parent");

      await start(child!.id);
      await expectGrpcError(server.runs.suspendFlowRun({ flowRunId: child!.id }), status.FAILED_PRECONDITION, "Cannot suspend subflows.");
      const { flowRun: after } = await server.runs.getFlowRun({ flowRunId: child!.id });
      assert.equal(after!.state!.type, StateType.STATE_TYPE_RUNNING);
    });

    await t.test("as_subflow true without a parent: INVALID_ARGUMENT; with an unknown parent: NOT_FOUND", async () => {
      await expectGrpcError(server.deployments.runDeployment({ deploymentId: deployment!.id, asSubflow: true }), status.INVALID_ARGUMENT);
      await expectGrpcError(
        server.deployments.runDeployment({
          deploymentId: deployment!.id,
          asSubflow: true,
          parentFlowRunId: "00000000-0000-4000-8000-000000000000",
        }),
        status.NOT_FOUND,
      );
    });

    await t.test("as_subflow false: unlinked (even with a parent named), and it can be suspended", async () => {
      const { flowRun: child } = await server.deployments.runDeployment({
        fullName: "child-flow/nightly",
        asSubflow: false,
        parentFlowRunId: parent.id,
      });
      assert.equal(child!.state!.type, StateType.STATE_TYPE_SCHEDULED);
      assert.equal(child!.deploymentId, deployment!.id);
      assert.deepEqual(child!.parameters, { size: 1 });
      assert.equal(child!.parentTaskRunId, "");
      assert.equal(child!.parentFlowRunId, "");

      await start(child!.id);
      const { flowRun: suspended } = await server.runs.suspendFlowRun({ flowRunId: child!.id });
      assert.equal(suspended!.state!.type, StateType.STATE_TYPE_PAUSED);
      assert.equal(suspended!.state!.name, "Suspended");
    });
  });
});
