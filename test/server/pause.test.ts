import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { expectGrpcError, runningRun } from "../support/fixtures.js";

describe("pausing a flow run", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("S01 pausing a RUNNING run gives PAUSED Paused with key, no reschedule and a 3600 s expiry", async () => {
    const run = await runningRun(server);
    const before = Date.now();
    const { flowRun, alreadyFired } = await server.runs.pauseFlowRun({ flowRunId: run.id, key: "1" });
    assert.equal(alreadyFired, false);
    const state = flowRun!.state!;
    assert.equal(state.type, StateType.STATE_TYPE_PAUSED);
    assert.equal(state.name, "Paused");
    assert.equal(state.details!.pauseKey, "1");
    assert.equal(state.details!.pauseReschedule, false);
    const expiresIn = state.details!.pauseExpiresAt!.getTime() - before;
    assert.ok(expiresIn >= 3600_000 - 5_000 && expiresIn <= 3600_000 + 5_000, `expiry ${expiresIn} ms from now`);
  });

  test("S02 pausing a run that is not RUNNING fails and leaves the state unchanged", async () => {
    const { flowRun: scheduled } = await server.runs.createFlowRun({ flowName: "f", state: { type: StateType.STATE_TYPE_SCHEDULED } });
    await expectGrpcError(
      server.runs.pauseFlowRun({ flowRunId: scheduled!.id }),
      status.FAILED_PRECONDITION,
      "Cannot pause flows that are not currently running.",
    );
    const { flowRun: stateless } = await server.runs.createFlowRun({ flowName: "f" });
    await expectGrpcError(
      server.runs.pauseFlowRun({ flowRunId: stateless!.id }),
      status.FAILED_PRECONDITION,
      "Cannot pause flows with no state.",
    );
    const after = await server.runs.getFlowRun({ flowRunId: scheduled!.id });
    assert.equal(after.flowRun!.state!.type, StateType.STATE_TYPE_SCHEDULED);
    assert.equal(after.flowRun!.version, scheduled!.version);
  });
});
