import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import { flow, pauseFlowRun, resumeFlowRun, RunInput } from "../../client-sdk/src/index.js";
import { nextRunIn, startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

describe("K04 pauseFlowRun with waitForInput", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  test("K04 the seed's greetUser gets the typed, validated { name }", async () => {
    const UserNameInput = RunInput.define(z.object({ name: z.string() }), { description: "Who are you?" });
    const greetUser = flow(
      async () => {
        const { name } = await pauseFlowRun({ waitForInput: UserNameInput });
        const greeting: string = `Hello, ${name}!`; // `name` is typed string by inference
        return greeting;
      },
      { name: "greet-user", logPrints: true },
    );

    const paused = nextRunIn(sdk.client, "greet-user", StateType.PAUSED);
    const greeting = greetUser();
    const run = await paused;
    await resumeFlowRun(run.id, { name: "Marvin" });
    assert.equal(await greeting, "Hello, Marvin!");
  });

  test('K04 a zod primitive travels as { value }: resuming with {"value": 42} returns 42', async () => {
    const Answer = RunInput.define(z.number());
    const ask = flow(
      async () => {
        const n: number = await pauseFlowRun({ waitForInput: Answer });
        return n + 0.5;
      },
      { name: "ask-number" },
    );

    const paused = nextRunIn(sdk.client, "ask-number", StateType.PAUSED);
    const answer = ask();
    const run = await paused;
    assert.deepEqual(run.pause?.inputSchema?.["required"], ["value"]);
    await resumeFlowRun(run.id, { value: 42 });
    assert.equal(await answer, 42.5);
  });

  test("K04 zod refinements the JSON Schema cannot express are enforced when the value is parsed back", async () => {
    const Even = RunInput.define(z.object({ n: z.number().refine((n) => n % 2 === 0, "must be even") }));
    const f = flow(async () => pauseFlowRun({ waitForInput: Even }), { name: "ask-even" });
    const paused = nextRunIn(sdk.client, "ask-even", StateType.PAUSED);
    const result = f();
    await resumeFlowRun((await paused).id, { n: 3 });
    await assert.rejects(result, (err: Error) => err.name === "InvalidRunInputError" && /must be even/.test(err.message));
  });

  test("K04 a bare zod schema works as waitForInput, as Prefect's wait_for_input takes a bare type", async () => {
    const ask = flow(
      async () => {
        const n: number = await pauseFlowRun({ waitForInput: z.number().int() });
        const { city } = await pauseFlowRun({ waitForInput: z.object({ city: z.string() }) });
        return `${n} ${city}`;
      },
      { name: "ask-bare" },
    );
    const first = nextRunIn(sdk.client, "ask-bare", StateType.PAUSED);
    const answer = ask();
    const run = await first;
    assert.deepEqual(run.pause?.inputSchema?.["properties"], {
      value: { type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 },
    });
    const second = sdk.client.watchFlowRun(run.id);
    await resumeFlowRun(run.id, { value: 7 });
    for await (const event of second) {
      if (event.flowRun.state?.type === StateType.PAUSED && event.flowRun.pause?.key === "2") break;
    }
    await resumeFlowRun(run.id, { city: "Lyon" });
    assert.equal(await answer, "7 Lyon");
  });
});
