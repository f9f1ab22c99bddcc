import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { flow, FlowPauseTimeout, pauseFlowRun, StateType, task } from "../../client-sdk/src/index.js";
import { nextRunIn, startSdkServer, type SdkServer } from "../support/sdk.js";

describe("K03 an unresumed pause", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  test("K03 code after an unresumed pause never runs; a task submitted before the pause keeps running and completes", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let ranAfterPause = false;
    let flowStateWhenTaskEnded: StateType | undefined;
    let runId = "";
    const slow = task(
      async () => {
        await gate;
        flowStateWhenTaskEnded = (await sdk.client.getFlowRun(runId)).state?.type;
        return "done";
      },
      { name: "slow" },
    );
    const f = flow(
      async () => {
        const future = slow.submit();
        await pauseFlowRun({ timeout: 1 });
        ranAfterPause = true;
        return future.result();
      },
      { name: "k03" },
    );

    const paused = nextRunIn(sdk.client, "k03", StateType.PAUSED);
    const result = f();
    runId = (await paused).id;
    release(); // the task finishes while its flow run is paused
    await assert.rejects(result, FlowPauseTimeout);
    assert.equal(ranAfterPause, false, "the code after the pause ran");
    assert.equal(flowStateWhenTaskEnded, StateType.PAUSED, "the task ran on while the flow was paused");
    assert.equal((await sdk.client.getFlowRun(runId)).state?.type, StateType.FAILED);
  });
});
