import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WaitEventType, WaitForResumeRequest, WatchFlowRunRequest } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { StreamReader } from "../support/grpc-client.js";
import { runningRun, withDatabase } from "../support/fixtures.js";
import { startServerProcess, startTestServer, type ServerProcess } from "../support/test-server.js";

describe("two server processes on one store", () => {
  let a: ServerProcess;
  let b: ServerProcess;
  before(async () => {
    a = await startServerProcess();
    b = await startServerProcess({ database: a.database });
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  test("S22 a resume sent to one server wakes a WaitForResume held by the other, and watchers on either see changes made through the other", async () => {
    const run = await runningRun(a);
    await a.runs.pauseFlowRun({ flowRunId: run.id, key: "1" });

    const waitOnB = new StreamReader(b.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: run.id, key: "1" })));
    assert.equal((await waitOnB.next()).type, WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT);
    const watchOnA = new StreamReader(a.rawRuns.watchFlowRun(WatchFlowRunRequest.fromPartial({ flowRunId: run.id })));
    assert.equal((await watchOnA.next()).event!.flowRun!.state!.type, StateType.STATE_TYPE_PAUSED);

    await a.runs.resumeFlowRun({ flowRunId: run.id, runInput: { approved: true } });
    const final = await waitOnB.next();
    assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
    assert.deepEqual(final.runInput, { approved: true });
    assert.equal(await waitOnB.closed(), undefined);

    // A state change made through B reaches the watcher held by A.
    assert.equal((await watchOnA.next()).event!.flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);
    await b.runs.setFlowRunState({ flowRunId: run.id, state: { type: StateType.STATE_TYPE_COMPLETED } });
    const completed = await watchOnA.next();
    assert.equal(completed.event!.flowRun!.state!.type, StateType.STATE_TYPE_COMPLETED);
    assert.equal(completed.event!.previousState!.type, StateType.STATE_TYPE_RUNNING);
  });
});

describe("a change whose event never reached the feed", () => {
  test("S22 a waiter on another server still learns of a resume stored by a server that died before announcing it", async () => {
    const server = await startTestServer({ env: { FLOWGATE_RECONCILE_MS: "300" } });
    try {
      const run = await runningRun(server);
      const { flowRun: paused } = await server.runs.pauseFlowRun({ flowRunId: run.id, key: "1" });
      const wait = new StreamReader(server.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: run.id, key: "1" })));
      assert.equal((await wait.next()).type, WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT);

      // What a server leaves behind when it stores a resume and dies before appending the event
      // (user JSON such as run inputs is stored as JSON text).
      await withDatabase(server.database, async (db) => {
        const runs = db.collection<{ _id: string; version: number }>("flow_runs");
        const stored = await runs.findOne({ _id: run.id });
        assert.ok(stored);
        const doc = stored as unknown as { pauses: Record<string, Record<string, unknown>>; state: Record<string, unknown> };
        await runs.updateOne(
          { _id: run.id, version: paused!.version },
          {
            $set: {
              version: paused!.version + 1,
              state: { ...doc.state, id: "lost-event-state", type: "RUNNING", name: "Running", details: {} },
              pauses: { ...doc.pauses, "1": { ...doc.pauses["1"], status: "resumed", runInput: JSON.stringify({ from: "nowhere" }) } },
            },
          },
        );
      });

      const final = await wait.next(5_000);
      assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
      assert.deepEqual(final.runInput, { from: "nowhere" });
    } finally {
      await server.stop();
    }
  });
});
