import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { resumeFlowRun, runDeployment, StateType } from "../../client-sdk/src/index.js";
import { startRunnerProcess, type RunnerProcess } from "../support/runner-process.js";
import { runReaches, startSdkServer, type SdkServer } from "../support/sdk.js";

describe("K09 suspend with input", () => {
  let sdk: SdkServer;
  let runner: RunnerProcess;
  before(async () => {
    sdk = await startSdkServer();
    runner = startRunnerProcess("test/sdk/fixtures/runner-flows.ts", { FLOWGATE_API_ADDRESS: sdk.server.address });
    await runner.ready(AbortSignal.timeout(30_000));
  });
  after(async () => {
    await runner.stop();
    await sdk.stop();
  });

  test("K09 after resume, the re-executed flow's suspendFlowRun({ waitForInput }) returns the input", async () => {
    const signal = AbortSignal.timeout(60_000);
    const run = await runDeployment("k09-suspend-with-input/sdk-runner", { timeout: 0 });
    const suspended = await runReaches(sdk.client, run.id, StateType.PAUSED, signal);
    assert.equal(suspended.state?.name, "Suspended");
    assert.ok(suspended.pause?.inputSchema, "the suspend carries the input schema");
    await runner.waitFor(new RegExp(`flow run ${run.id} process \\d+ exited with code 0`), signal);

    await resumeFlowRun(run.id, { name: "Marvin" });
    await runReaches(sdk.client, run.id, StateType.COMPLETED, signal);
    const out = runner.output();
    assert.match(out, /k09:hello:Marvin/);
    // Two executions, one suspend: the second met the fired key and got the input instead.
    assert.equal(out.match(/k09:suspending/g)?.length, 2);
    assert.equal((await sdk.client.getFlowRun(run.id)).state?.type, StateType.COMPLETED);
  });
});
