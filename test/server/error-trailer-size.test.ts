/**
 * Every error fits in the trailers any gRPC client accepts (issue 12): gRPC-core clients (Python,
 * C++, Ruby, PHP…) refuse a trailer block over 8 KiB, and would see a failed call without its status,
 * reason or field violations. An input failing on many long, non-ASCII field names is the worst case:
 * its message and violations are clipped to fit, and its reason is kept.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { ResumeFlowRunRequest } from "@flowgate/contract/flowgate/v1/run_service.js";
import { MAX_TRAILER_BYTES, trailerBytes } from "../../server/src/rpc/status.js";
import { assertUnchanged, expectGrpcError, pausedRun } from "../support/fixtures.js";
import { reasonOf, statusDetails } from "../support/status-details.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const PYTHON = fileURLToPath(new URL("../../.venv/bin/python", import.meta.url));

/**
 * Calls ResumeFlowRun through grpcio (gRPC-core) with the given request bytes and prints what the
 * client saw: its status code, the length of its message and whether the details trailer arrived.
 */
const RESUME_PY = `
import sys, grpc
channel = grpc.insecure_channel(sys.argv[1])
call = channel.unary_unary("/flowgate.v1.RunService/ResumeFlowRun")
try:
    call(bytes.fromhex(sys.argv[3]), metadata=[("authorization", sys.argv[2])], timeout=30)
    print("OK")
except grpc.RpcError as e:
    trailers = dict(e.trailing_metadata() or ())
    print(e.code().name, len(e.details() or ""), "grpc-status-details-bin" in trailers)
`;

/** Property names long and non-ASCII: 3 UTF-8 bytes a character, ×3 again when percent-encoded. */
const names = Array.from({ length: 40 }, (_, i) => `${"検証済みの入力フィールド名".repeat(10)}-${i}`);

describe("errors fit in the trailers every gRPC client accepts", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  test("an input missing forty long non-ASCII properties: clipped under 8 KiB, reason and first violations kept", async () => {
    const properties = Object.fromEntries(names.map((n) => [n, { type: "string", enum: [`${n}-a`, `${n}-b`] }]));
    const paused = await pausedRun(server, { inputSchema: { type: "object", properties, required: names } });
    const wrong = Object.fromEntries(names.map((n) => [n, `${n}-ç`]));
    for (const runInput of [{}, wrong]) {
      const err = await expectGrpcError(
        server.runs.resumeFlowRun({ flowRunId: paused.id, runInput }),
        status.INVALID_ARGUMENT,
        undefined,
        "INVALID_RUN_INPUT",
      );
      assert.ok(trailerBytes(err) <= MAX_TRAILER_BYTES, `trailers of ${trailerBytes(err)} bytes`);
      const details = statusDetails(err);
      assert.ok(details.violations.length > 0, "some violations are kept");
      assert.ok(details.violations[0]!.field.startsWith(names[0]!.slice(0, 100)), details.violations[0]!.field);
      assert.equal(details.message, err.details, "the status in the trailer carries the same (clipped) message");
    }
    await assertUnchanged(server, paused);

    // What a gRPC-core client sees: the code, a message and the details trailer, not a transport error.
    const request = Buffer.from(
      ResumeFlowRunRequest.encode(ResumeFlowRunRequest.fromPartial({ flowRunId: paused.id, runInput: {} })).finish(),
    );
    const { stdout } = await promisify(execFile)(PYTHON, ["-c", RESUME_PY, server.address, server.authHeader, request.toString("hex")]);
    const [code, messageLength, hasDetails] = stdout.trim().split(" ");
    assert.equal(code, "INVALID_ARGUMENT", stdout);
    assert.ok(Number(messageLength) > 0, stdout);
    assert.equal(hasDetails, "True", stdout);
  });

  test("a message cut inside a surrogate pair is still sent: text is made well-formed before it is encoded", async () => {
    // The JSON limits clip the place of a breach to 120 characters; here the cut falls inside an emoji.
    let input: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < 30; i++) input = { [`${"k".repeat(i % 2)}😀😀😀`]: input };
    const paused = await pausedRun(server);
    for (let shift = 0; shift < 2; shift++) {
      const err = await expectGrpcError(
        server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: shift === 0 ? input : { x: input } }),
        status.INVALID_ARGUMENT,
        "levels",
      );
      assert.equal(reasonOf(err), "INVALID_RUN_INPUT");
    }
    await assertUnchanged(server, paused);
  });
});
