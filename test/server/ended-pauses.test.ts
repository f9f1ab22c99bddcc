/**
 * A run that pauses in a loop keeps a run document of constant size: ended pauses leave it for the
 * archive of ended pauses, and everything that needs them still finds them (an already-fired key,
 * a late waiter, the default key counter).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WaitEventType } from "@flowgate/contract/flowgate/v1/run_service.js";
import { readUntilFinal, runningRun, waitForResume, withDatabase } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const LOOPS = 30;

describe("ended pauses leave the run document (constant cost per pause)", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test(`after ${LOOPS} pauses the run document holds at most the latest ended pause, and fired keys still answer`, async () => {
    const run = await runningRun(server);
    for (let i = 1; i <= LOOPS; i++) {
      await server.runs.pauseFlowRun({ flowRunId: run.id, key: `step-${i}` });
      await server.runs.resumeFlowRun({ flowRunId: run.id, runInput: { i } });
    }
    const stored = await withDatabase(server.database, async (db) => {
      const doc = await db.collection<{ _id: string; pauses: Record<string, unknown> }>("flow_runs").findOne({ _id: run.id });
      const archived = await db.collection("ended_pauses").countDocuments({ flowRunId: run.id });
      return { inDocument: Object.keys(doc!.pauses), archived };
    });
    assert.deepEqual(stored.inDocument, [`step-${LOOPS}`], "only the latest ended pause stays in the run");
    assert.equal(stored.archived, LOOPS - 1);

    // A re-executed flow meets its first key again: it fired, with its input, and nothing changes.
    const again = await server.runs.pauseFlowRun({ flowRunId: run.id, key: "step-1" });
    assert.equal(again.alreadyFired, true);
    assert.deepEqual(again.runInput, { i: 1 });

    // A waiter that comes late for an archived pause gets its outcome at once.
    const { final } = await readUntilFinal(waitForResume(server, run.id, { key: "step-2" }), 30_000);
    assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
    assert.deepEqual(final.runInput, { i: 2 });

    // The default key goes on counting from the pauses made, not from those in the document.
    const next = await server.runs.pauseFlowRun({ flowRunId: run.id });
    assert.equal(next.flowRun!.pause!.key, String(LOOPS + 1));
  });
});
