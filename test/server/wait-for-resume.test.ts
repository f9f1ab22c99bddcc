import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WaitEventType, WaitForResumeRequest, type WaitForResumeResponse } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { StreamReader } from "../support/grpc-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { expectStreamEnded, pausedRun, readUntilFinal } from "../support/fixtures.js";

describe("waiting for a resume (WaitForResume)", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  /** A waiting process's stream, with a heartbeat every second. */
  function waitForResume(flowRunId: string, key = ""): StreamReader<WaitForResumeResponse> {
    return new StreamReader(server.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId, key, heartbeatSeconds: 1 })));
  }

  /** The first message of a wait on a pending pause is a heartbeat; once it arrived the server is listening. */
  async function expectHeartbeat(wait: StreamReader<WaitForResumeResponse>, key: string): Promise<void> {
    const first = await wait.next();
    assert.equal(first.type, WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT);
    assert.equal(first.key, key);
    assert.equal(first.flowRun!.state!.type, StateType.STATE_TYPE_PAUSED);
  }

  test("S14 WaitForResume streams heartbeats, then exactly one final event, then ends", async (t) => {
    await t.test("RESUMED, with the input, when the pause is resumed", async () => {
      const run = await pausedRun(server);
      const wait = waitForResume(run.id);
      await expectHeartbeat(wait, "1");
      // Heartbeats go on while the pause waits (one at once, then one a second).
      await expectHeartbeat(wait, "1");

      await server.runs.resumeFlowRun({ flowRunId: run.id, runInput: { name: "Marvin", answer: 42 } });

      const { heartbeats, final } = await readUntilFinal(wait);
      assert.ok(heartbeats.every((h) => h.key === "1"));
      assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
      assert.equal(final.key, "1");
      assert.deepEqual(final.runInput, { name: "Marvin", answer: 42 });
      assert.equal(final.flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);
      await expectStreamEnded(wait);
    });

    await t.test("TIMED_OUT when the pause expires", async () => {
      const run = await pausedRun(server, { timeoutSeconds: 2 });
      const wait = waitForResume(run.id);

      const { heartbeats, final } = await readUntilFinal(wait);
      // The first heartbeat comes at once; how many more fit before the expiry depends on the machine.
      assert.ok(heartbeats.length >= 1, "a heartbeat before the pause expired");
      assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_TIMED_OUT);
      assert.equal(final.key, "1");
      assert.equal(final.runInput, undefined);
      assert.equal(final.flowRun!.state!.type, StateType.STATE_TYPE_FAILED);
      assert.equal(final.flowRun!.state!.message, "The flow was paused and never resumed.");
      await expectStreamEnded(wait);
    });

    await t.test("CANCELLED when the run is cancelled", async () => {
      const run = await pausedRun(server);
      const wait = waitForResume(run.id);
      await expectHeartbeat(wait, "1");

      await server.runs.cancelFlowRun({ flowRunId: run.id });

      const { final } = await readUntilFinal(wait);
      assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_CANCELLED);
      assert.equal(final.key, "1");
      assert.equal(final.flowRun!.state!.type, StateType.STATE_TYPE_CANCELLED);
      await expectStreamEnded(wait);
    });

    await t.test("SUSPENDED when the run is suspended while it waits in-process", async () => {
      const run = await pausedRun(server, {}, { withDeployment: true });
      const wait = waitForResume(run.id);
      await expectHeartbeat(wait, "1");

      await server.runs.suspendFlowRun({ flowRunId: run.id });

      const { final } = await readUntilFinal(wait);
      assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_SUSPENDED);
      assert.equal(final.key, "1");
      assert.equal(final.flowRun!.state!.type, StateType.STATE_TYPE_PAUSED);
      assert.equal(final.flowRun!.state!.name, "Suspended");
      assert.equal(final.flowRun!.state!.details!.pauseReschedule, true);
      await expectStreamEnded(wait);
    });
  });

  test("S15 WaitForResume opened after the final event gets that event at once", async (t) => {
    await t.test("a pause already resumed: RESUMED with the input", async () => {
      const run = await pausedRun(server);
      await server.runs.resumeFlowRun({ flowRunId: run.id, runInput: { name: "Marvin" } });

      const wait = waitForResume(run.id, "1");
      // No heartbeat first: the final event is the first message, well before a heartbeat would be due.
      const first = await wait.next(900);
      assert.equal(first.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
      assert.equal(first.key, "1");
      assert.deepEqual(first.runInput, { name: "Marvin" });
      assert.equal(first.flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);
      await expectStreamEnded(wait);
    });

    await t.test("a pause already cancelled: CANCELLED", async () => {
      const run = await pausedRun(server);
      await server.runs.cancelFlowRun({ flowRunId: run.id });

      const wait = waitForResume(run.id, "1");
      const first = await wait.next(900);
      assert.equal(first.type, WaitEventType.WAIT_EVENT_TYPE_CANCELLED);
      assert.equal(first.flowRun!.state!.type, StateType.STATE_TYPE_CANCELLED);
      await expectStreamEnded(wait);
    });
  });
});
