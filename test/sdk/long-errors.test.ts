import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { flow, MAX_STATE_MESSAGE, StateType, task } from "../../client-sdk/src/index.js";
import { startSdkServer, type SdkServer } from "../support/sdk.js";

describe("a flow or task failing with a very long error still ends FAILED", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  test("the state's message is cut to the server's limit instead of the state being refused", async () => {
    const huge = `boom ${"é".repeat(10_000)}`;
    const failing = task(
      () => {
        throw new Error(huge);
      },
      { name: "long-error-task" },
    );
    const state = await flow(async () => failing(), { name: "long-error-flow" }).with({ returnState: true })();
    assert.equal(state.type, StateType.FAILED);
    const { flowRuns } = await sdk.client.listFlowRuns({ flowName: "long-error-flow" });
    const run = flowRuns[0]!;
    assert.equal(run.state?.type, StateType.FAILED, "the run is FAILED, not left RUNNING");
    const message = run.state?.message ?? "";
    assert.ok(message.startsWith("boom é"), message.slice(0, 40));
    assert.equal([...message].length, MAX_STATE_MESSAGE);
    assert.ok(message.endsWith("…"));
  });
});
