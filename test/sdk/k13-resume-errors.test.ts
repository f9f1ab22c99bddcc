import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import {
  flow,
  FlowRunNotFoundError,
  InvalidRunInputError,
  NotPausedError,
  pauseFlowRun,
  resumeFlowRun,
  RunInput,
} from "../../client-sdk/src/index.js";
import { nextRunIn, startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

describe("K13 resumeFlowRun errors", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  test("K13 resuming a run that is not paused throws NotPausedError with the server's message", async () => {
    const run = await sdk.client.createFlowRun({ flowName: "not-paused", state: { type: StateType.RUNNING } });
    await assert.rejects(
      resumeFlowRun(run.id),
      (err: Error) => err instanceof NotPausedError && err.message === "Cannot resume a flow run that is not paused.",
    );
  });

  test("K13 resuming an unknown run throws FlowRunNotFoundError", async () => {
    await assert.rejects(resumeFlowRun("6b1f1f44-1b5e-4a39-9a3e-0c6a3f1d2e7b"), FlowRunNotFoundError);
  });

  test("K13 invalid input throws InvalidRunInputError carrying every field path; the run stays paused", async () => {
    const Shipping = RunInput.define(z.object({ name: z.string(), address: z.object({ city: z.string(), zip: z.string() }) }));
    const f = flow(async () => pauseFlowRun({ waitForInput: Shipping }), { name: "shipping" });
    const paused = nextRunIn(sdk.client, "shipping", StateType.PAUSED);
    const result = f();
    const run = await paused;

    const err = await resumeFlowRun(run.id, { name: 42, address: { zip: "12345" } }).then(
      () => assert.fail("the resume succeeded"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof InvalidRunInputError, `got ${String(err)}`);
    const fields = err.fieldErrors.map((f) => f.field).sort();
    assert.deepEqual(fields, ["address.city", "name"]);
    assert.equal((await sdk.client.getFlowRun(run.id)).state?.type, StateType.PAUSED);

    await resumeFlowRun(run.id, { name: "Ford", address: { city: "Guildford", zip: "GU1" } });
    assert.deepEqual(await result, { name: "Ford", address: { city: "Guildford", zip: "GU1" } });
  });
});
