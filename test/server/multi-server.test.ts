import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WaitEventType, WaitForResumeRequest, WatchFlowRunRequest } from "../../server/src/gen/flowgate/v1/run_service.js";
import { StateType } from "../../server/src/gen/flowgate/v1/types.js";
import { StreamReader } from "../support/grpc-client.js";
import { runningRun } from "../support/fixtures.js";
import { startServerProcess, type ServerProcess } from "../support/test-server.js";

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
