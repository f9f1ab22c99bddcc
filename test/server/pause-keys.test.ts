import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { assertUnchanged, expectGrpcError, fieldViolations, getRun, readUntil, runningRun, watchRun } from "../support/fixtures.js";

describe("pause keys and pause input schemas", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("S03 a pause key that already fired is answered already_fired with its stored input, and the run stays RUNNING", async () => {
    const run = await runningRun(server);

    // Keys default to the run's counter: the first pause is "1".
    const first = await server.runs.pauseFlowRun({
      flowRunId: run.id,
      inputSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
    });
    assert.equal(first.alreadyFired, false);
    assert.equal(first.flowRun!.state!.details!.pauseKey, "1");
    await server.runs.resumeFlowRun({ flowRunId: run.id, runInput: { name: "Marvin" } });

    // The second pause without a key is "2"; it takes no input.
    const second = await server.runs.pauseFlowRun({ flowRunId: run.id });
    assert.equal(second.alreadyFired, false);
    assert.equal(second.flowRun!.state!.details!.pauseKey, "2");
    await server.runs.resumeFlowRun({ flowRunId: run.id });

    const running = await getRun(server, run.id);
    assert.equal(running.state!.type, StateType.STATE_TYPE_RUNNING);

    // Meeting key "1" again (a re-executed flow does): not an error, the stored input, nothing changes.
    const again = await server.runs.pauseFlowRun({ flowRunId: run.id, key: "1", timeoutSeconds: 60 });
    assert.equal(again.alreadyFired, true);
    assert.deepEqual(again.runInput, { name: "Marvin" });
    assert.equal(again.flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);
    await assertUnchanged(server, running);

    // Key "2" fired without input: already fired, no input.
    const againNoInput = await server.runs.pauseFlowRun({ flowRunId: run.id, key: "2" });
    assert.equal(againNoInput.alreadyFired, true);
    assert.equal(againNoInput.runInput, undefined);
    await assertUnchanged(server, running);

    // A custom key that fired behaves the same.
    await server.runs.pauseFlowRun({ flowRunId: run.id, key: "approval" });
    await server.runs.resumeFlowRun({ flowRunId: run.id, runInput: { approved: true } });
    const afterApproval = await getRun(server, run.id);
    const approvalAgain = await server.runs.pauseFlowRun({ flowRunId: run.id, key: "approval" });
    assert.equal(approvalAgain.alreadyFired, true);
    assert.deepEqual(approvalAgain.runInput, { approved: true });
    await assertUnchanged(server, afterApproval);

    // A fresh run counts from "1" again: the counter is per run.
    const other = await runningRun(server);
    const otherPause = await server.runs.pauseFlowRun({ flowRunId: other.id });
    assert.equal(otherPause.alreadyFired, false);
    assert.equal(otherPause.flowRun!.state!.details!.pauseKey, "1");
  });

  test("S04 pause keys other than lowercase letters, digits and dashes are INVALID_ARGUMENT", async () => {
    const run = await runningRun(server);
    const invalid = ["Approval", "APPROVE", "my key", "my_key", "a.b", "a/b", "ключ", "émoji-✓", "a".repeat(65)];
    for (const key of invalid) {
      const err = await expectGrpcError(server.runs.pauseFlowRun({ flowRunId: run.id, key }), status.INVALID_ARGUMENT, "pause key");
      assert.deepEqual(
        fieldViolations(err).map((v) => v.field),
        ["key"],
        `key ${JSON.stringify(key)} should be reported on field "key"`,
      );
    }
    // Nothing changed: still RUNNING with the same state.
    await assertUnchanged(server, run);

    // Lowercase letters, digits and dashes (up to 64) are accepted.
    for (const key of ["approval", "2", "step-2-review", "a".repeat(64)]) {
      const r = await runningRun(server);
      const { flowRun, alreadyFired } = await server.runs.pauseFlowRun({ flowRunId: r.id, key });
      assert.equal(alreadyFired, false);
      assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_PAUSED);
      assert.equal(flowRun!.state!.details!.pauseKey, key);
    }
  });

  test("S05 a pause with an input schema stores schema, description and PAUSED together", async () => {
    const schema = {
      type: "object",
      title: "Approval",
      properties: {
        approved: { type: "boolean", description: "Ship it?" },
        reviewer: { type: "string", minLength: 1 },
      },
      required: ["approved", "reviewer"],
    };
    const description = "## Review\nPlease **approve** the release.";
    const run = await runningRun(server);

    // Watch first: the first moment any client learns of PAUSED is the event; the schema must be
    // readable at that moment, both on the run and as the mirrored flow-run input.
    const watch = watchRun(server, run.id);
    try {
      await watch.next(); // the current state (RUNNING)
      const pausing = server.runs.pauseFlowRun({ flowRunId: run.id, key: "review", inputSchema: schema, inputDescription: description });
      const [event] = (await readUntil(watch, (m) => m.event!.flowRun!.state!.type === StateType.STATE_TYPE_PAUSED)).slice(-1);
      const seen = event!.event!.flowRun!;
      assert.deepEqual(seen.pause?.inputSchema, schema, "the PAUSED event carries the schema");
      const mirroredAtEvent = await server.runs.readFlowRunInput({ flowRunId: run.id, key: "paused-review-schema" });
      assert.deepEqual(mirroredAtEvent.input!.value, schema, "the schema is readable as soon as PAUSED is seen");

      const { flowRun: paused, alreadyFired } = await pausing;
      assert.equal(alreadyFired, false);
      assert.equal(paused!.state!.type, StateType.STATE_TYPE_PAUSED);
      assert.equal(paused!.state!.details!.runInputKeyset, "paused-review");
    } finally {
      watch.cancel();
    }

    // GetFlowRun: the response that shows PAUSED also carries the pause's schema and description.
    const got = await getRun(server, run.id);
    assert.equal(got.state!.type, StateType.STATE_TYPE_PAUSED);
    assert.equal(got.state!.name, "Paused");
    assert.ok(got.pause, "a PAUSED run has its pause");
    assert.equal(got.pause.key, "review");
    assert.deepEqual(got.pause.inputSchema, schema);
    assert.equal(got.pause.inputDescription, description);

    // The mirrors Prefect clients read: "paused-{key}-schema" and "paused-{key}-description".
    const storedSchema = await server.runs.readFlowRunInput({ flowRunId: run.id, key: "paused-review-schema" });
    assert.deepEqual(storedSchema.input!.value, schema);
    const storedDescription = await server.runs.readFlowRunInput({ flowRunId: run.id, key: "paused-review-description" });
    assert.equal(storedDescription.input!.value, description);

    // The stored schema is the one a resume is checked against.
    await expectGrpcError(server.runs.resumeFlowRun({ flowRunId: run.id, runInput: { approved: "yes" } }), status.INVALID_ARGUMENT);
    const { flowRun: resumed } = await server.runs.resumeFlowRun({ flowRunId: run.id, runInput: { approved: true, reviewer: "Ada" } });
    assert.equal(resumed!.state!.type, StateType.STATE_TYPE_RUNNING);
  });
});
