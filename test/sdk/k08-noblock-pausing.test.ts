import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { resumeFlowRun, runDeployment, StateType } from "../../client-sdk/src/index.js";
import { startRunnerProcess, type RunnerProcess } from "../support/runner-process.js";
import { runReaches, startSdkServer, type SdkServer } from "../support/sdk.js";

describe("K08 noblockPausing: pauseFlowRun({ reschedule: true }) suspends; a runner re-executes it", () => {
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

  test("K08 persisted foo results are reused, waitFor is honoured, and the run completes", async () => {
    const signal = AbortSignal.timeout(60_000);
    const run = await runDeployment("k08-noblock-pausing/sdk-runner", { timeout: 0 });
    const suspended = await runReaches(sdk.client, run.id, StateType.PAUSED, signal);
    assert.equal(suspended.state?.name, "Suspended");
    assert.equal(suspended.state?.details?.pauseReschedule, true);
    // The child ends (exit 0) once x, submitted before the pause, has finished and stored its result.
    await runner.waitFor(new RegExp(`flow run ${run.id} process \\d+ exited with code 0`), signal);
    const first = runner.output();
    assert.deepEqual(starts(first), ["x"]);
    assert.match(first, /foo:end:x/);

    const resumed = await resumeFlowRun(run.id);
    assert.equal(resumed.state?.type, StateType.SCHEDULED);
    await runReaches(sdk.client, run.id, StateType.COMPLETED, signal);
    const out = runner.output();
    assert.match(out, /k08:returned:42,42,42,42,42/);
    // x ran once, before the pause; the re-execution ran only the four new calls.
    assert.deepEqual(starts(out).sort(), ["alpha", "omega", "x", "y", "z"]);
    const at = (line: string): number => out.indexOf(line);
    assert.ok(at("foo:end:y") < at("foo:start:alpha"), "alpha waits for y");
    assert.ok(at("foo:end:y") < at("foo:start:omega"), "omega waits for x and y");
  });
});

function starts(output: string): string[] {
  return [...output.matchAll(/foo:start:(\w+)/g)].map((m) => m[1] ?? "");
}
