// What the SDK puts on the wire and reads from it for approvals, against a scripted gRPC server: a
// decision made with a resume link's token carries no API key (whatever key the client has), one
// without a token carries the key; a REJECTED wait event is final — the wait ends there and is never
// reopened — and arrives with who rejected, when and why.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ServerUnaryCall, ServerWritableStream, sendUnaryData } from "@grpc/grpc-js";
import {
  RejectFlowRunResponse,
  ResumeFlowRunResponse,
  WaitEventType,
  WaitForResumeResponse,
  type RejectFlowRunRequest,
  type ResumeFlowRunRequest,
  type WaitForResumeRequest,
} from "@flowgate/contract/flowgate/v1/run_service.js";
import { FlowgateClient, waitForPauseEnd } from "../../client-sdk/src/index.js";
import { startScriptedServer, type ScriptedServer } from "../support/sdk-scripted-server.js";

const RUN_ID = "6b1f1f44-1b5e-4a39-9a3e-0c6a3f1d2e7b";
const TOKEN = `fgr_${"x".repeat(43)}`;

describe("approvals on the wire", () => {
  let server: ScriptedServer;
  let client: FlowgateClient;
  const tokens: string[] = [];
  before(async () => {
    server = await startScriptedServer({
      resumeFlowRun: (call: ServerUnaryCall<ResumeFlowRunRequest, ResumeFlowRunResponse>, cb: sendUnaryData<ResumeFlowRunResponse>) => {
        tokens.push(call.request.resumeToken);
        cb(null, ResumeFlowRunResponse.fromPartial({ flowRun: { id: call.request.flowRunId, name: "wired" }, resumed: false }));
      },
      rejectFlowRun: (call: ServerUnaryCall<RejectFlowRunRequest, RejectFlowRunResponse>, cb: sendUnaryData<RejectFlowRunResponse>) => {
        tokens.push(call.request.resumeToken);
        cb(null, RejectFlowRunResponse.fromPartial({ flowRun: { id: call.request.flowRunId, name: "wired" } }));
      },
      waitForResume: (call: ServerWritableStream<WaitForResumeRequest, WaitForResumeResponse>) => {
        call.write(WaitForResumeResponse.fromPartial({ type: WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT, key: "1" }));
        call.write(
          WaitForResumeResponse.fromPartial({
            type: WaitEventType.WAIT_EVENT_TYPE_REJECTED,
            key: "1",
            rejection: { by: { principal: "alice", channel: "link" }, at: new Date("2026-12-03T12:00:00Z"), reason: "no", linkId: "l-1" },
          }),
        );
        // Left open on purpose: the final event alone must end the wait.
      },
    });
    client = new FlowgateClient({ address: server.address, apiKey: "fgk_the_clients_key", retryUnavailableMs: 0 });
  });
  after(async () => {
    client.close();
    await server.stop();
  });

  test("a resume or reject with a resume token sends the token and no API key; without one, the client's key goes as usual", async () => {
    const before = server.calls.length;
    const resumed = await client.resumeFlowRun(RUN_ID, { ok: true }, { resumeToken: TOKEN });
    assert.equal(resumed.resumed, false, "the response's resumed is passed on");
    await client.rejectFlowRun(RUN_ID, "no", { resumeToken: TOKEN, requestId: "req-1" });
    await client.resumeFlowRun(RUN_ID);
    const [resume, reject, keyed] = server.calls.slice(before);
    assert.equal(resume?.method, "ResumeFlowRun");
    assert.equal(resume.headers["authorization"], undefined);
    assert.equal(reject?.method, "RejectFlowRun");
    assert.equal(reject.headers["authorization"], undefined);
    assert.equal(keyed?.headers["authorization"], "Bearer fgk_the_clients_key");
    assert.deepEqual(tokens.slice(-3), [TOKEN, TOKEN, ""]);
  });

  test("a REJECTED wait event is final: the wait resolves with it, never reopens the stream, and carries the rejection", async () => {
    const before = server.calls.filter((c) => c.method === "WaitForResume").length;
    const heartbeats: string[] = [];
    const reconnects: unknown[] = [];
    const end = await waitForPauseEnd(client, RUN_ID, "1", {
      signal: AbortSignal.timeout(30_000),
      onHeartbeat: (e) => heartbeats.push(e.type),
      onReconnect: (_n, cause) => reconnects.push(cause),
    });
    assert.equal(end.type, "REJECTED");
    assert.deepEqual(end.rejection, {
      by: { principal: "alice", channel: "link" },
      at: new Date("2026-12-03T12:00:00Z"),
      reason: "no",
      linkId: "l-1",
    });
    assert.deepEqual(heartbeats, ["HEARTBEAT"]);
    assert.deepEqual(reconnects, []);
    assert.equal(server.calls.filter((c) => c.method === "WaitForResume").length - before, 1, "one stream, not reopened");
  });
});
