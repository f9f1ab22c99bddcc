/**
 * A run that pauses in a loop keeps a run document of constant size: ended pauses leave it for the
 * archive of ended pauses, and everything that needs them still finds them (an already-fired key,
 * a late waiter, the default key counter); the states it left leave it for the state history, which
 * the run page reads, and its events carry the state each change left, not the run's whole past.
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

  test("an ended pause leaves the document when the next pause begins, so that the resume archives nothing", async () => {
    const run = await runningRun(server);
    const inDocument = () =>
      withDatabase(server.database, async (db) => {
        const doc = await db.collection<{ _id: string; pauses: Record<string, unknown> }>("flow_runs").findOne({ _id: run.id });
        const archived = await db.collection<{ key: string }>("ended_pauses").find({ flowRunId: run.id }).toArray();
        return { pauses: Object.keys(doc!.pauses), archived: archived.map((p) => p.key).sort() };
      });
    await server.runs.pauseFlowRun({ flowRunId: run.id, key: "first" });
    await server.runs.resumeFlowRun({ flowRunId: run.id, runInput: { n: 1 } });
    assert.deepEqual(await inDocument(), { pauses: ["first"], archived: [] }, "with none waiting, the last ended pause stays");

    await server.runs.pauseFlowRun({ flowRunId: run.id, key: "second" });
    assert.deepEqual(await inDocument(), { pauses: ["second"], archived: ["first"] }, "the next pause moved it to the archive");
    // Its waiter, coming now, still gets its outcome from the archive.
    const { final } = await readUntilFinal(waitForResume(server, run.id, { key: "first" }), 30_000);
    assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
    assert.deepEqual(final.runInput, { n: 1 });

    await server.runs.resumeFlowRun({ flowRunId: run.id, runInput: { n: 2 } });
    assert.deepEqual(await inDocument(), { pauses: ["second"], archived: ["first"] }, "the resume archived nothing");
  });

  test("the states a run left are kept outside its document: its events stay small, its page shows the latest 100", async () => {
    const fresh = await runningRun(server);
    await server.runs.pauseFlowRun({ flowRunId: fresh.id });
    const run = await runningRun(server);
    const CYCLES = 60;
    for (let i = 1; i <= CYCLES; i++) {
      await server.runs.pauseFlowRun({ flowRunId: run.id, key: `step-${i}` });
      await server.runs.resumeFlowRun({ flowRunId: run.id });
    }
    await server.runs.pauseFlowRun({ flowRunId: run.id, key: "last" });

    const doc = await withDatabase(server.database, (db) => db.collection("flow_runs").findOne({ _id: run.id as never }));
    assert.equal(doc && "stateHistory" in doc, false, "no history in the run's document");

    // The event a page opens with: the run as it is, the same size after 121 changes as after one.
    const [longEvent, freshEvent] = await Promise.all([firstEvent(server, run.id), firstEvent(server, fresh.id)]);
    assert.equal("stateHistory" in (JSON.parse(longEvent) as { run: object }).run, false);
    assert.ok(
      longEvent.length < freshEvent.length + 200,
      `the long run's event is ${longEvent.length} bytes, a fresh one's ${freshEvent.length}`,
    );

    // The run page's read: the latest 100 states it left, oldest first, up to the one before now.
    const res = await fetch(`http://${server.httpAddress}/api/runs/${run.id}`, { headers: { authorization: server.authHeader } });
    const body = (await res.json()) as { state: { id: string }; stateHistory: { id: string; type: string; timestamp: string }[] };
    assert.equal(body.stateHistory.length, 100);
    assert.deepEqual(
      body.stateHistory.slice(-3).map((s) => s.type),
      ["RUNNING", "PAUSED", "RUNNING"],
    );
    const times = body.stateHistory.map((s) => Date.parse(s.timestamp));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
      "oldest first",
    );
    assert.ok(!body.stateHistory.some((s) => s.id === body.state.id), "the current state is not in its past");
  });
});

/** The `data` of the first event of a run's event stream (its current state), as sent. */
async function firstEvent(server: TestServer, runId: string): Promise<string> {
  const controller = new AbortController();
  try {
    const res = await fetch(`http://${server.httpAddress}/api/runs/${runId}/events`, {
      signal: controller.signal,
      headers: { accept: "text/event-stream", authorization: server.authHeader },
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    for (;;) {
      const { value, done } = await reader.read();
      assert.equal(done, false, "the stream ended before its first event");
      text += decoder.decode(value, { stream: true });
      const data = text.split("\n").find((l) => l.startsWith("data: "));
      if (data && text.includes("\n\n", text.indexOf(data))) return data.slice(6);
    }
  } finally {
    controller.abort();
  }
}
