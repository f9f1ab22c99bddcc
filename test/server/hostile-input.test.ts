/**
 * Hostile input over gRPC (issue 12): whatever a client sends, the server answers promptly with the
 * right code and reason, changes nothing when it refuses, and keeps serving. Each case here broke the
 * server before its fix (a frozen event loop, INTERNAL, or a run that could never be resumed).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Client, credentials, Metadata, Server, ServerCredentials, status, type ServiceError } from "@grpc/grpc-js";
import { pino } from "pino";
import {
  CreateFlowRunInputRequest,
  ResumeFlowRunRequest,
  WatchFlowRunsResponse,
  type ResumeFlowRunResponse,
} from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType, type FlowRun } from "@flowgate/contract/flowgate/v1/types.js";
import { InvalidArgumentError, type FieldViolation } from "../../server/src/domain/errors.js";
import { MAX_JSON_DEPTH, MAX_JSON_ENTRIES } from "../../server/src/domain/json-limits.js";
import { MAX_SCHEMA_ENTRIES } from "../../server/src/domain/schema-references.js";
import { HandlerAdapter } from "../../server/src/rpc/adapter.js";
import { assertUnchanged, expectGrpcError, fieldViolations, getRun, pausedRun, runningRun } from "../support/fixtures.js";
import { reasonOf } from "../support/status-details.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/** Generous: a frozen event loop takes far longer; a prompt answer takes milliseconds. */
// Generous for a loaded 2-core CI machine; exponential backtracking took minutes (192 s measured).
const DEADLINE_MS = 60_000;

/** {"a": {"a": … 1 …}} with `depth` objects. */
function nested(depth: number): Record<string, unknown> {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v as Record<string, unknown>;
}

/** A ResumeFlowRun with a deadline, answered or failed as the server answers it. */
function resumeWithDeadline(
  server: TestServer,
  req: { flowRunId: string; runInput?: Record<string, unknown>; requestId?: string },
): Promise<ResumeFlowRunResponse> {
  return new Promise((resolve, reject) => {
    server.rawRuns.resumeFlowRun(
      ResumeFlowRunRequest.fromPartial(req),
      new Metadata(),
      { deadline: Date.now() + DEADLINE_MS },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

/** Sends `bytes` as the request of `method` exactly as given (no encoding), as a hostile client could. */
function sendRaw(server: TestServer, method: string, bytes: Uint8Array): Promise<Buffer> {
  const client = new Client(server.address, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set("authorization", server.authHeader);
  return new Promise<Buffer>((resolve, reject) => {
    client.makeUnaryRequest(
      `/flowgate.v1.${method}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(bytes),
      metadata,
      { deadline: Date.now() + DEADLINE_MS },
      (err, res) => (err ? reject(err) : resolve(res!)),
    );
  }).finally(() => client.close());
}

/** The wire form of a Struct nested `depth` levels ({"a": {"a": …}}), built without recursion. */
function nestedStructBytes(depth: number): Uint8Array {
  let struct: Uint8Array = new Uint8Array();
  for (let i = 0; i < depth; i++) {
    const value = new BinaryWriter().uint32(42).bytes(struct).finish(); // Value.struct_value = 5
    const entry = new BinaryWriter().uint32(10).string("a").uint32(18).bytes(value).finish(); // key = 1, value = 2
    struct = new BinaryWriter().uint32(10).bytes(entry).finish(); // Struct.fields = 1
  }
  return struct;
}

describe("hostile input over gRPC: refused promptly and precisely, never fatal", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  test("a catastrophic-backtracking pattern answers at once: patterns run on a linear-time engine", async () => {
    const schema = { type: "object", properties: { s: { type: "string", pattern: "^(a+)+$" } } };
    const paused = await pausedRun(server, { inputSchema: schema });
    const err = await expectGrpcError(
      resumeWithDeadline(server, { flowRunId: paused.id, runInput: { s: `${"a".repeat(39)}b` } }),
      status.INVALID_ARGUMENT,
      undefined,
      "INVALID_RUN_INPUT",
    );
    assert.deepEqual(
      fieldViolations(err).map((v) => v.field),
      ["s"],
    );
    await assertUnchanged(server, paused);
    const { flowRun } = await resumeWithDeadline(server, { flowRunId: paused.id, runInput: { s: "aaa" } });
    assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);
  });

  test("a schema is compiled only for a run that exists and is being paused: with a random run id it costs nothing", async () => {
    const invalid = { type: "object", properties: { s: { type: "string", pattern: "^(?=.*\\d).+$" } } };
    // An unknown run: NOT_FOUND, the schema never compiled (it would have been INVALID_ARGUMENT).
    await expectGrpcError(
      server.runs.pauseFlowRun({ flowRunId: "00000000-0000-4000-8000-000000000000", inputSchema: invalid }),
      status.NOT_FOUND,
      undefined,
      "FLOW_RUN_NOT_FOUND",
    );
    // A run that cannot be paused (already paused): the rules answer first.
    const paused = await pausedRun(server);
    await expectGrpcError(
      server.runs.pauseFlowRun({ flowRunId: paused.id, key: "other", inputSchema: invalid }),
      status.FAILED_PRECONDITION,
    );
  });

  test("a pattern the linear-time engine cannot run (lookahead, backreference) is refused at pause time", async () => {
    for (const pattern of ["^(?=.*\\d).+$", "^(a)\\1$"]) {
      const run = await runningRun(server);
      const err = await expectGrpcError(
        server.runs.pauseFlowRun({ flowRunId: run.id, inputSchema: { type: "object", properties: { s: { type: "string", pattern } } } }),
        status.INVALID_ARGUMENT,
        "pattern",
        "INVALID_ARGUMENT",
      );
      assert.equal(fieldViolations(err)[0]?.field, "input_schema");
      await assertUnchanged(server, run);
    }
  });

  test("two pauses whose schemas share an $id each validate by their own schema", async () => {
    const id = "urn:example:approval-form";
    const numbers = await pausedRun(server, {
      inputSchema: { $id: id, type: "object", properties: { n: { type: "number" } }, required: ["n"] },
    });
    const strings = await pausedRun(server, {
      inputSchema: { $id: id, type: "object", properties: { s: { type: "string" } }, required: ["s"] },
    });
    await expectGrpcError(
      server.runs.resumeFlowRun({ flowRunId: strings.id, runInput: { n: 1 } }),
      status.INVALID_ARGUMENT,
      undefined,
      "INVALID_RUN_INPUT",
    );
    await server.runs.resumeFlowRun({ flowRunId: strings.id, runInput: { s: "yes" } });
    await server.runs.resumeFlowRun({ flowRunId: numbers.id, runInput: { n: 1 } });
  });

  test("recursive schemas are refused at pause time, so no resume can overflow the stack", async () => {
    const recursive = [
      { $ref: "#" },
      { type: "object", properties: { child: { $ref: "#" } } },
      { $ref: "#/$defs/a", $defs: { a: { allOf: [{ $ref: "#/$defs/b" }] }, b: { $ref: "#/$defs/a" } } },
    ];
    for (const inputSchema of recursive) {
      const run = await runningRun(server);
      const err = await expectGrpcError(
        server.runs.pauseFlowRun({ flowRunId: run.id, inputSchema }),
        status.INVALID_ARGUMENT,
        "recursive",
        "INVALID_ARGUMENT",
      );
      assert.match(fieldViolations(err)[0]!.field, /^input_schema/);
      await assertUnchanged(server, run);
    }
  });

  test("a schema whose $refs expand past the size limit is refused at pause time", async () => {
    // Each definition refers to the next twice: 2^20 subschemas from a few hundred bytes.
    const $defs: Record<string, unknown> = { d20: { type: "string" } };
    for (let i = 0; i < 20; i++) $defs[`d${i}`] = { allOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
    const run = await runningRun(server);
    await expectGrpcError(
      server.runs.pauseFlowRun({ flowRunId: run.id, inputSchema: { $defs, $ref: "#/$defs/d0" } }),
      status.INVALID_ARGUMENT,
      `${MAX_SCHEMA_ENTRIES} entries`,
      "INVALID_ARGUMENT",
    );
  });

  test("JSON nested past the depth limit is refused naming the field and the limit, on every request that carries JSON", async () => {
    const paused = await pausedRun(server);
    const tooDeep = nested(MAX_JSON_DEPTH + 1);
    const resumeErr = await expectGrpcError(
      server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: tooDeep }),
      status.INVALID_ARGUMENT,
      `${MAX_JSON_DEPTH} levels`,
      "INVALID_RUN_INPUT",
    );
    assert.match(fieldViolations(resumeErr)[0]!.field, /^run_input\.a/);
    await assertUnchanged(server, paused);

    const createErr = await expectGrpcError(
      server.runs.createFlowRun({ flowName: "deep", parameters: tooDeep }),
      status.INVALID_ARGUMENT,
      `${MAX_JSON_DEPTH} levels`,
      "INVALID_ARGUMENT",
    );
    assert.match(fieldViolations(createErr)[0]!.field, /^parameters\.a/);

    const run = await runningRun(server);
    await expectGrpcError(
      server.runs.pauseFlowRun({ flowRunId: run.id, inputSchema: tooDeep }),
      status.INVALID_ARGUMENT,
      `${MAX_JSON_DEPTH} levels`,
      "INVALID_ARGUMENT",
    );
    await expectGrpcError(
      server.runs.createFlowRunInput(CreateFlowRunInputRequest.fromPartial({ flowRunId: run.id, key: "deep", value: tooDeep })),
      status.INVALID_ARGUMENT,
      `${MAX_JSON_DEPTH} levels`,
      "INVALID_ARGUMENT",
    );
    await assertUnchanged(server, run);
  });

  test("input at the depth limit is accepted, and decodes even in the deepest message the contract sends it in", async () => {
    const atLimit = nested(MAX_JSON_DEPTH);
    // As a schema it is one unknown keyword inside another, which validation ignores.
    const paused = await pausedRun(server, { inputSchema: atLimit });
    const { flowRun } = await server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: atLimit });
    assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);
    // WatchFlowRunsResponse → event → flow_run → pause → input_schema: five messages deep before the JSON.
    const event = WatchFlowRunsResponse.fromPartial({
      event: { flowRun: { ...paused, pause: { ...paused.pause, inputSchema: atLimit } } },
    });
    const decoded = WatchFlowRunsResponse.decode(WatchFlowRunsResponse.encode(event).finish());
    assert.deepEqual(decoded.event?.flowRun?.pause?.inputSchema, atLimit);
  });

  test("JSON nested 10,000 deep is INVALID_ARGUMENT, not INTERNAL, even though it cannot be decoded", async () => {
    const paused = await pausedRun(server);
    const request = new BinaryWriter().uint32(10).string(paused.id).uint32(18).bytes(nestedStructBytes(10_000)).finish();
    const err = await expectGrpcError(
      sendRaw(server, "RunService/ResumeFlowRun", request),
      status.INVALID_ARGUMENT,
      undefined,
      "INVALID_ARGUMENT",
    );
    assert.match(err.details, /decode/);
    await assertUnchanged(server, paused);
  });

  test("JSON with more entries than the limit is refused naming the limit", async () => {
    const paused = await pausedRun(server);
    const wide = Object.fromEntries(Array.from({ length: MAX_JSON_ENTRIES + 1 }, (_, i) => [`k${i}`, i]));
    await expectGrpcError(
      server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: wide }),
      status.INVALID_ARGUMENT,
      `${MAX_JSON_ENTRIES} entries`,
      "INVALID_RUN_INPUT",
    );
    await assertUnchanged(server, paused);
  });

  test("a key containing U+0000 is refused up front, and a retry with the same request id gets the same answer", async () => {
    const paused = await pausedRun(server);
    for (let attempt = 0; attempt < 2; attempt++) {
      const err = await expectGrpcError(
        server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: { "a\u0000b": 1 }, requestId: "nul-key-1" }),
        status.INVALID_ARGUMENT,
        "U+0000",
        "INVALID_RUN_INPUT",
      );
      assert.match(fieldViolations(err)[0]!.field, /^run_input\.a/);
    }
    await assertUnchanged(server, paused);
    const { flowRun } = await server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: { ab: 1 }, requestId: "nul-key-2" });
    assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);
  });

  test("malformed protobuf is INVALID_ARGUMENT with reason INVALID_ARGUMENT, on every method", async () => {
    const garbage = [
      Uint8Array.from([0x0a, 0xff]), // a string field whose length runs past the end
      Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // a varint that never ends
      Uint8Array.from([0x0f]), // wire type 7 does not exist
    ];
    const methods = [
      "RunService/CreateFlowRun",
      "RunService/PauseFlowRun",
      "RunService/ResumeFlowRun",
      "DeploymentService/CreateDeployment",
    ];
    for (const method of methods) {
      for (const bytes of garbage) {
        const err = await expectGrpcError(sendRaw(server, method, bytes), status.INVALID_ARGUMENT);
        assert.equal(reasonOf(err), "INVALID_ARGUMENT", `${method} ${Buffer.from(bytes).toString("hex")}`);
      }
    }
  });

  test("an int64 beyond 2^53 (timeout_seconds = 2^63-1) is INVALID_ARGUMENT and changes nothing", async () => {
    const run = await runningRun(server);
    const request = new BinaryWriter().uint32(10).string(run.id).uint32(24).int64("9223372036854775807").finish();
    const err = await expectGrpcError(
      sendRaw(server, "RunService/PauseFlowRun", request),
      status.INVALID_ARGUMENT,
      undefined,
      "INVALID_ARGUMENT",
    );
    assert.match(err.details, /integer/);
    const after: FlowRun = await getRun(server, run.id);
    assert.equal(after.state!.type, StateType.STATE_TYPE_RUNNING);
  });
});

describe("a failure inside the error boundary itself is answered, never fatal", () => {
  test("a handler whose error cannot be converted still gets an INTERNAL answer, and the process keeps serving", async () => {
    const seen: unknown[] = [];
    const record = (err: unknown): void => {
      seen.push(err);
    };
    process.on("unhandledRejection", record);
    process.on("uncaughtException", record);
    const adapter = new HandlerAdapter(pino({ level: "silent" }), []);
    // Violations that are not a list: turning this error into a status throws inside the boundary.
    const broken = new InvalidArgumentError("broken", null as unknown as FieldViolation[]);
    const server = new Server();
    server.addService(
      {
        Fail: {
          path: "/test.Hostile/Fail",
          requestStream: false,
          responseStream: false,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      { Fail: adapter.unary<Buffer, Buffer>("Fail", () => Promise.reject(broken)) },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    const call = (): Promise<ServiceError> =>
      new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          "/test.Hostile/Fail",
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.alloc(0),
          new Metadata(),
          { deadline: Date.now() + DEADLINE_MS },
          (err) => (err ? resolve(err) : reject(new Error("the call should fail"))),
        );
      });
    try {
      for (let i = 0; i < 3; i++) {
        const err = await call();
        assert.equal(err.code, status.INTERNAL, err.details);
      }
      // Let any stray rejection surface before looking.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(seen, []);
    } finally {
      client.close();
      server.forceShutdown();
      process.off("unhandledRejection", record);
      process.off("uncaughtException", record);
    }
  });
});
