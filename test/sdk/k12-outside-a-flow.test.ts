import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { flow, NoFlowRunContextError, pauseFlowRun, resumeFlowRun, suspendFlowRun, task } from "../../client-sdk/src/index.js";
import { nextRunIn, startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

describe("K12 where pauses may be called", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  test("K12 pauseFlowRun outside a flow throws 'Flow runs can only be paused from within a flow run.'", async () => {
    await assert.rejects(
      pauseFlowRun(),
      (err: Error) => err instanceof NoFlowRunContextError && err.message === "Flow runs can only be paused from within a flow run.",
    );
  });

  test("K12 suspendFlowRun outside a flow throws likewise", async () => {
    await assert.rejects(
      suspendFlowRun(),
      (err: Error) => err instanceof NoFlowRunContextError && err.message === "Flow runs can only be suspended from within a flow run.",
    );
  });

  test("K12 pauseFlowRun inside a task pauses the parent flow run", async () => {
    const approve = task(
      async () => {
        await pauseFlowRun({ timeout: 60 });
        return "approved";
      },
      { name: "approve" },
    );
    const f = flow(async () => approve(), { name: "pause-in-task" });
    const paused = nextRunIn(sdk.client, "pause-in-task", StateType.PAUSED);
    const result = f();
    const run = await paused;
    assert.equal(run.parentFlowRunId, "", "the paused run is the flow run itself");
    await resumeFlowRun(run.id);
    assert.equal(await result, "approved");
  });
});
