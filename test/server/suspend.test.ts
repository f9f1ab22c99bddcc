import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import {
  WaitEventType,
  WaitForResumeRequest,
  WatchFlowRunRequest,
  type WaitForResumeResponse,
  type WatchFlowRunResponse,
} from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { StreamReader } from "../support/grpc-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { expectGrpcError, expectStreamEnded, pausedRun, readUntilFinal, runningRun } from "../support/fixtures.js";

const HOUR_MS = 3600_000;

describe("suspending a flow run", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("S16 suspending a RUNNING run with a deployment gives PAUSED Suspended, reschedule, 3600 s by default, never with no_timeout", async (t) => {
    await t.test("default timeout: 3600 s", async () => {
      const run = await runningRun(server, { withDeployment: true });
      const before = Date.now();
      const { flowRun, alreadyFired } = await server.runs.suspendFlowRun({ flowRunId: run.id });
      assert.equal(alreadyFired, false);
      const state = flowRun!.state!;
      assert.equal(state.type, StateType.STATE_TYPE_PAUSED);
      assert.equal(state.name, "Suspended");
      assert.equal(state.details!.pauseKey, "1");
      assert.equal(state.details!.pauseReschedule, true);
      assert.equal(state.details!.deploymentId, run.deploymentId);
      const expiresIn = state.details!.pauseExpiresAt!.getTime() - before;
      assert.ok(expiresIn >= HOUR_MS - 5_000 && expiresIn <= HOUR_MS + 5_000, `expiry ${expiresIn} ms from now`);
      assert.equal(flowRun!.pause!.reschedule, true);
      assert.equal(flowRun!.pause!.expiresAt!.getTime(), state.details!.pauseExpiresAt!.getTime());
    });

    await t.test("no_timeout: no expiry at all", async () => {
      const run = await runningRun(server, { withDeployment: true });
      const { flowRun } = await server.runs.suspendFlowRun({ flowRunId: run.id, noTimeout: true });
      assert.equal(flowRun!.state!.name, "Suspended");
      assert.equal(flowRun!.state!.details!.pauseExpiresAt, undefined);
      assert.equal(flowRun!.pause!.expiresAt, undefined);
      const { flowRun: read } = await server.runs.getFlowRun({ flowRunId: run.id });
      assert.equal(read!.state!.details!.pauseExpiresAt, undefined);
      assert.equal(read!.pause!.expiresAt, undefined);
    });
  });

  test("S17 a linked subflow or a run without a deployment cannot be suspended; a blocking pause in a subflow is allowed", async () => {
    const parent = await runningRun(server, { withDeployment: true });
    const { deployment } = await server.deployments.createDeployment({ name: "child", flowName: "child-flow" });
    const { flowRun: scheduledChild } = await server.deployments.runDeployment({
      deploymentId: deployment!.id,
      asSubflow: true,
      parentFlowRunId: parent.id,
    });
    const { flowRun: child } = await server.runs.setFlowRunState({
      flowRunId: scheduledChild!.id,
      state: { type: StateType.STATE_TYPE_RUNNING },
    });
    assert.notEqual(child!.parentTaskRunId, "");

    await expectGrpcError(server.runs.suspendFlowRun({ flowRunId: child!.id }), status.FAILED_PRECONDITION, "Cannot suspend subflows.");
    await expectGrpcError(
      server.runs.pauseFlowRun({ flowRunId: child!.id, reschedule: true }),
      status.FAILED_PRECONDITION,
      "Cannot suspend subflows.",
    );
    const { flowRun: unchanged } = await server.runs.getFlowRun({ flowRunId: child!.id });
    assert.equal(unchanged!.state!.type, StateType.STATE_TYPE_RUNNING);
    assert.equal(unchanged!.version, child!.version);

    const { flowRun: paused } = await server.runs.pauseFlowRun({ flowRunId: child!.id });
    assert.equal(paused!.state!.type, StateType.STATE_TYPE_PAUSED);
    assert.equal(paused!.state!.name, "Paused");
    assert.equal(paused!.state!.details!.pauseReschedule, false);

    const standalone = await runningRun(server);
    await expectGrpcError(
      server.runs.suspendFlowRun({ flowRunId: standalone.id }),
      status.FAILED_PRECONDITION,
      "Cannot suspend flows without a deployment.",
    );
    const { flowRun: stillRunning } = await server.runs.getFlowRun({ flowRunId: standalone.id });
    assert.equal(stillRunning!.state!.type, StateType.STATE_TYPE_RUNNING);
    assert.equal(stillRunning!.version, standalone.version);
  });

  test("S18 resuming a suspended run schedules it for a runner of its deployment, stores the input, and does not count a new run", async () => {
    const run = await runningRun(server, { withDeployment: true });
    const deploymentId = run.deploymentId;
    const runCountBefore = run.runCount;
    const schema = { type: "object", properties: { approved: { type: "boolean" } }, required: ["approved"] };
    const { flowRun: suspended } = await server.runs.suspendFlowRun({ flowRunId: run.id, key: "approval", inputSchema: schema });
    assert.equal(suspended!.state!.details!.runInputKeyset, "suspended-approval");

    const { flowRun: resumed } = await server.runs.resumeFlowRun({ flowRunId: run.id, runInput: { approved: true } });
    assert.equal(resumed!.state!.type, StateType.STATE_TYPE_SCHEDULED);
    assert.equal(resumed!.state!.name, "Resuming");
    assert.equal(resumed!.pause, undefined);

    const { input } = await server.runs.readFlowRunInput({ flowRunId: run.id, key: "suspended-approval-response" });
    assert.deepEqual(input!.value, { approved: true });

    // A runner serving another deployment does not get it; one serving its deployment does.
    const other = await runningRun(server, { withDeployment: true });
    const { flowRuns: none } = await server.deployments.claimFlowRuns({ deploymentIds: [other.deploymentId], runnerId: "runner-other" });
    assert.deepEqual(none, []);
    const { flowRuns: claimed } = await server.deployments.claimFlowRuns({
      deploymentIds: [deploymentId],
      runnerId: "runner-1",
      limit: 10,
    });
    assert.deepEqual(
      claimed.map((r) => r.id),
      [run.id],
    );
    assert.equal(claimed[0]!.state!.type, StateType.STATE_TYPE_PENDING);
    const { flowRuns: again } = await server.deployments.claimFlowRuns({ deploymentIds: [deploymentId], runnerId: "runner-2" });
    assert.deepEqual(again, [], "a claimed run is not handed to a second runner");

    const { flowRun: running } = await server.runs.setFlowRunState({ flowRunId: run.id, state: { type: StateType.STATE_TYPE_RUNNING } });
    assert.equal(running!.state!.type, StateType.STATE_TYPE_RUNNING);
    assert.equal(running!.runCount, runCountBefore);
  });

  test("S19 cancelling a suspended run goes straight to CANCELLED; cancelling an in-process pause ends its WaitForResume with CANCELLED", async (t) => {
    await t.test("suspended: CANCELLED at once, not CANCELLING", async () => {
      const run = await runningRun(server, { withDeployment: true });
      await server.runs.suspendFlowRun({ flowRunId: run.id });

      const { flowRun } = await server.runs.cancelFlowRun({ flowRunId: run.id });
      assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_CANCELLED);
      assert.equal(flowRun!.pause, undefined);
      const { flowRun: read } = await server.runs.getFlowRun({ flowRunId: run.id });
      assert.equal(read!.state!.type, StateType.STATE_TYPE_CANCELLED);
    });

    await t.test("in-process pause: the waiting stream ends with CANCELLED", async () => {
      const run = await pausedRun(server, {}, { withDeployment: true });
      const wait = new StreamReader<WaitForResumeResponse>(
        server.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: run.id, heartbeatSeconds: 1 })),
      );
      assert.equal((await wait.next()).type, WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT);

      const { flowRun } = await server.runs.cancelFlowRun({ flowRunId: run.id });
      assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_CANCELLED);

      const { final } = await readUntilFinal(wait);
      assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_CANCELLED);
      assert.equal(final.flowRun!.state!.type, StateType.STATE_TYPE_CANCELLED);
      await expectStreamEnded(wait);
    });
  });

  test("S20 suspending another run by id: its WatchFlowRun subscribers see the Suspended state at once", async () => {
    const run = await runningRun(server, { withDeployment: true });
    const watch = new StreamReader<WatchFlowRunResponse>(
      server.rawRuns.watchFlowRun(WatchFlowRunRequest.fromPartial({ flowRunId: run.id })),
    );
    try {
      const initial = (await watch.next()).event!;
      assert.equal(initial.initial, true);
      assert.equal(initial.flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);

      await server.runs.suspendFlowRun({ flowRunId: run.id });

      const event = (await watch.next(2_000)).event!;
      assert.equal(event.initial, false);
      assert.equal(event.flowRun!.id, run.id);
      assert.equal(event.flowRun!.state!.type, StateType.STATE_TYPE_PAUSED);
      assert.equal(event.flowRun!.state!.name, "Suspended");
      assert.equal(event.flowRun!.state!.details!.pauseReschedule, true);
      assert.equal(event.previousState!.type, StateType.STATE_TYPE_RUNNING);
    } finally {
      watch.cancel();
    }
  });
});
