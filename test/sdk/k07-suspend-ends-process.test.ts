import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { resumeFlowRun, StateType } from "../../client-sdk/src/index.js";
import { runScript } from "../support/sdk-process.js";
import { startSdkServer, type SdkServer } from "../support/sdk.js";

describe("K07 suspendFlowRun ends the process", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  test("K07 the process exits 0 at the suspend, the code after it never runs, and the run is PAUSED Suspended", async () => {
    const { deployment } = await sdk.client.createDeployment({ name: "k07", flowName: "k07-suspends-itself" });
    const run = await sdk.client.runDeployment({ deploymentId: deployment.id });
    const env = { FLOWGATE_API_ADDRESS: sdk.server.address, FLOWGATE_FLOW_RUN_ID: run.id };

    const first = await runScript("test/sdk/fixtures/suspend-in-flow.ts", env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /task: prepared\nsuspending\n/);
    assert.doesNotMatch(first.stdout, /after-suspend|flow-returned/);
    const suspended = await sdk.client.getFlowRun(run.id);
    assert.equal(suspended.state?.type, StateType.PAUSED);
    assert.equal(suspended.state?.name, "Suspended");
    assert.equal(suspended.state?.details?.pauseReschedule, true);
    assert.equal(suspended.state?.details?.pauseKey, "1");

    // Resumed, the run is re-executed from the start: the persisted task result is reused and the
    // suspend's key has fired, so this time the flow runs to its end.
    const resumed = await resumeFlowRun(run.id);
    assert.equal(resumed.state?.type, StateType.SCHEDULED);
    const second = await runScript("test/sdk/fixtures/suspend-in-flow.ts", env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /task: prepared\nsuspending\nafter-suspend\nflow-returned\n/);
    assert.equal((await sdk.client.getFlowRun(run.id)).state?.type, StateType.COMPLETED);
  });
});
