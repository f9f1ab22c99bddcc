import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { assertUnchanged, expectGrpcError, fieldViolations, pausedRun, runningRun } from "../support/fixtures.js";

const PAUSED_ONLY_TO = "A paused flow run can only move to RUNNING, SCHEDULED or a final state.";

describe("leaving PAUSED", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("S25 a PAUSED run only moves to RUNNING, SCHEDULED or a final state; other proposals leave it PAUSED", async (t) => {
    await t.test("PENDING and CANCELLING are rejected, the run stays PAUSED with the same state id", async () => {
      const paused = await pausedRun(server);
      for (const type of [StateType.STATE_TYPE_PENDING, StateType.STATE_TYPE_CANCELLING]) {
        await expectGrpcError(
          server.runs.setFlowRunState({ flowRunId: paused.id, state: { type } }),
          status.FAILED_PRECONDITION,
          PAUSED_ONLY_TO,
        );
        await assertUnchanged(server, paused);
      }
      // PAUSED itself is only reachable through PauseFlowRun / SuspendFlowRun.
      await expectGrpcError(
        server.runs.setFlowRunState({ flowRunId: paused.id, state: { type: StateType.STATE_TYPE_PAUSED } }),
        status.FAILED_PRECONDITION,
      );
      await assertUnchanged(server, paused);
    });

    await t.test("RUNNING (the pause has no schema) is accepted and does not count a new run", async () => {
      const paused = await pausedRun(server);
      const { flowRun } = await server.runs.setFlowRunState({ flowRunId: paused.id, state: { type: StateType.STATE_TYPE_RUNNING } });
      assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);
      assert.equal(flowRun!.runCount, paused.runCount);
      assert.equal(flowRun!.pause, undefined);
    });

    await t.test("SCHEDULED is accepted", async () => {
      const paused = await pausedRun(server, {}, { withDeployment: true });
      const { flowRun } = await server.runs.setFlowRunState({ flowRunId: paused.id, state: { type: StateType.STATE_TYPE_SCHEDULED } });
      assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_SCHEDULED);
    });

    await t.test("every final state is accepted", async () => {
      for (const type of [
        StateType.STATE_TYPE_COMPLETED,
        StateType.STATE_TYPE_FAILED,
        StateType.STATE_TYPE_CANCELLED,
        StateType.STATE_TYPE_CRASHED,
      ]) {
        const paused = await pausedRun(server);
        const { flowRun } = await server.runs.setFlowRunState({ flowRunId: paused.id, state: { type } });
        assert.equal(flowRun!.state!.type, type);
        assert.equal(flowRun!.pause, undefined);
      }
    });
  });
});

describe("input limits", () => {
  const LIMIT = 2048;
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { FLOWGATE_MAX_INPUT_BYTES: String(LIMIT) } });
  });
  after(() => server.stop());

  test("S26 oversized inputs, non-object inputs and fields the schema forbids are rejected without changing anything", async (t) => {
    await t.test("a run_input over the configured limit: INVALID_ARGUMENT, the run stays PAUSED", async () => {
      const paused = await pausedRun(server);
      // 3000 bytes: over this server's 2048, far under the default limit of 1 MiB.
      const err = await expectGrpcError(
        server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: { note: "x".repeat(3000) } }),
        status.INVALID_ARGUMENT,
        `the limit is ${LIMIT} bytes`,
      );
      assert.deepEqual(
        fieldViolations(err).map((v) => v.field),
        ["run_input"],
      );
      await assertUnchanged(server, paused);
      await expectGrpcError(server.runs.readFlowRunInput({ flowRunId: paused.id, key: "paused-1-response" }), status.NOT_FOUND);

      // Under the limit, the same pause resumes.
      const { flowRun } = await server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: { note: "x".repeat(1000) } });
      assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);
    });

    await t.test("an input schema over the limit: INVALID_ARGUMENT, the run stays RUNNING", async () => {
      const run = await runningRun(server);
      const properties = Object.fromEntries(
        Array.from({ length: 100 }, (_, i) => [`field_${i}`, { type: "string", description: "a field" }]),
      );
      await expectGrpcError(
        server.runs.pauseFlowRun({ flowRunId: run.id, inputSchema: { type: "object", properties } }),
        status.INVALID_ARGUMENT,
        `the limit is ${LIMIT} bytes`,
      );
      await assertUnchanged(server, run);
      await expectGrpcError(server.runs.readFlowRunInput({ flowRunId: run.id, key: "paused-1-schema" }), status.NOT_FOUND);
    });

    await t.test("a field the schema forbids (additionalProperties: false): INVALID_ARGUMENT naming it, the run stays PAUSED", async () => {
      const schema = {
        type: "object",
        properties: { name: { type: "string" } },
        required: ["name"],
        additionalProperties: false,
      };
      const paused = await pausedRun(server, { inputSchema: schema });
      const err = await expectGrpcError(
        server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: { name: "Marvin", mood: "gloomy" } }),
        status.INVALID_ARGUMENT,
        "mood: is not allowed",
      );
      assert.deepEqual(fieldViolations(err), [{ field: "mood", description: "is not allowed" }]);
      await assertUnchanged(server, paused);
      await expectGrpcError(server.runs.readFlowRunInput({ flowRunId: paused.id, key: "paused-1-response" }), status.NOT_FOUND);
    });

    await t.test("a flow-run input value over the limit: INVALID_ARGUMENT, nothing stored", async () => {
      const run = await runningRun(server);
      await expectGrpcError(
        server.runs.createFlowRunInput({ flowRunId: run.id, key: "big", value: "x".repeat(3000) }),
        status.INVALID_ARGUMENT,
        `the limit is ${LIMIT} bytes`,
      );
      await expectGrpcError(server.runs.readFlowRunInput({ flowRunId: run.id, key: "big" }), status.NOT_FOUND);
    });

    await t.test("non-object inputs: a run_input is a Struct on the wire; flow-run input values may be any JSON", async () => {
      // A non-object run_input cannot be expressed over gRPC: ResumeFlowRunRequest.run_input is a
      // google.protobuf.Struct, so every resume input arrives as an object (the "not an object"
      // refusal exists for transports that carry raw JSON). What gRPC can check: flow-run input
      // values are google.protobuf.Value, documented as "any JSON value", and are stored as given.
      const run = await runningRun(server);
      const values: unknown[] = ["text", 42, true, [1, "two", { three: 3 }], { nested: { list: [] } }];
      for (const [i, value] of values.entries()) {
        await server.runs.createFlowRunInput({ flowRunId: run.id, key: `value-${i}`, value });
        const { input } = await server.runs.readFlowRunInput({ flowRunId: run.id, key: `value-${i}` });
        assert.deepEqual(input!.value, value);
      }
    });
  });
});
