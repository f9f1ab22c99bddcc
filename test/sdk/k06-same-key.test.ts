import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import { flow, pauseFlowRun, resumeFlowRun, RunInput } from "../../client-sdk/src/index.js";
import { nextRunIn, startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

describe("K06 pause keys", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  test("K06 a second pause with the same custom key returns at once, with the first pause's input", async () => {
    const Name = RunInput.define(z.object({ name: z.string() }));
    const f = flow(
      async () => {
        const first = await pauseFlowRun({ key: "approval", waitForInput: Name });
        // Returns without waiting: the run never enters PAUSED again (its version below says so).
        const second = await pauseFlowRun({ key: "approval", waitForInput: Name });
        return [first.name, second.name];
      },
      { name: "same-key" },
    );

    const paused = nextRunIn(sdk.client, "same-key", StateType.PAUSED);
    const result = f();
    const run = await paused;
    assert.equal(run.state?.details?.pauseKey, "approval");
    await resumeFlowRun(run.id, { name: "Zaphod" });
    assert.deepEqual(await result, ["Zaphod", "Zaphod"]);
    const final = await sdk.client.getFlowRun(run.id);
    assert.equal(final.state?.type, StateType.COMPLETED);
    assert.equal(final.version, run.version + 2, "only the resume and the completion changed the run");
  });

  test("K06 default keys count 1, 2, … per run", async () => {
    const keys: string[] = [];
    const f = flow(
      async () => {
        await pauseFlowRun();
        await pauseFlowRun();
      },
      { name: "two-pauses" },
    );
    const watch = (async () => {
      for await (const e of sdk.client.watchFlowRuns({ flowName: "two-pauses", stateTypes: [StateType.PAUSED] })) {
        const key = e.flowRun.state?.details?.pauseKey;
        if (!key || keys.includes(key)) continue;
        keys.push(key);
        await resumeFlowRun(e.flowRun.id);
        if (keys.length === 2) return;
      }
    })();
    await f();
    await watch;
    assert.deepEqual(keys, ["1", "2"]);
  });
});
