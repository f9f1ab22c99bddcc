import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import { flow, pauseFlowRun, resumeFlowRun, RunInput } from "../../client-sdk/src/index.js";
import { nextRunIn, startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

describe("K05 RunInput description and initial data", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  test("K05 the Markdown description and the initial data reach the stored schema", async () => {
    const description = "## Approve the deploy\n\nCheck the **diff** first.";
    const Approval = RunInput.define(z.object({ approved: z.boolean(), reviewer: z.string(), reason: z.string().optional() }), {
      description,
    }).withInitialData({ approved: false, reviewer: "marvin" });
    const f = flow(async () => pauseFlowRun({ waitForInput: Approval }), { name: "approve" });

    const paused = nextRunIn(sdk.client, "approve", StateType.PAUSED);
    const result = f();
    const run = await paused;
    const pause = run.pause!;
    assert.equal(pause.inputDescription, description);
    assert.deepEqual(pause.inputInitial, { approved: false, reviewer: "marvin" });
    const schema = pause.inputSchema!;
    assert.equal(schema["description"], description);
    const properties = schema["properties"] as Record<string, Record<string, unknown>>;
    assert.equal(properties["approved"]?.["type"], "boolean");
    assert.equal(properties["approved"]?.["default"], false);
    assert.equal(properties["reviewer"]?.["default"], "marvin");
    assert.deepEqual(schema["required"], ["approved", "reviewer"]);
    // Mirrored in the run's input store, where other clients read it.
    const stored = await sdk.client.readFlowRunInput(run.id, "paused-1-description");
    assert.equal(stored.value, description);

    await resumeFlowRun(run.id, { approved: true, reviewer: "arthur" });
    assert.deepEqual(await result, { approved: true, reviewer: "arthur" });
  });

  test("K05 a primitive's initial data is wrapped like its value", async () => {
    const Count = RunInput.define(z.number().int(), { description: "How many?" }).withInitialData(3);
    assert.deepEqual(Count.initialJson(), { value: 3 });
    const schema = Count.jsonSchema();
    assert.equal((schema["properties"] as Record<string, Record<string, unknown>>)["value"]?.["default"], 3);
    assert.equal(schema["description"], "How many?");
  });
});
