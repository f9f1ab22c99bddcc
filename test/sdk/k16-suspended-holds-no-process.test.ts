import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { resumeFlowRun, runDeployment, StateType } from "../../client-sdk/src/index.js";
import { isAlive, startRunnerProcess, type RunnerProcess } from "../support/runner-process.js";
import { runReaches, startSdkServer, type SdkServer } from "../support/sdk.js";

const RUNNER = "test/sdk/fixtures/runner-flows.ts";

describe("K16 a suspended run holds no process", () => {
  let sdk: SdkServer;
  const runners: RunnerProcess[] = [];
  before(async () => {
    sdk = await startSdkServer();
  });
  after(async () => {
    for (const r of runners) await r.stop();
    await sdk.stop();
  });

  test("K16 the child exits at the suspend; after the runner restarts, the new runner executes the resumed run", async () => {
    const signal = AbortSignal.timeout(90_000);
    const env = { FLOWGATE_API_ADDRESS: sdk.server.address };
    const first = startRunnerProcess(RUNNER, env);
    runners.push(first);
    await first.ready(signal);

    const run = await runDeployment("suspends-itself/sdk-runner", { parameters: { marker: "k16" }, timeout: 0 });
    const suspended = await runReaches(sdk.client, run.id, StateType.PAUSED, signal);
    assert.equal(suspended.state?.name, "Suspended");
    const exit = await first.waitFor(new RegExp(`flow run ${run.id} process (\\d+) exited with code 0`), signal);
    assert.equal(isAlive(Number(exit[1])), false, "the suspended run's process is gone");
    assert.match(first.output(), /k16:before/);
    assert.doesNotMatch(first.output(), /k16:after/);

    // A graceful stop with nothing running ends the runner at once, with code 0.
    assert.equal(await first.stop(), 0);
    assert.match(first.output(), /runner: stopped/);

    const resumed = await resumeFlowRun(run.id);
    assert.equal(resumed.state?.type, StateType.SCHEDULED);
    const second = startRunnerProcess(RUNNER, env);
    runners.push(second);
    await runReaches(sdk.client, run.id, StateType.COMPLETED, signal);
    assert.match(second.output(), new RegExp(`flow run ${run.id} \\(suspends-itself\\) started`));
    assert.match(second.output(), /k16:before\n(.*\n)*k16:after/);
  });

  test("K16 a child that dies mid-run leaves its run CRASHED, and the runner keeps serving", async () => {
    const signal = AbortSignal.timeout(60_000);
    const runner = startRunnerProcess(RUNNER, { FLOWGATE_API_ADDRESS: sdk.server.address });
    runners.push(runner);
    await runner.ready(signal);
    const crashed = await runDeployment("exits-abruptly/sdk-runner", { timeout: null, signal });
    assert.equal(crashed.state?.type, StateType.CRASHED);
    assert.match(crashed.state?.message ?? "", /exited with code 3/);
    const next = await runDeployment("suspends-itself/sdk-runner", { parameters: { marker: "k16-next" }, timeout: 0 });
    assert.equal((await runReaches(sdk.client, next.id, StateType.PAUSED, signal)).state?.name, "Suspended");
  });
});
