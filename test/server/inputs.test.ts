import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { expectGrpcError, runningRun } from "../support/fixtures.js";

const UNKNOWN_RUN = "00000000-0000-4000-8000-000000000000";

describe("flow-run inputs", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("S23 flow-run inputs: create, read, filter by prefix in creation order, delete; duplicates, missing keys and unknown runs", async () => {
    const run = await runningRun(server);
    const sender = await runningRun(server);

    // Create, and read back with its metadata.
    const { input: created } = await server.runs.createFlowRunInput({
      flowRunId: run.id,
      key: "greeting",
      value: { text: "hello" },
      sender: sender.id,
    });
    assert.equal(created!.key, "greeting");
    const { input: read } = await server.runs.readFlowRunInput({ flowRunId: run.id, key: "greeting" });
    assert.deepEqual(read!.value, { text: "hello" });
    // The sender is who the server says the caller is (the test server's admin key); the run id the
    // request gave as `sender` is where replies go (see side-doors.test.ts).
    assert.equal(read!.sender, "admin");
    assert.equal(read!.senderFlowRunId, sender.id);
    assert.equal(read!.flowRunId, run.id);
    assert.ok(read!.createdAt instanceof Date);

    // A duplicate key is ALREADY_EXISTS and keeps the first value.
    await expectGrpcError(server.runs.createFlowRunInput({ flowRunId: run.id, key: "greeting", value: "again" }), status.ALREADY_EXISTS);
    assert.deepEqual((await server.runs.readFlowRunInput({ flowRunId: run.id, key: "greeting" })).input!.value, { text: "hello" });

    // A missing key is NOT_FOUND.
    await expectGrpcError(server.runs.readFlowRunInput({ flowRunId: run.id, key: "nothing-here" }), status.NOT_FOUND);

    // Filter: prefix, creation order (keys created in reverse alphabetical order, so a sort by key would show), limit, excluded keys.
    const keys = ["msg-e", "msg-d", "msg-c", "msg-b", "msg-a"];
    for (const [i, key] of keys.entries()) {
      await server.runs.createFlowRunInput({ flowRunId: run.id, key, value: i });
    }
    await server.runs.createFlowRunInput({ flowRunId: run.id, key: "other-1", value: "not a message" });

    const all = (await server.runs.filterFlowRunInputs({ flowRunId: run.id, keyPrefix: "msg-" })).inputs;
    assert.deepEqual(
      all.map((i): [string, unknown] => [i.key, i.value]),
      keys.map((k, i) => [k, i]),
    );
    const firstTwo = (await server.runs.filterFlowRunInputs({ flowRunId: run.id, keyPrefix: "msg-", limit: 2 })).inputs;
    assert.deepEqual(
      firstTwo.map((i) => i.key),
      ["msg-e", "msg-d"],
    );
    const unseen = (
      await server.runs.filterFlowRunInputs({ flowRunId: run.id, keyPrefix: "msg-", limit: 2, excludeKeys: ["msg-e", "msg-c"] })
    ).inputs;
    assert.deepEqual(
      unseen.map((i) => i.key),
      ["msg-d", "msg-b"],
    );

    // Delete: gone afterwards; deleting it again is NOT_FOUND.
    await server.runs.deleteFlowRunInput({ flowRunId: run.id, key: "msg-c" });
    await expectGrpcError(server.runs.readFlowRunInput({ flowRunId: run.id, key: "msg-c" }), status.NOT_FOUND);
    await expectGrpcError(server.runs.deleteFlowRunInput({ flowRunId: run.id, key: "msg-c" }), status.NOT_FOUND);
    assert.deepEqual(
      (await server.runs.filterFlowRunInputs({ flowRunId: run.id, keyPrefix: "msg-" })).inputs.map((i) => i.key),
      ["msg-e", "msg-d", "msg-b", "msg-a"],
    );

    // Inputs belong to their run: another run sees none of them.
    assert.deepEqual((await server.runs.filterFlowRunInputs({ flowRunId: sender.id, keyPrefix: "msg-" })).inputs, []);

    // An unknown run is NOT_FOUND for every operation.
    await expectGrpcError(server.runs.createFlowRunInput({ flowRunId: UNKNOWN_RUN, key: "k", value: 1 }), status.NOT_FOUND);
    await expectGrpcError(server.runs.readFlowRunInput({ flowRunId: UNKNOWN_RUN, key: "k" }), status.NOT_FOUND);
    await expectGrpcError(server.runs.filterFlowRunInputs({ flowRunId: UNKNOWN_RUN, keyPrefix: "" }), status.NOT_FOUND);
    await expectGrpcError(server.runs.deleteFlowRunInput({ flowRunId: UNKNOWN_RUN, key: "k" }), status.NOT_FOUND);
  });
});
