import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { expectGrpcError, runningRun } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

describe("task runs and persisted results", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("a re-executed flow finds its earlier task run, with the persisted result, by task key or by cache key", async () => {
    const run = await runningRun(server);
    const first = await server.runs.createTaskRun({ flowRunId: run.id, taskKey: "foo", dynamicKey: "0", cacheKey: `foo-${run.id}` });
    assert.equal(first.created, true);
    await server.runs.setTaskRunState({ taskRunId: first.taskRun!.id, state: { type: StateType.STATE_TYPE_RUNNING } });
    await server.runs.setTaskRunState({
      taskRunId: first.taskRun!.id,
      state: { type: StateType.STATE_TYPE_COMPLETED },
      result: { answer: 42 },
      persistResult: true,
    });

    const again = await server.runs.createTaskRun({ flowRunId: run.id, taskKey: "foo", dynamicKey: "0", cacheKey: `foo-${run.id}` });
    assert.equal(again.created, false);
    assert.equal(again.taskRun!.id, first.taskRun!.id);
    assert.equal(again.taskRun!.hasResult, true);
    assert.deepEqual(again.taskRun!.result, { answer: 42 });

    const byCache = await server.runs.getTaskRun({ cacheKey: `foo-${run.id}` });
    assert.deepEqual(byCache.taskRun!.result, { answer: 42 });
    await expectGrpcError(server.runs.getTaskRun({ cacheKey: "never-stored" }), status.NOT_FOUND);
    await expectGrpcError(
      server.runs.setTaskRunState({ taskRunId: first.taskRun!.id, state: { type: StateType.STATE_TYPE_RUNNING } }),
      status.FAILED_PRECONDITION,
      "final state",
    );
  });

  test("concurrent state changes of one task run are never lost", async () => {
    const run = await runningRun(server);
    const { taskRun } = await server.runs.createTaskRun({ flowRunId: run.id, taskKey: "busy", dynamicKey: "0" });
    const writers = 20;
    await Promise.all(
      Array.from({ length: writers }, () =>
        server.runs.setTaskRunState({ taskRunId: taskRun!.id, state: { type: StateType.STATE_TYPE_RUNNING } }),
      ),
    );
    const { taskRun: after } = await server.runs.getTaskRun({ taskRunId: taskRun!.id });
    assert.equal(after!.runCount, writers, "every RUNNING counted once");
  });
});
