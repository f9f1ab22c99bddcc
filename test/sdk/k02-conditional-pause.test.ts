import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { flow, FlowPauseTimeout, pauseFlowRun, StateType, task } from "../../client-sdk/src/index.js";
import { startSdkServer, type SdkServer } from "../support/sdk.js";

describe("K02 conditional pause", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  /** The seed's myFlow, with task one's outcome chosen by the test. */
  function myFlow(taskOneSucceeds: boolean) {
    const taskOne = task(
      async () => {
        if (!taskOneSucceeds) throw new Error("task one broke");
        return 3;
      },
      { name: "task-one" },
    );
    return flow(
      async () => {
        const terminalState = await taskOne.with({ returnState: true }).submit();
        if (terminalState.type === StateType.COMPLETED) {
          await pauseFlowRun({ timeout: 2 });
          return "resumed";
        }
        return "skipped the pause";
      },
      { name: `my-flow-${taskOneSucceeds}`, logPrints: true },
    );
  }

  test("K02 a COMPLETED task state leads to a 2 s pause that, unresumed, fails the flow with FlowPauseTimeout", async () => {
    const started = Date.now();
    const state = await myFlow(true).with({ returnState: true })();
    assert.equal(state.type, StateType.FAILED);
    assert.throws(
      () => state.result(),
      (err: unknown) => err instanceof FlowPauseTimeout && err.message === "Flow run was paused and never resumed.",
    );
    assert.ok(Date.now() - started >= 1_900, "the pause lasted its timeout");
    const { flowRuns } = await sdk.client.listFlowRuns({ flowName: "my-flow-true" });
    assert.equal(flowRuns[0]?.state?.type, StateType.FAILED);
    assert.equal(flowRuns[0]?.state?.message, "The flow was paused and never resumed.");
  });

  test("K02 a FAILED task state skips the pause and the flow completes", async () => {
    assert.equal(await myFlow(false)(), "skipped the pause");
    const { flowRuns } = await sdk.client.listFlowRuns({ flowName: "my-flow-false" });
    assert.equal(flowRuns[0]?.state?.type, StateType.COMPLETED);
  });

  test("K02 calling the flow without returnState rejects with FlowPauseTimeout", async () => {
    await assert.rejects(myFlow(true)(), FlowPauseTimeout);
  });
});
