import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import { ErrorReason } from "@flowgate/contract/flowgate/v1/errors.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { ERROR_REASONS } from "../../server/src/domain/errors.js";
import { backdatePauseExpiry, expectGrpcError, pausedRun, runningRun, waitForResume } from "../support/fixtures.js";
import { reasonOf, statusDetails } from "../support/status-details.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/** The reasons as the contract declares them: "ERROR_REASON_FLOW_RUN_NOT_FOUND" → "FLOW_RUN_NOT_FOUND". */
const CONTRACT_REASONS = Object.keys(ErrorReason)
  .filter((k) => Number.isNaN(Number(k)) && k !== "ERROR_REASON_UNSPECIFIED" && k !== "UNRECOGNIZED")
  .map((k) => k.replace(/^ERROR_REASON_/, ""));

const GERMAN_SCHEMA = {
  type: "object",
  properties: { farbe: { enum: ["grün", "blau"] }, straße: { type: "string" } },
  required: ["straße"],
  additionalProperties: false,
};

describe("error reasons: every failure names its reason, the same on gRPC and HTTP", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  const api = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: { error: string; reason: string; fieldErrors?: unknown[] } }> => {
    const res = await fetch(`http://${server.httpAddress}${path}`, {
      method,
      headers: { authorization: server.authHeader, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as { error: string; reason: string; fieldErrors?: unknown[] } };
  };

  test("the server's reasons are exactly the contract's ErrorReason values", () => {
    assert.deepEqual([...ERROR_REASONS].sort(), [...CONTRACT_REASONS].sort());
  });

  /** Each row arranges a failure over gRPC and says which code and reason it must carry. */
  const grpcCases: { reason: string; code: status; call: (s: TestServer) => Promise<unknown> }[] = [
    { reason: "FLOW_RUN_NOT_FOUND", code: status.NOT_FOUND, call: (s) => s.runs.getFlowRun({ flowRunId: randomUUID() }) },
    {
      reason: "DEPLOYMENT_NOT_FOUND",
      code: status.NOT_FOUND,
      call: (s) => s.deployments.getDeployment({ deploymentId: randomUUID(), fullName: "" }),
    },
    { reason: "TASK_RUN_NOT_FOUND", code: status.NOT_FOUND, call: (s) => s.runs.getTaskRun({ taskRunId: randomUUID(), cacheKey: "" }) },
    {
      reason: "FLOW_RUN_INPUT_NOT_FOUND",
      code: status.NOT_FOUND,
      call: async (s) => s.runs.readFlowRunInput({ flowRunId: (await runningRun(s)).id, key: "nothing-here" }),
    },
    {
      reason: "NOT_PAUSED",
      code: status.FAILED_PRECONDITION,
      call: async (s) => s.runs.resumeFlowRun({ flowRunId: (await runningRun(s)).id }),
    },
    {
      reason: "PAUSE_TIMED_OUT",
      code: status.FAILED_PRECONDITION,
      call: async (s) => {
        const paused = await pausedRun(s, { key: "late" });
        await backdatePauseExpiry(s.database, paused.id, "late");
        return s.runs.resumeFlowRun({ flowRunId: paused.id });
      },
    },
    {
      reason: "ALREADY_FINAL",
      code: status.FAILED_PRECONDITION,
      call: async (s) => {
        const paused = await pausedRun(s);
        await s.runs.cancelFlowRun({ flowRunId: paused.id });
        return s.runs.cancelFlowRun({ flowRunId: paused.id });
      },
    },
    {
      reason: "TRANSITION_REFUSED",
      code: status.FAILED_PRECONDITION,
      call: async (s) => s.runs.pauseFlowRun({ flowRunId: (await pausedRun(s)).id, key: "second" }),
    },
    {
      reason: "INVALID_RUN_INPUT",
      code: status.INVALID_ARGUMENT,
      call: async (s) =>
        s.runs.resumeFlowRun({ flowRunId: (await pausedRun(s, { inputSchema: GERMAN_SCHEMA })).id, runInput: { farbe: 3 } }),
    },
    { reason: "INVALID_ARGUMENT", code: status.INVALID_ARGUMENT, call: (s) => s.runs.getFlowRun({ flowRunId: "not-a-uuid" }) },
    {
      reason: "VERSION_CONFLICT",
      code: status.ABORTED,
      call: async (s) =>
        s.runs.setFlowRunState({
          flowRunId: (await runningRun(s)).id,
          state: { type: StateType.STATE_TYPE_COMPLETED, name: "", message: "" },
          expectedVersion: 999,
        }),
    },
    {
      reason: "INPUT_KEY_EXISTS",
      code: status.ALREADY_EXISTS,
      call: async (s) => {
        const run = await runningRun(s);
        await s.runs.createFlowRunInput({ flowRunId: run.id, key: "greeting", value: "hi" });
        return s.runs.createFlowRunInput({ flowRunId: run.id, key: "greeting", value: "again" });
      },
    },
  ];

  for (const c of grpcCases) {
    test(`gRPC: ${c.reason} comes with ${status[c.code]} and ErrorInfo { reason: "${c.reason}", domain: "flowgate.dev" }`, async () => {
      await expectGrpcError(c.call(server), c.code, undefined, c.reason);
    });
  }

  test("gRPC: PAUSE_NOT_FOUND ends a WaitForResume for a key the run never had", async () => {
    const run = await runningRun(server);
    const reader = waitForResume(server, run.id, { key: "never-used" });
    await assert.rejects(reader.next(), (err: ServiceError) => {
      assert.equal(err.code, status.NOT_FOUND);
      assert.equal(reasonOf(err), "PAUSE_NOT_FOUND");
      return true;
    });
  });

  test("gRPC: field violations in any language come back as BadRequest, and the server keeps serving", async () => {
    const paused = await pausedRun(server, { inputSchema: GERMAN_SCHEMA });
    const err = await expectGrpcError(
      server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: { farbe: "rot", ü: 1 } }),
      status.INVALID_ARGUMENT,
      undefined,
      "INVALID_RUN_INPUT",
    );
    const violations = statusDetails(err).violations;
    const text = JSON.stringify(violations);
    assert.ok(
      violations.some((v) => v.field === "farbe"),
      `a violation names farbe: ${text}`,
    );
    assert.ok(text.includes("straße"), `a violation names the missing straße: ${text}`);
    assert.ok(text.includes("ü"), `a violation names the unexpected ü: ${text}`);
    const { flowRun } = await server.runs.getFlowRun({ flowRunId: paused.id });
    assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_PAUSED, "the run is unchanged and the server alive");
  });

  const httpCases: { reason: string; status: number; call: (s: TestServer) => ReturnType<typeof api> }[] = [
    { reason: "FLOW_RUN_NOT_FOUND", status: 404, call: () => api("GET", `/api/runs/${randomUUID()}`) },
    { reason: "INVALID_ARGUMENT", status: 400, call: () => api("GET", "/api/runs/not-a-uuid") },
    { reason: "NOT_PAUSED", status: 409, call: async (s) => api("POST", `/api/runs/${(await runningRun(s)).id}/resume`, {}) },
    {
      reason: "PAUSE_TIMED_OUT",
      status: 409,
      call: async (s) => {
        const paused = await pausedRun(s, { key: "late" });
        await backdatePauseExpiry(s.database, paused.id, "late");
        return api("POST", `/api/runs/${paused.id}/resume`, {});
      },
    },
    {
      reason: "ALREADY_FINAL",
      status: 409,
      call: async (s) => {
        const paused = await pausedRun(s);
        await api("POST", `/api/runs/${paused.id}/cancel`, {});
        return api("POST", `/api/runs/${paused.id}/cancel`, {});
      },
    },
    {
      reason: "TRANSITION_REFUSED",
      status: 409,
      call: async (s) => api("POST", `/api/runs/${(await runningRun(s)).id}/suspend`, {}),
    },
    {
      reason: "INVALID_RUN_INPUT",
      status: 400,
      call: async (s) =>
        api("POST", `/api/runs/${(await pausedRun(s, { inputSchema: GERMAN_SCHEMA })).id}/resume`, { input: { farbe: "rot" } }),
    },
    { reason: "ROUTE_NOT_FOUND", status: 404, call: () => api("GET", "/api/nothing-here") },
    { reason: "METHOD_NOT_ALLOWED", status: 405, call: () => api("DELETE", "/api/runs") },
    {
      reason: "PAYLOAD_TOO_LARGE",
      status: 413,
      call: async (s) =>
        api("POST", `/api/runs/${(await pausedRun(s)).id}/resume`, JSON.stringify({ input: { big: "x".repeat(5 * 1024 * 1024) } })),
    },
  ];

  for (const c of httpCases) {
    test(`HTTP: ${c.reason} comes with ${c.status} and "reason": "${c.reason}" in the JSON body`, async () => {
      const res = await c.call(server);
      assert.equal(res.status, c.status, JSON.stringify(res.body));
      assert.equal(res.body.reason, c.reason);
      assert.equal(typeof res.body.error, "string");
    });
  }
});
