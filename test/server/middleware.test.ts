import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { pino } from "pino";
import { UnauthenticatedError } from "../../server/src/domain/errors.js";
import type { Middleware } from "../../server/src/middleware/call-context.js";
import { eventually, expectGrpcError, runningRun } from "../support/fixtures.js";
import { StreamReader } from "../support/grpc-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/** Every call the chain saw, and how its signal ended. */
interface Seen {
  transport: string;
  method: string;
  requestId: string;
  aborted: boolean;
}

describe("the middleware seam: every gRPC and HTTP call passes one chain", () => {
  let server: TestServer;
  const seen: Seen[] = [];
  const logLines: Record<string, unknown>[] = [];
  /** Holds GetFlowRun for a run named in `holdRuns` until the client gives up, to observe the unary signal. */
  const holdRuns = new Set<string>();

  const observe: Middleware = async (ctx, next) => {
    const entry: Seen = { transport: ctx.transport, method: ctx.method, requestId: ctx.requestId, aborted: false };
    seen.push(entry);
    ctx.signal.addEventListener("abort", () => (entry.aborted = true));
    await next();
  };
  const hold: Middleware = async (ctx, next) => {
    if (ctx.method.endsWith("/GetFlowRun") && [...holdRuns].some((id) => ctx.headers.get("x-hold") === id)) {
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
    }
    await next();
  };
  const refuse: Middleware = async (ctx, next) => {
    if (ctx.headers.get("x-refuse") === "yes") throw new UnauthenticatedError("A test middleware refused this call.");
    await next();
  };

  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split("\n").filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    server = await startTestServer({ middlewares: [observe, hold, refuse], logger: pino({ level: "debug" }, sink) });
  });
  after(async () => {
    await server.stop();
  });

  const grpcCall = (method: "getFlowRun", req: { flowRunId: string }, metadata: Metadata, deadlineMs?: number) =>
    new Promise<{ err: ServiceError | null; headers: Metadata }>((resolve) => {
      let headers = new Metadata();
      const call = server.rawRuns[method](req, metadata, deadlineMs ? { deadline: Date.now() + deadlineMs } : {}, (err) =>
        resolve({ err, headers }),
      );
      call.on("metadata", (m: Metadata) => (headers = m));
    });

  test("a gRPC unary call gets a request id (the caller's, echoed back) and is logged once with its method and duration", async () => {
    const run = await runningRun(server);
    const md = new Metadata();
    md.set("x-request-id", "trace-42");
    const { err, headers } = await grpcCall("getFlowRun", { flowRunId: run.id }, md);
    assert.equal(err, null);
    assert.equal(headers.get("x-request-id")[0], "trace-42");
    const entry = seen.find((s) => s.requestId === "trace-42");
    assert.deepEqual(entry && { transport: entry.transport, method: entry.method }, {
      transport: "grpc",
      method: "flowgate.v1.RunService/GetFlowRun",
    });
    const line = await eventually("access log line", async () => logLines.find((l) => l["requestId"] === "trace-42"));
    assert.equal(line["method"], "flowgate.v1.RunService/GetFlowRun");
    assert.equal(typeof line["durationMs"], "number");
  });

  test("a request id that is not printable ASCII is replaced, never logged", async () => {
    const run = await runningRun(server);
    const md = new Metadata();
    md.set("x-request-id", "x".repeat(300));
    const { headers } = await grpcCall("getFlowRun", { flowRunId: run.id }, md);
    assert.match(String(headers.get("x-request-id")[0]), /^[0-9a-f-]{36}$/);
  });

  test("a unary call's signal aborts when the client gives up", async () => {
    const run = await runningRun(server);
    holdRuns.add(run.id);
    const md = new Metadata();
    md.set("x-hold", run.id);
    md.set("x-request-id", `held-${run.id}`);
    const { err } = await grpcCall("getFlowRun", { flowRunId: run.id }, md, 300);
    assert.equal(err?.code, status.DEADLINE_EXCEEDED);
    await eventually(
      "the held call's signal aborted",
      async () => (seen.find((s) => s.requestId === `held-${run.id}`)?.aborted ? true : undefined),
      30_000,
    );
  });

  test("server streams pass the chain too", async () => {
    const run = await runningRun(server);
    const md = new Metadata();
    md.set("x-request-id", `watch-${run.id}`);
    const reader = new StreamReader(server.rawRuns.watchFlowRun({ flowRunId: run.id }, md));
    await reader.next();
    reader.cancel();
    const entry = seen.find((s) => s.requestId === `watch-${run.id}`);
    assert.equal(entry?.method, "flowgate.v1.RunService/WatchFlowRun");
    await eventually("the stream's signal aborted after cancel", async () => (entry?.aborted ? true : undefined), 30_000);
  });

  test("HTTP API routes, unknown routes and the web UI's files all pass the chain, with the request id echoed", async () => {
    const id = randomUUID();
    for (const [path, method] of [
      [`/api/runs/${randomUUID()}`, "GET /api/runs/:id"],
      ["/api/nothing", "GET /api/nothing"],
      ["/", "GET (web UI)"],
    ] as const) {
      const requestId = `${id}-${path.length}`;
      const res = await fetch(`http://${server.httpAddress}${path}`, {
        headers: { "x-request-id": requestId, authorization: server.authHeader },
      });
      await res.arrayBuffer();
      assert.equal(res.headers.get("x-request-id"), requestId);
      const entry = seen.find((s) => s.requestId === requestId);
      assert.deepEqual(entry && { transport: entry.transport, method: entry.method }, { transport: "http", method });
    }
  });

  test("a middleware that refuses a call is answered by each transport's error boundary, with its reason", async () => {
    const run = await runningRun(server);
    const md = new Metadata();
    md.set("x-refuse", "yes");
    const { err } = await grpcCall("getFlowRun", { flowRunId: run.id }, md);
    assert.ok(err, "the refused call fails");
    await expectGrpcError(Promise.reject(err), status.UNAUTHENTICATED, "refused", "UNAUTHENTICATED");
    const res = await fetch(`http://${server.httpAddress}/api/runs/${run.id}`, {
      headers: { "x-refuse": "yes", authorization: server.authHeader },
    });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { reason: string }).reason, "UNAUTHENTICATED");
    const logged = await eventually("the refusal is logged with its reason", async () =>
      logLines.find((l) => l["reason"] === "UNAUTHENTICATED" && l["transport"] === "http"),
    );
    assert.equal(logged["msg"], "call failed");
  });
});
