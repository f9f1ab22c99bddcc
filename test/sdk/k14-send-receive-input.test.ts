import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import {
  currentFlowRun,
  flow,
  InvalidRunInputError,
  receiveInput,
  ReceiveInputTimeoutError,
  RunInput,
  sendInput,
} from "../../client-sdk/src/index.js";
import { nextRunIn, startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

const Order = z.object({ item: z.string(), quantity: z.number().int() });

describe("K14 sendInput / receiveInput", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  test("K14 one run receives typed inputs sent by another, oldest first", { timeout: 30_000 }, async () => {
    const receiver = flow(
      async () => {
        const got: Array<z.output<typeof Order>> = [];
        for await (const order of receiveInput(Order, { timeout: 10, pollIntervalSeconds: 0.05 })) {
          got.push(order); // typed: { item: string; quantity: number }
          if (got.length === 3) break;
        }
        return got;
      },
      { name: "k14-receiver" },
    );
    const sender = flow(
      async (to: string) => {
        for (const [item, quantity] of [
          ["towel", 1],
          ["peanuts", 12],
          ["babel fish", 2],
        ] as const) {
          await sendInput({ item, quantity }, { flowRunId: to });
        }
      },
      { name: "k14-sender" },
    );
    const running = nextRunIn(sdk.client, "k14-receiver", StateType.RUNNING);
    const received = receiver();
    const { id } = await running;
    await sender(id);
    assert.deepEqual(await received, [
      { item: "towel", quantity: 1 },
      { item: "peanuts", quantity: 12 },
      { item: "babel fish", quantity: 2 },
    ]);
  });

  test("K14 excludeKeys skips inputs already handled; the iteration ends at the timeout", { timeout: 30_000 }, async () => {
    const run = await sdk.client.createFlowRun({ flowName: "k14-exclude", state: { type: StateType.RUNNING } });
    const first = await sendInput({ item: "tea", quantity: 1 }, { flowRunId: run.id });
    await sendInput({ item: "biscuits", quantity: 2 }, { flowRunId: run.id });
    await sendInput({ item: "milk", quantity: 3 }, { flowRunId: run.id, key: "run-input-milk" });

    const started = Date.now();
    const items: string[] = [];
    for await (const o of receiveInput(RunInput.define(Order), {
      flowRunId: run.id,
      excludeKeys: [first.key],
      timeout: 0.3,
      pollIntervalSeconds: 0.05,
    })) {
      items.push(o.item);
    }
    assert.deepEqual(items, ["biscuits", "milk"]);
    assert.ok(Date.now() - started >= 300, "waited for the timeout before ending");

    // A different key prefix is a different channel.
    await sendInput("hello", { flowRunId: run.id, keyPrefix: "greeting" });
    const greetings: string[] = [];
    for await (const g of receiveInput(z.string(), { flowRunId: run.id, keyPrefix: "greeting", timeout: 0.1 })) greetings.push(g);
    assert.deepEqual(greetings, ["hello"]);
  });

  test("K14 withMetadata gives key and sender; respond() answers the sending run", { timeout: 30_000 }, async () => {
    const Question = z.object({ question: z.string() });
    const Answer = z.object({ answer: z.number() });
    const deepThought = flow(
      async () => {
        for await (const q of receiveInput(Question, { withMetadata: true, timeout: 10, pollIntervalSeconds: 0.05 })) {
          assert.match(q.key, /^run-input-/);
          await q.respond({ answer: q.value.question.length === 0 ? 0 : 42 });
          return q.sender;
        }
        return undefined;
      },
      { name: "k14-deep-thought" },
    );
    const asker = flow(
      async (to: string) => {
        await sendInput({ question: "life, the universe and everything" }, { flowRunId: to });
        for await (const a of receiveInput(Answer, { timeout: 10, pollIntervalSeconds: 0.05, withMetadata: true })) {
          return { answer: a.value.answer, from: a.sender, me: currentFlowRun()?.id };
        }
        return undefined;
      },
      { name: "k14-asker" },
    );
    const running = nextRunIn(sdk.client, "k14-deep-thought", StateType.RUNNING);
    const thinking = deepThought();
    const deepThoughtRun = await running;
    const reply = await asker(deepThoughtRun.id);
    assert.equal(reply?.answer, 42);
    assert.equal(reply?.from, deepThoughtRun.id, "the reply's sender is the responding run");
    assert.equal(await thinking, reply?.me, "the question's sender is the asking run");
  });

  test("K14 timeout: nothing arrives, the iteration ends (or throws with raiseTimeoutError)", { timeout: 30_000 }, async () => {
    const run = await sdk.client.createFlowRun({ flowName: "k14-timeout", state: { type: StateType.RUNNING } });
    const started = Date.now();
    let count = 0;
    for await (const _ of receiveInput(Order, { flowRunId: run.id, timeout: 0.2, pollIntervalSeconds: 0.05 })) count++;
    assert.equal(count, 0);
    assert.ok(Date.now() - started >= 200);

    const iterate = async (): Promise<void> => {
      for await (const _ of receiveInput(Order, { flowRunId: run.id, timeout: 0.1, raiseTimeoutError: true })) count++;
    };
    await assert.rejects(iterate(), ReceiveInputTimeoutError);
  });

  test("K14 a value that fails the schema throws InvalidRunInputError; an aborted wait rejects", { timeout: 30_000 }, async () => {
    const run = await sdk.client.createFlowRun({ flowName: "k14-invalid", state: { type: StateType.RUNNING } });
    await sendInput({ item: "towel", quantity: "lots" }, { flowRunId: run.id });
    const iterate = async (signal?: AbortSignal): Promise<void> => {
      for await (const _ of receiveInput(Order, { flowRunId: run.id, timeout: 5, pollIntervalSeconds: 0.05, signal })) void _;
    };
    await assert.rejects(iterate(), (err: unknown) => err instanceof InvalidRunInputError && err.fieldErrors[0]?.field === "quantity");

    const controller = new AbortController();
    const waiting = (async () => {
      for await (const _ of receiveInput(Order, { flowRunId: run.id, keyPrefix: "nothing", timeout: 60, signal: controller.signal }))
        void _;
    })();
    setTimeout(() => controller.abort(new Error("stop")), 100);
    await assert.rejects(waiting, /stop/);
  });
});
