import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { flow, isFinalStateType, resumeFlowRun, runDeployment, StateType } from "../../client-sdk/src/index.js";
import { startRunnerProcess, type RunnerProcess } from "../support/runner-process.js";
import { nextRunIn, runReaches, startSdkServer, type SdkServer } from "../support/sdk.js";

// The calling flow runs in this process; the deployment's runs are executed by the runner.
const caller = flow(
  async (p: { asSubflow: boolean; marker: string }) =>
    runDeployment("suspends-itself/sdk-runner", { parameters: { marker: p.marker }, asSubflow: p.asSubflow }),
  { name: "k11-caller" },
);

describe("K11 runDeployment: subflows cannot be suspended on their own", () => {
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

  test('K11 by default (asSubflow) the run is linked to its caller, and its suspend fails with "Cannot suspend subflows."', async () => {
    const child = await caller({ asSubflow: true, marker: "k11-linked" });
    assert.notEqual(child.parentFlowRunId, "");
    assert.equal(child.state?.type, StateType.FAILED);
    assert.match(child.state?.message ?? "", /Cannot suspend subflows\./);
    assert.doesNotMatch(runner.output(), /k11-linked:after/);
  });

  test("K11 with asSubflow: false the run can suspend; the caller's runDeployment waits until it completes", async () => {
    const signal = AbortSignal.timeout(60_000);
    const pausedChild = nextRunIn(sdk.client, "suspends-itself", StateType.PAUSED, signal);
    const returned = caller({ asSubflow: false, marker: "k11-free" });
    const suspended = await pausedChild;
    assert.equal(suspended.state?.name, "Suspended");
    assert.equal(suspended.parentFlowRunId, "");
    await resumeFlowRun(suspended.id);
    // The caller's runDeployment was waiting on the watch stream all along; it returns the final run.
    const child = await returned;
    assert.equal(child.id, suspended.id);
    assert.equal(child.state?.type, StateType.COMPLETED);
    assert.match(runner.output(), /k11-free:after/);
  });

  test("K11 a caller re-executed after its suspend waits for the deployment run it started, not a new one", async () => {
    const signal = AbortSignal.timeout(60_000);
    const callerRun = await runDeployment("k11-starts-then-suspends/sdk-runner", { timeout: 0 });
    await runReaches(sdk.client, callerRun.id, StateType.PAUSED, signal);
    await resumeFlowRun(callerRun.id);
    await runReaches(sdk.client, callerRun.id, StateType.COMPLETED, signal);
    const started = [...runner.output().matchAll(/k11-caller:child:(\S+)/g)].map((m) => m[1]);
    assert.equal(started.length, 2, "two executions of the caller");
    assert.equal(started[0], started[1], "both got the same deployment run");
    const { flowRuns } = await sdk.client.listFlowRuns({ parentFlowRunId: callerRun.id });
    assert.deepEqual(
      flowRuns.map((r) => r.id),
      [started[0]],
    );
  });

  test("K11 runDeployment's wait honours timeout (the run as last seen) and its signal", async () => {
    const signal = AbortSignal.timeout(60_000);
    const seen = await runDeployment("suspends-itself/sdk-runner", { parameters: { marker: "k11-timeout" }, timeout: 0.5 });
    assert.ok(seen.state && !isFinalStateType(seen.state.type), `not final: ${seen.state?.type}`);

    const stop = new AbortController();
    const waiting = runDeployment("suspends-itself/sdk-runner", { parameters: { marker: "k11-abort" }, signal: stop.signal });
    await runner.waitFor(/k11-abort:before/, signal);
    stop.abort(new Error("caller gave up"));
    await assert.rejects(waiting, /caller gave up/);
  });
});
