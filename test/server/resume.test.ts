import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import { WaitEventType } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  assertUnchanged,
  expectGrpcError,
  fieldViolations,
  getRun,
  pausedRun,
  readUntil,
  runningRun,
  waitForResume,
} from "../support/fixtures.js";

const NOT_PAUSED = "Cannot resume a flow run that is not paused.";

describe("resuming a paused flow run", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("S06 resuming an in-process pause gives RUNNING and stores the input at paused-{key}-response", async () => {
    const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };
    const paused = await pausedRun(server, { inputSchema: schema });
    const key = paused.state!.details!.pauseKey;
    assert.equal(key, "1");

    const { flowRun: resumed } = await server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: { name: "Marvin" } });
    assert.equal(resumed!.state!.type, StateType.STATE_TYPE_RUNNING);
    assert.equal(resumed!.version, paused.version + 1);
    assert.equal(resumed!.pause, undefined, "a RUNNING run has no current pause");
    assert.equal(resumed!.runCount, paused.runCount, "a resume is not a new run");

    const stored = await server.runs.readFlowRunInput({ flowRunId: paused.id, key: `paused-${key}-response` });
    assert.deepEqual(stored.input!.value, { name: "Marvin" });

    const now = await getRun(server, paused.id);
    assert.equal(now.state!.type, StateType.STATE_TYPE_RUNNING);
    assert.equal(now.state!.id, resumed!.state!.id);

    // A pause with a custom key stores its response under that key.
    const custom = await pausedRun(server, { key: "approval", inputSchema: { type: "object", properties: { ok: { type: "boolean" } } } });
    await server.runs.resumeFlowRun({ flowRunId: custom.id, runInput: { ok: true } });
    const customStored = await server.runs.readFlowRunInput({ flowRunId: custom.id, key: "paused-approval-response" });
    assert.deepEqual(customStored.input!.value, { ok: true });
  });

  test("S07 resume with invalid input is INVALID_ARGUMENT naming every failing field, and the run stays paused with the same state id", async () => {
    const schema = {
      type: "object",
      properties: {
        name: { type: "string", minLength: 1 },
        age: { type: "integer", minimum: 0 },
        email: { type: "string", format: "email" },
        role: { enum: ["admin", "user"] },
        address: {
          type: "object",
          properties: { city: { type: "string" }, zip: { type: "string", pattern: "^[0-9]{5}$" } },
          required: ["city"],
        },
        tags: { type: "array", items: { type: "string" } },
      },
      required: ["name", "age", "address"],
    };
    const paused = await pausedRun(server, { inputSchema: schema });
    const badInput = {
      name: 42,
      age: -1,
      email: "not-an-email",
      role: "root",
      address: { zip: "abc" },
      tags: ["ok", 7],
    };

    const err = await expectGrpcError(server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: badInput }), status.INVALID_ARGUMENT);

    // Every failing field path, each with its reason, in the JSON trailer.
    const violations = fieldViolations(err);
    const byField = new Map(violations.map((v) => [v.field, v.description]));
    const expected: Record<string, RegExp> = {
      name: /string/,
      age: />= 0/,
      email: /email/,
      role: /"admin", "user"/,
      "address.city": /required/,
      "address.zip": /pattern/,
      "tags.1": /string/,
    };
    assert.deepEqual([...byField.keys()].sort(), Object.keys(expected).sort(), `violations: ${JSON.stringify(violations)}`);
    for (const [field, reason] of Object.entries(expected)) {
      assert.match(byField.get(field)!, reason, `reason for ${field}`);
    }
    // The message names them too, and the rich status (google.rpc.BadRequest) is attached.
    for (const field of Object.keys(expected)) assert.ok(err.details.includes(field), `message names ${field}: ${err.details}`);
    const [details] = err.metadata.get("grpc-status-details-bin");
    assert.ok(Buffer.isBuffer(details) && details.length > 0, "grpc-status-details-bin is present");
    assert.ok(details.includes("type.googleapis.com/google.rpc.BadRequest"));
    for (const field of Object.keys(expected)) assert.ok(details.includes(field), `BadRequest names ${field}`);

    // Nothing changed: PAUSED, same state id, same version, no response stored.
    const still = await assertUnchanged(server, paused);
    assert.equal(still.state!.type, StateType.STATE_TYPE_PAUSED);
    assert.deepEqual(still.pause?.inputSchema, schema);
    await expectGrpcError(server.runs.readFlowRunInput({ flowRunId: paused.id, key: "paused-1-response" }), status.NOT_FOUND);

    // A later valid resume works.
    const good = { name: "Ada", age: 36, email: "ada@example.com", role: "admin", address: { city: "London", zip: "12345" }, tags: ["x"] };
    const { flowRun: resumed } = await server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: good });
    assert.equal(resumed!.state!.type, StateType.STATE_TYPE_RUNNING);
    assert.equal(resumed!.version, paused.version + 1);
    const stored = await server.runs.readFlowRunInput({ flowRunId: paused.id, key: "paused-1-response" });
    assert.deepEqual(stored.input!.value, good);
  });

  test("S08 resume with no input is accepted when every field has a default, and is S07 when a required field is missing", async () => {
    const allDefaults = {
      type: "object",
      properties: {
        name: { type: "string", default: "Marvin" },
        count: { type: "integer", default: 3 },
      },
    };
    const paused = await pausedRun(server, { inputSchema: allDefaults });
    const { flowRun: resumed } = await server.runs.resumeFlowRun({ flowRunId: paused.id });
    assert.equal(resumed!.state!.type, StateType.STATE_TYPE_RUNNING);
    const stored = await server.runs.readFlowRunInput({ flowRunId: paused.id, key: "paused-1-response" });
    assert.deepEqual(stored.input!.value, { name: "Marvin", count: 3 }, "the defaults are the input");

    const required = {
      type: "object",
      properties: {
        name: { type: "string" },
        count: { type: "integer", default: 3 },
      },
      required: ["name"],
    };
    const waiting = await pausedRun(server, { inputSchema: required });
    const err = await expectGrpcError(server.runs.resumeFlowRun({ flowRunId: waiting.id }), status.INVALID_ARGUMENT);
    assert.deepEqual(fieldViolations(err), [{ field: "name", description: "is required" }]);
    const still = await assertUnchanged(server, waiting);
    assert.equal(still.state!.type, StateType.STATE_TYPE_PAUSED);
  });

  test("S09 resuming a run that is not paused is FAILED_PRECONDITION and changes nothing", async () => {
    const running = await runningRun(server);
    await expectGrpcError(server.runs.resumeFlowRun({ flowRunId: running.id, runInput: { a: 1 } }), status.FAILED_PRECONDITION, NOT_PAUSED);
    await assertUnchanged(server, running);

    const { flowRun: scheduled } = await server.runs.createFlowRun({ flowName: "f", state: { type: StateType.STATE_TYPE_SCHEDULED } });
    await expectGrpcError(server.runs.resumeFlowRun({ flowRunId: scheduled!.id }), status.FAILED_PRECONDITION, NOT_PAUSED);
    await assertUnchanged(server, scheduled!);

    const { flowRun: stateless } = await server.runs.createFlowRun({ flowName: "f" });
    await expectGrpcError(server.runs.resumeFlowRun({ flowRunId: stateless!.id }), status.FAILED_PRECONDITION, NOT_PAUSED);
    const statelessNow = await getRun(server, stateless!.id);
    assert.equal(statelessNow.state, undefined);
    assert.equal(statelessNow.version, stateless!.version);

    // A pause that was already resumed: the run is RUNNING again, a second resume is refused.
    const paused = await pausedRun(server);
    await server.runs.resumeFlowRun({ flowRunId: paused.id });
    const resumed = await getRun(server, paused.id);
    await expectGrpcError(server.runs.resumeFlowRun({ flowRunId: paused.id }), status.FAILED_PRECONDITION, NOT_PAUSED);
    await assertUnchanged(server, resumed);

    const { flowRun: completed } = await server.runs.setFlowRunState({
      flowRunId: resumed.id,
      state: { type: StateType.STATE_TYPE_COMPLETED },
    });
    await expectGrpcError(server.runs.resumeFlowRun({ flowRunId: completed!.id }), status.FAILED_PRECONDITION, NOT_PAUSED);
    await assertUnchanged(server, completed!);
  });

  test("S10 resuming an unknown run is NOT_FOUND and a malformed id is INVALID_ARGUMENT", async () => {
    const unknown = randomUUID();
    await expectGrpcError(server.runs.resumeFlowRun({ flowRunId: unknown, runInput: { a: 1 } }), status.NOT_FOUND, unknown);

    for (const malformed of ["not-a-uuid", "12345", `${randomUUID()}x`]) {
      const err = await expectGrpcError(server.runs.resumeFlowRun({ flowRunId: malformed }), status.INVALID_ARGUMENT, "flow_run_id");
      assert.deepEqual(
        fieldViolations(err).map((v) => v.field),
        ["flow_run_id"],
      );
    }
    const empty = await expectGrpcError(server.runs.resumeFlowRun({ flowRunId: "" }), status.INVALID_ARGUMENT, "flow_run_id");
    assert.deepEqual(
      fieldViolations(empty).map((v) => v.field),
      ["flow_run_id"],
    );
  });

  test("S11 of 100 concurrent resumes exactly one succeeds, the others are FAILED_PRECONDITION, and the stored input is the winner's", async () => {
    const schema = { type: "object", properties: { caller: { type: "integer" } }, required: ["caller"] };
    const paused = await pausedRun(server, { inputSchema: schema });

    // The paused process waits; it must receive the winner's input.
    const wait = waitForResume(server, paused.id, { key: "1" });
    try {
      const first = await wait.next();
      assert.equal(first.type, WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT);

      const outcomes = await Promise.allSettled(
        Array.from({ length: 100 }, (_, caller) => server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: { caller } })),
      );
      const winners = outcomes.flatMap((o, caller) => (o.status === "fulfilled" ? [caller] : []));
      const losers = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as ServiceError] : []));
      assert.equal(winners.length, 1, `winners: ${JSON.stringify(winners)}`);
      assert.equal(losers.length, 99);
      for (const e of losers) {
        assert.equal(e.code, status.FAILED_PRECONDITION, `a loser got ${e.code}: ${e.details}`);
        assert.equal(e.details, NOT_PAUSED);
      }
      const winner = winners[0]!;
      const won = outcomes[winner] as PromiseFulfilledResult<Awaited<ReturnType<typeof server.runs.resumeFlowRun>>>;
      assert.equal(won.value.flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);

      // One transition only, and the stored input is the winner's.
      const now = await getRun(server, paused.id);
      assert.equal(now.state!.type, StateType.STATE_TYPE_RUNNING);
      assert.equal(now.version, paused.version + 1);
      assert.equal(now.state!.id, won.value.flowRun!.state!.id);
      const stored = await server.runs.readFlowRunInput({ flowRunId: paused.id, key: "paused-1-response" });
      assert.deepEqual(stored.input!.value, { caller: winner });

      const [final] = (await readUntil(wait, (m) => m.type !== WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT)).slice(-1);
      assert.equal(final!.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
      assert.deepEqual(final!.runInput, { caller: winner });
    } finally {
      wait.cancel();
    }
  });
});
