/**
 * Size limits on every string, list and map field of every request (issue 12 item 3), over gRPC: one
 * row per class of limit, each refused with INVALID_ARGUMENT naming the field (its proto path) and the
 * limit, before any service runs, so nothing changes. The HTTP API's few body fields are bounded by
 * the body size and the JSON limits.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { StateType, type FlowRun } from "@flowgate/contract/flowgate/v1/types.js";
import { DEFAULT_MAX_LIST_ITEMS, DEFAULT_MAX_STRING_CHARS } from "../../server/src/rpc/request-limits.js";
import { MAX_JSON_ENTRIES } from "../../server/src/domain/json-limits.js";
import { assertUnchanged, expectGrpcError, fieldViolations, pausedRun, runningRun } from "../support/fixtures.js";
import { connect } from "../support/grpc-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const x = (n: number): string => "x".repeat(n);
const labels = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));

interface Row {
  limit: string;
  call: (s: TestServer, run: FlowRun) => Promise<unknown>;
  field: string;
  description: string;
}

const ROWS: Row[] = [
  {
    limit: "ids: 36 characters",
    call: (s) => s.runs.getFlowRun({ flowRunId: x(37) }),
    field: "flow_run_id",
    description: "must be at most 36 characters",
  },
  {
    limit: "request ids: 128 characters",
    call: (s, run) => s.runs.cancelFlowRun({ flowRunId: run.id, requestId: x(129) }),
    field: "request_id",
    description: "must be at most 128 characters",
  },
  {
    limit: "names: 200 characters",
    call: (s) => s.runs.createFlowRun({ flowName: x(201) }),
    field: "flow_name",
    description: "must be at most 200 characters",
  },
  {
    limit: "state messages: 4,000 characters, in a nested message",
    call: (s, run) => s.runs.setFlowRunState({ flowRunId: run.id, state: { type: StateType.STATE_TYPE_COMPLETED, message: x(4_001) } }),
    field: "state.message",
    description: "must be at most 4000 characters",
  },
  {
    limit: "deployment entrypoints: 1,000 characters",
    call: (s) => s.deployments.createDeployment({ name: "d", flowName: "f", entrypoint: x(1_001) }),
    field: "entrypoint",
    description: "must be at most 1000 characters",
  },
  {
    limit: "input senders: 200 characters",
    call: (s, run) => s.runs.createFlowRunInput({ flowRunId: run.id, key: "k", value: 1, sender: x(201) }),
    field: "sender",
    description: "must be at most 200 characters",
  },
  {
    limit: `strings not in the table: ${DEFAULT_MAX_STRING_CHARS} characters`,
    call: (s, run) => s.runs.pauseFlowRun({ flowRunId: run.id, inputDescription: x(DEFAULT_MAX_STRING_CHARS + 1) }),
    field: "input_description",
    description: `must be at most ${DEFAULT_MAX_STRING_CHARS} characters`,
  },
  {
    limit: `lists not in the table: ${DEFAULT_MAX_LIST_ITEMS} items`,
    call: (s, run) => s.runs.filterFlowRunInputs({ flowRunId: run.id, excludeKeys: Array<string>(DEFAULT_MAX_LIST_ITEMS + 1).fill("k") }),
    field: "exclude_keys",
    description: `must have at most ${DEFAULT_MAX_LIST_ITEMS} items`,
  },
  {
    limit: "items of a list of ids: 36 characters each",
    call: (s) => s.deployments.claimFlowRuns({ deploymentIds: ["00000000-0000-0000-0000-000000000000", x(37)], runnerId: "r" }),
    field: "deployment_ids.1",
    description: "must be at most 36 characters",
  },
  {
    limit: "labels: 64 entries",
    call: (s) => s.runs.createFlowRun({ flowName: "labelled", labels: labels(65) }),
    field: "labels",
    description: "must have at most 64 entries",
  },
  {
    limit: "label keys: 100 characters",
    call: (s) => s.runs.createFlowRun({ flowName: "labelled", labels: { [x(101)]: "v" } }),
    field: `labels.${x(101)}`,
    description: "key must be at most 100 characters",
  },
  {
    limit: "label values: 1,000 characters",
    call: (s) => s.runs.createFlowRun({ flowName: "labelled", labels: { team: x(1_001) } }),
    field: "labels.team",
    description: "must be at most 1000 characters",
  },
  {
    limit: "key groups: 64 items",
    call: (s) => s.keys.createKey({ name: "k", scopes: ["runs:read"], groups: Array<string>(65).fill("g") }),
    field: "groups",
    description: "must have at most 64 items",
  },
];

describe("every string, list and map field of a request has a limit, refused with INVALID_ARGUMENT naming it", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  for (const row of ROWS) {
    test(`${row.limit}: refused naming ${row.field.slice(0, 40)}, and nothing changes`, async () => {
      const run = await runningRun(server);
      const runsBefore = (await server.runs.listFlowRuns({ pageSize: 500 })).flowRuns.length;
      const deploymentsBefore = (await server.deployments.listDeployments({ pageSize: 500 })).deployments.length;
      const limitText = /at most (\d+)/.exec(row.description)![1]!;
      const err = await expectGrpcError(row.call(server, run), status.INVALID_ARGUMENT, `limit is ${limitText}`, "INVALID_ARGUMENT");
      assert.deepEqual(fieldViolations(err), [{ field: row.field, description: row.description }]);
      await assertUnchanged(server, run);
      assert.equal((await server.runs.listFlowRuns({ pageSize: 500 })).flowRuns.length, runsBefore, "no run created");
      assert.equal(
        (await server.deployments.listDeployments({ pageSize: 500 })).deployments.length,
        deploymentsBefore,
        "no deployment created",
      );
    });
  }

  test("values at their limits pass the edge (counted in characters, not bytes or UTF-16 units)", async () => {
    const { flowRun } = await server.runs.createFlowRun({
      flowName: x(200),
      labels: { ...labels(63), [x(100)]: "ü".repeat(1_000) },
      state: { type: StateType.STATE_TYPE_RUNNING, message: "𝄞".repeat(4_000) },
    });
    assert.equal(flowRun!.flowName, x(200));
    assert.equal(flowRun!.state!.message, "𝄞".repeat(4_000));
    assert.equal(Object.keys(flowRun!.labels).length, 64);
  });

  test("a stream's request is bounded too, refused before the stream starts", async () => {
    const paused = await pausedRun(server);
    const stream = server.rawRuns.waitForResume({ flowRunId: paused.id, key: x(65), heartbeatSeconds: 0 });
    const err = await new Promise<{ code: number; details: string }>((resolve) => stream.on("error", resolve));
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.match(err.details, /^key is 65 characters long; the limit is 64 for a pause key\.$/);
    await assertUnchanged(server, paused);
  });

  test("the caller is authenticated before the limits are checked", async () => {
    const anonymous = connect(server.address);
    try {
      await expectGrpcError(anonymous.runs.getFlowRun({ flowRunId: x(10_000) }), status.UNAUTHENTICATED, undefined, "UNAUTHENTICATED");
    } finally {
      anonymous.close();
    }
  });
});

describe("the HTTP API's body fields are bounded by the body size and the JSON limits", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { FLOWGATE_MAX_INPUT_BYTES: "65536" } });
  });
  after(async () => {
    await server.stop();
  });

  const post = async (path: string, body: string): Promise<{ status: number; reason: string; error: string }> => {
    const res = await fetch(`http://${server.httpAddress}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: server.authHeader },
      body,
    });
    const json = (await res.json()) as { reason: string; error: string };
    return { status: res.status, reason: json.reason, error: json.error };
  };

  test("a resume body over the size limit is 413 PAYLOAD_TOO_LARGE; input with too many entries is 400 INVALID_RUN_INPUT", async () => {
    const paused = await pausedRun(server);
    const big = await post(`/api/runs/${paused.id}/resume`, JSON.stringify({ input: { s: x(200_000) } }));
    assert.deepEqual([big.status, big.reason], [413, "PAYLOAD_TOO_LARGE"], big.error);
    const wide = Object.fromEntries(Array.from({ length: MAX_JSON_ENTRIES + 1 }, (_, i) => [`${i}`, 0]));
    const many = await post(`/api/runs/${paused.id}/resume`, JSON.stringify({ input: wide }));
    assert.deepEqual([many.status, many.reason], [400, "INVALID_RUN_INPUT"], many.error);
    assert.ok(many.error.includes(`${MAX_JSON_ENTRIES} entries`), many.error);
    await assertUnchanged(server, paused);
  });

  test("the other bodies (suspend, cancel, session) are bounded the same way, and refuse unknown fields", async () => {
    const run = await runningRun(server, { withDeployment: true });
    for (const path of [`/api/runs/${run.id}/suspend`, `/api/runs/${run.id}/cancel`, "/api/session"]) {
      const big = await post(path, JSON.stringify({ padding: x(200_000) }));
      assert.deepEqual([big.status, big.reason], [413, "PAYLOAD_TOO_LARGE"], `${path}: ${big.error}`);
      const unknown = await post(path, JSON.stringify({ padding: x(1_000) }));
      assert.deepEqual([unknown.status, unknown.reason], [400, "INVALID_ARGUMENT"], `${path}: ${unknown.error}`);
    }
    await assertUnchanged(server, run);
  });
});
