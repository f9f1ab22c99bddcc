// Call options and interceptors, the way connect-es and nice-grpc have them: a client's static
// headers, a call's own headers and what its interceptors add all arrive at the server as gRPC
// metadata, on unary calls and streams; interceptors see each call's method and how it ended.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { GetFlowRunResponse, WatchFlowRunResponse } from "@flowgate/contract/flowgate/v1/run_service.js";
import {
  configure,
  flow,
  FlowgateClient,
  FlowgateError,
  NotPausedError,
  pauseFlowRun,
  resumeFlowRun,
  UnauthenticatedError,
  type Interceptor,
} from "../../client-sdk/src/index.js";
import { startScriptedServer, statusError, type ScriptedServer } from "../support/sdk-scripted-server.js";
import { nextRunIn, startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

const RUN_ID = "6b1f1f44-1b5e-4a39-9a3e-0c6a3f1d2e7b";

describe("call options and interceptors against a gRPC server that records metadata", () => {
  let server: ScriptedServer;
  const clients: FlowgateClient[] = [];
  before(async () => {
    server = await startScriptedServer({
      getFlowRun: (call, callback) =>
        callback(null, GetFlowRunResponse.fromPartial({ flowRun: { id: call.request.flowRunId, name: "recorded" } })),
      resumeFlowRun: (_call, callback) =>
        callback(statusError(status.FAILED_PRECONDITION, "Cannot resume a flow run that is not paused.", { reason: "NOT_PAUSED" })),
      watchFlowRun: (call) => {
        if (call.request.flowRunId !== RUN_ID)
          return void call.emit("error", statusError(status.NOT_FOUND, "No such run.", { reason: "FLOW_RUN_NOT_FOUND" }));
        call.write(WatchFlowRunResponse.fromPartial({ event: { flowRun: { id: RUN_ID, name: "recorded" }, initial: true } }));
        call.end();
      },
    });
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.stop();
  });

  function client(config: Omit<ConstructorParameters<typeof FlowgateClient>[0] & object, "address">): FlowgateClient {
    const c = new FlowgateClient({ address: server.address, retryUnavailableMs: 0, ...config });
    clients.push(c);
    return c;
  }

  /** The metadata the server received with the calls since `from`. */
  function received(from: number): { method: string; headers: Record<string, string> }[] {
    return server.calls.slice(from);
  }

  test("a credential and a trace id added by interceptors, static headers and a call's own headers reach the server, on unary calls and streams", async () => {
    let traces = 0;
    const withToken: Interceptor = (next) => (req) => {
      req.headers.set("authorization", "Bearer s3cret");
      return next(req);
    };
    const withTrace: Interceptor = (next) => (req) => {
      req.headers.set("x-trace-id", `trace-${++traces}`);
      return next(req);
    };
    const c = client({ headers: { "x-tenant": "acme", "x-team": "ops" }, interceptors: [withToken, withTrace] });
    const from = server.calls.length;

    const run = await c.getFlowRun(RUN_ID, { headers: { "x-call": "get" } });
    assert.equal(run.name, "recorded");
    const events = [];
    for await (const e of c.watchFlowRun(RUN_ID, { headers: { "x-call": "watch", "x-team": "night-shift" } })) events.push(e);
    assert.equal(events.length, 1);

    const [get, watch] = received(from);
    assert.equal(get?.method, "GetFlowRun");
    assert.equal(get.headers["authorization"], "Bearer s3cret");
    assert.equal(get.headers["x-trace-id"], "trace-1");
    assert.equal(get.headers["x-tenant"], "acme");
    assert.equal(get.headers["x-team"], "ops");
    assert.equal(get.headers["x-call"], "get");
    assert.equal(watch?.method, "WatchFlowRun");
    assert.equal(watch.headers["authorization"], "Bearer s3cret");
    assert.equal(watch.headers["x-trace-id"], "trace-2");
    assert.equal(watch.headers["x-tenant"], "acme");
    assert.equal(watch.headers["x-team"], "night-shift", "a call's header replaces the client's of the same name");
    assert.equal(watch.headers["x-call"], "watch");
  });

  test("interceptors see each call's method and outcome — success, a typed failure, a stream's end and its failure — the first one outermost", async () => {
    const seen: string[] = [];
    const recorder =
      (name: string): Interceptor =>
      (next) =>
      async (req) => {
        seen.push(`${name} > ${req.service}/${req.method} (${req.kind})`);
        try {
          const res = await next(req);
          seen.push(`${name} < ${req.method} ok`);
          return res;
        } catch (err) {
          const e = err as FlowgateError;
          seen.push(`${name} < ${req.method} ${e.constructor.name} ${e.reason ?? ""}`.trimEnd());
          throw err;
        }
      };
    const c = client({ interceptors: [recorder("outer"), recorder("inner")] });

    await c.getFlowRun(RUN_ID);
    await assert.rejects(c.resumeFlowRun(RUN_ID), NotPausedError);
    for await (const _ of c.watchFlowRun(RUN_ID)) void _;
    await assert.rejects(async () => {
      for await (const _ of c.watchFlowRun("00000000-0000-4000-8000-000000000000")) void _;
    }, /No such run/);

    assert.deepEqual(seen, [
      "outer > flowgate.v1.RunService/GetFlowRun (unary)",
      "inner > flowgate.v1.RunService/GetFlowRun (unary)",
      "inner < GetFlowRun ok",
      "outer < GetFlowRun ok",
      "outer > flowgate.v1.RunService/ResumeFlowRun (unary)",
      "inner > flowgate.v1.RunService/ResumeFlowRun (unary)",
      "inner < ResumeFlowRun NotPausedError NOT_PAUSED",
      "outer < ResumeFlowRun NotPausedError NOT_PAUSED",
      "outer > flowgate.v1.RunService/WatchFlowRun (server-streaming)",
      "inner > flowgate.v1.RunService/WatchFlowRun (server-streaming)",
      "inner < WatchFlowRun ok",
      "outer < WatchFlowRun ok",
      "outer > flowgate.v1.RunService/WatchFlowRun (server-streaming)",
      "inner > flowgate.v1.RunService/WatchFlowRun (server-streaming)",
      "inner < WatchFlowRun FlowRunNotFoundError FLOW_RUN_NOT_FOUND",
      "outer < WatchFlowRun FlowRunNotFoundError FLOW_RUN_NOT_FOUND",
    ]);
  });

  test("an interceptor can refuse a call before it is sent: the caller gets its error and the server sees nothing", async () => {
    const noToken: Interceptor = () => () => Promise.reject(new UnauthenticatedError("No credential configured."));
    const c = client({ interceptors: [noToken] });
    const from = server.calls.length;
    await assert.rejects(c.getFlowRun(RUN_ID), UnauthenticatedError);
    await assert.rejects(async () => {
      for await (const _ of c.watchFlowRun(RUN_ID)) void _;
    }, UnauthenticatedError);
    assert.deepEqual(received(from), []);
  });
});

describe("interceptors on a real Flowgate server", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  test("every call of a paused and resumed flow run, unary or stream, passes the configured client's interceptor", async () => {
    const calls: string[] = [];
    const record: Interceptor = (next) => (req) => {
      calls.push(`${req.method} (${req.kind})`);
      req.headers.set("x-trace-id", "flow-run-trace");
      return next(req);
    };
    // The default client that flows use (replacing, and closing, the one startSdkServer configured).
    const client = configure({ address: sdk.server.address, apiKey: sdk.server.apiKey, interceptors: [record] });
    try {
      const f = flow(async () => pauseFlowRun({ timeout: 600 }), { name: "intercepted" });
      const paused = nextRunIn(client, "intercepted", StateType.PAUSED);
      const done = f();
      await resumeFlowRun((await paused).id);
      await done;
      for (const expected of [
        "CreateFlowRun (unary)",
        "SetFlowRunState (unary)",
        "PauseFlowRun (unary)",
        "WaitForResume (server-streaming)",
        "ResumeFlowRun (unary)",
      ]) {
        assert.ok(calls.includes(expected), `${expected} passed the interceptor: ${calls.join(", ")}`);
      }
    } finally {
      client.close();
    }
  });
});
