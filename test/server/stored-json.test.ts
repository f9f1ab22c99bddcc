import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WaitEventType, WaitForResumeRequest } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { StreamReader } from "../support/grpc-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/** Keys that document stores restrict: FerretDB refuses "$…" field names, MongoDB treats dots as paths. */
const awkward = { $schema: "keep me", "a.b": 1, nested: { $ref: "#/x", "c.d": [1, { $e: true }] } };

describe("user JSON with keys document stores restrict", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("schemas with $schema/$defs/$ref, parameters, labels, run inputs, input values and results round-trip unchanged", async () => {
    const { flowRun } = await server.runs.createFlowRun({
      flowName: "json",
      parameters: awkward,
      labels: { "team.name": "a", $x: "b" },
      state: { type: StateType.STATE_TYPE_RUNNING },
      requestId: `create-${Date.now()}`,
    });
    const id = flowRun!.id;
    assert.deepEqual((await server.runs.getFlowRun({ flowRunId: id })).flowRun!.parameters, awkward);
    assert.deepEqual((await server.runs.getFlowRun({ flowRunId: id })).flowRun!.labels, { "team.name": "a", $x: "b" });

    // A schema as zod's z.toJSONSchema() writes it.
    const schema = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: { who: { $ref: "#/$defs/name" }, "odd.key": { type: "integer" } },
      required: ["who"],
      $defs: { name: { type: "string", minLength: 1 } },
    };
    const { flowRun: paused } = await server.runs.pauseFlowRun({ flowRunId: id, key: "1", inputSchema: schema, requestId: `pause-${id}` });
    assert.deepEqual(paused!.pause!.inputSchema, schema);
    assert.deepEqual((await server.runs.readFlowRunInput({ flowRunId: id, key: "paused-1-schema" })).input!.value, schema);

    const wait = new StreamReader(server.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: id, key: "1" })));
    await wait.next();
    const input = { who: "Marvin", "odd.key": 7, extra: { $keep: "yes" } };
    await server.runs.resumeFlowRun({ flowRunId: id, runInput: input, requestId: `resume-${id}` });
    const resumed = await wait.next();
    assert.equal(resumed.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
    assert.deepEqual(resumed.runInput, input);
    // A retried resume replays the stored outcome, user JSON included.
    const retried = await server.runs.resumeFlowRun({ flowRunId: id, runInput: input, requestId: `resume-${id}` });
    assert.equal(retried.flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);
    assert.deepEqual(retried.flowRun!.parameters, awkward);

    await server.runs.createFlowRunInput({ flowRunId: id, key: "awkward", value: awkward });
    assert.deepEqual((await server.runs.readFlowRunInput({ flowRunId: id, key: "awkward" })).input!.value, awkward);

    const { taskRun } = await server.runs.createTaskRun({ flowRunId: id, taskKey: "t", dynamicKey: "0", cacheKey: `t-${id}` });
    await server.runs.setTaskRunState({
      taskRunId: taskRun!.id,
      state: { type: StateType.STATE_TYPE_COMPLETED },
      result: awkward,
      persistResult: true,
    });
    assert.deepEqual((await server.runs.getTaskRun({ cacheKey: `t-${id}` })).taskRun!.result, awkward);

    const { deployment } = await server.deployments.createDeployment({ name: "d", flowName: "json", parameters: awkward });
    assert.deepEqual(deployment!.parameters, awkward);
  });
});
