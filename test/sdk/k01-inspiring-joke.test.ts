import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { flow, pauseFlowRun, resumeFlowRun, task } from "../../client-sdk/src/index.js";
import { nextRunIn, startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

describe("K01 the seed's inspiringJoke", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  test("K01 runs one task, pauses with timeout 600, is resumed from outside, runs the second task and completes", async () => {
    const told: string[] = [];
    const marvinSetup = task(
      async () => {
        told.push("a raft of ducks walk into a bar...");
        return told.at(-1);
      },
      { name: "marvin-setup" },
    );
    const marvinPunchline = task(
      async () => {
        told.push("it's a wonder none of them ducked!");
        return told.at(-1);
      },
      { name: "marvin-punchline" },
    );
    const inspiringJoke = flow(
      async () => {
        await marvinSetup();
        await pauseFlowRun({ timeout: 600 });
        return marvinPunchline();
      },
      { name: "inspiring-joke" },
    );

    const paused = nextRunIn(sdk.client, "inspiring-joke", StateType.PAUSED);
    const result = inspiringJoke();
    const run = await paused;
    assert.deepEqual(told, ["a raft of ducks walk into a bar..."], "only the setup ran before the pause");
    assert.equal(run.state?.name, "Paused");
    assert.equal(run.state?.details?.pauseKey, "1");
    const expiresIn = run.state.details.pauseExpiresAt!.getTime() - Date.now();
    assert.ok(expiresIn > 590_000 && expiresIn <= 600_000, `expires in ${expiresIn} ms`);

    await resumeFlowRun(run.id);
    assert.equal(await result, "it's a wonder none of them ducked!");
    assert.deepEqual(told, ["a raft of ducks walk into a bar...", "it's a wonder none of them ducked!"]);
    const final = await sdk.client.getFlowRun(run.id);
    assert.equal(final.state?.type, StateType.COMPLETED);
  });
});
