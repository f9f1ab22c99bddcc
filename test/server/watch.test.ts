import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { WatchFlowRunRequest, WatchFlowRunsRequest, type WatchFlowRunsResponse } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType, type FlowRunEvent } from "@flowgate/contract/flowgate/v1/types.js";
import { StreamReader } from "../support/grpc-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { expectStreamEnded, runningRun } from "../support/fixtures.js";

const { STATE_TYPE_SCHEDULED, STATE_TYPE_RUNNING, STATE_TYPE_PAUSED, STATE_TYPE_COMPLETED } = StateType;

describe("watching flow runs", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  function watchRuns(filter: Partial<WatchFlowRunsRequest>): StreamReader<WatchFlowRunsResponse> {
    return new StreamReader(server.rawRuns.watchFlowRuns(WatchFlowRunsRequest.fromPartial(filter)));
  }

  async function nextEvent(reader: StreamReader<{ event: FlowRunEvent | undefined }>): Promise<FlowRunEvent> {
    return (await reader.next()).event!;
  }

  /** Reads `n` initial events (in any order) and returns them by run id. */
  async function initialEvents(reader: StreamReader<WatchFlowRunsResponse>, n: number): Promise<Map<string, FlowRunEvent>> {
    const byId = new Map<string, FlowRunEvent>();
    for (let i = 0; i < n; i++) {
      const e = await nextEvent(reader);
      assert.equal(e.initial, true, "the current states come first, marked initial");
      byId.set(e.flowRun!.id, e);
    }
    return byId;
  }

  test("S21 WatchFlowRun sends the current state first, then every change in order; WatchFlowRuns does the same for a filter", async (t) => {
    await t.test("WatchFlowRun: current state, then RUNNING → PAUSED → RUNNING → COMPLETED, then the stream ends", async () => {
      const run = await runningRun(server);
      const watch = new StreamReader(server.rawRuns.watchFlowRun(WatchFlowRunRequest.fromPartial({ flowRunId: run.id })));

      const first = await nextEvent(watch);
      assert.equal(first.initial, true);
      assert.equal(first.previousState, undefined);
      assert.equal(first.flowRun!.state!.type, STATE_TYPE_RUNNING);
      assert.equal(first.flowRun!.version, run.version);

      await server.runs.pauseFlowRun({ flowRunId: run.id });
      await server.runs.resumeFlowRun({ flowRunId: run.id });
      await server.runs.setFlowRunState({ flowRunId: run.id, state: { type: STATE_TYPE_COMPLETED } });

      const changes = [await nextEvent(watch), await nextEvent(watch), await nextEvent(watch)];
      assert.deepEqual(
        changes.map((e) => [e.previousState!.type, e.flowRun!.state!.type]),
        [
          [STATE_TYPE_RUNNING, STATE_TYPE_PAUSED],
          [STATE_TYPE_PAUSED, STATE_TYPE_RUNNING],
          [STATE_TYPE_RUNNING, STATE_TYPE_COMPLETED],
        ],
      );
      assert.ok(changes.every((e) => !e.initial));
      assert.deepEqual(
        changes.map((e) => e.flowRun!.version),
        [run.version + 1, run.version + 2, run.version + 3],
      );
      assert.equal(changes[0]!.flowRun!.state!.name, "Paused");
      await expectStreamEnded(watch);
    });

    await t.test("WatchFlowRun of a run already final: its state, then the end; of an unknown run: NOT_FOUND", async () => {
      const run = await runningRun(server);
      await server.runs.setFlowRunState({ flowRunId: run.id, state: { type: STATE_TYPE_COMPLETED } });
      const watch = new StreamReader(server.rawRuns.watchFlowRun(WatchFlowRunRequest.fromPartial({ flowRunId: run.id })));
      const only = await nextEvent(watch);
      assert.equal(only.initial, true);
      assert.equal(only.flowRun!.state!.type, STATE_TYPE_COMPLETED);
      await expectStreamEnded(watch);

      const unknown = new StreamReader(
        server.rawRuns.watchFlowRun(WatchFlowRunRequest.fromPartial({ flowRunId: "00000000-0000-4000-8000-000000000000" })),
      );
      const failure = await unknown.closed();
      assert.equal(failure?.code, status.NOT_FOUND);
    });

    await t.test("WatchFlowRuns by state type: paused runs now, then runs entering and leaving PAUSED", async () => {
      const alreadyPaused = await runningRun(server);
      await server.runs.pauseFlowRun({ flowRunId: alreadyPaused.id });
      const running = await runningRun(server);

      const watch = watchRuns({ stateTypes: [STATE_TYPE_PAUSED] });
      try {
        const initial = await initialEvents(watch, 1);
        assert.deepEqual([...initial.keys()], [alreadyPaused.id]);
        assert.equal(initial.get(alreadyPaused.id)!.flowRun!.state!.type, STATE_TYPE_PAUSED);

        // A change that neither enters nor leaves PAUSED is not sent: the next event is the pause after it.
        const unrelated = await runningRun(server);
        await server.runs.setFlowRunState({ flowRunId: unrelated.id, state: { type: STATE_TYPE_COMPLETED } });
        await server.runs.pauseFlowRun({ flowRunId: running.id });
        const entered = await nextEvent(watch);
        assert.equal(entered.initial, false);
        assert.equal(entered.flowRun!.id, running.id);
        assert.equal(entered.previousState!.type, STATE_TYPE_RUNNING);
        assert.equal(entered.flowRun!.state!.type, STATE_TYPE_PAUSED);

        await server.runs.resumeFlowRun({ flowRunId: alreadyPaused.id });
        const left = await nextEvent(watch);
        assert.equal(left.flowRun!.id, alreadyPaused.id);
        assert.equal(left.previousState!.type, STATE_TYPE_PAUSED);
        assert.equal(left.flowRun!.state!.type, STATE_TYPE_RUNNING);
      } finally {
        watch.cancel();
      }
    });

    await t.test("WatchFlowRuns by flow name: that flow's runs now, then only their changes, in order", async () => {
      const { flowRun: existing } = await server.runs.createFlowRun({ flowName: "watched-flow", state: { type: STATE_TYPE_SCHEDULED } });
      await server.runs.createFlowRun({ flowName: "other-flow", state: { type: STATE_TYPE_SCHEDULED } });

      const watch = watchRuns({ flowName: "watched-flow" });
      try {
        const initial = await initialEvents(watch, 1);
        assert.deepEqual([...initial.keys()], [existing!.id]);

        const { flowRun: other } = await server.runs.createFlowRun({ flowName: "other-flow", state: { type: STATE_TYPE_SCHEDULED } });
        await server.runs.setFlowRunState({ flowRunId: other!.id, state: { type: STATE_TYPE_RUNNING } });
        const { flowRun: created } = await server.runs.createFlowRun({ flowName: "watched-flow", state: { type: STATE_TYPE_SCHEDULED } });
        await server.runs.setFlowRunState({ flowRunId: existing!.id, state: { type: STATE_TYPE_RUNNING } });
        await server.runs.setFlowRunState({ flowRunId: existing!.id, state: { type: STATE_TYPE_COMPLETED } });

        const events = [await nextEvent(watch), await nextEvent(watch), await nextEvent(watch)];
        assert.deepEqual(
          events.map((e) => [e.flowRun!.id, e.previousState?.type, e.flowRun!.state!.type]),
          [
            [created!.id, undefined, STATE_TYPE_SCHEDULED],
            [existing!.id, STATE_TYPE_SCHEDULED, STATE_TYPE_RUNNING],
            [existing!.id, STATE_TYPE_RUNNING, STATE_TYPE_COMPLETED],
          ],
        );
        assert.ok(events.every((e) => e.flowRun!.flowName === "watched-flow" && !e.initial));
      } finally {
        watch.cancel();
      }
    });

    await t.test("WatchFlowRuns by deployment: that deployment's runs only", async () => {
      const mine = await runningRun(server, { withDeployment: true });
      const other = await runningRun(server, { withDeployment: true });

      const watch = watchRuns({ deploymentId: mine.deploymentId });
      try {
        const initial = await initialEvents(watch, 1);
        assert.deepEqual([...initial.keys()], [mine.id]);

        await server.runs.suspendFlowRun({ flowRunId: other.id });
        await server.runs.suspendFlowRun({ flowRunId: mine.id });
        const suspended = await nextEvent(watch);
        assert.equal(suspended.flowRun!.id, mine.id);
        assert.equal(suspended.flowRun!.state!.name, "Suspended");
      } finally {
        watch.cancel();
      }
    });
  });
});
