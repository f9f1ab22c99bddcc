// Open streams are bounded (issue 13 item 6): per principal and in total, gRPC streams and SSE counted
// together and refused the same way (RESOURCE_EXHAUSTED / 429, reason TOO_MANY_STREAMS); a stream's
// place is given back when it closes; and what many streams held is released when they close.
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { after, before, describe, test } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import { WaitForResumeRequest, WatchFlowRunRequest, type WaitForResumeResponse } from "@flowgate/contract/flowgate/v1/run_service.js";
import { pausedRun } from "../support/fixtures.js";
import { connect, StreamReader } from "../support/grpc-client.js";
import { reasonOf } from "../support/status-details.js";
import { AuditServiceService } from "@flowgate/contract/flowgate/v1/audit_service.js";
import { DeploymentServiceService } from "@flowgate/contract/flowgate/v1/deployment_service.js";
import { KeyServiceService } from "@flowgate/contract/flowgate/v1/key_service.js";
import { LogServiceService } from "@flowgate/contract/flowgate/v1/log_service.js";
import { RunServiceService } from "@flowgate/contract/flowgate/v1/run_service.js";
import { WebhookServiceService } from "@flowgate/contract/flowgate/v1/webhook_service.js";
import { HTTP_REQUIREMENTS } from "../../server/src/middleware/requirements.js";
import { STREAM_METHODS } from "../../server/src/middleware/stream-limits.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/** How long an outcome is awaited (a loaded machine is slow, never wrong). */
const DEADLINE_MS = 60_000;

interface Held {
  close(): void;
}

/** A WaitForResume stream, held once its first heartbeat came; a refusal rejects with the ServiceError. */
async function holdWait(clients: { rawRuns: TestServer["rawRuns"] }, flowRunId: string): Promise<Held> {
  const reader = new StreamReader<WaitForResumeResponse>(
    clients.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId, heartbeatSeconds: 300 })),
  );
  await reader.next(DEADLINE_MS).catch((err: unknown) => {
    throw reader.error ?? err;
  });
  return { close: () => reader.cancel() };
}

/** An SSE stream, held once its headers came (200); any other answer is returned as its status and JSON body. */
async function holdSse(
  server: TestServer,
  path: string,
  authorization = server.authHeader,
): Promise<Held | { status: number; body: { error: string; reason: string }; retryAfter: string | null }> {
  const abort = new AbortController();
  const res = await fetch(`http://${server.httpAddress}${path}`, { headers: { authorization }, signal: abort.signal });
  if (res.status !== 200) return { status: res.status, body: (await res.json()) as never, retryAfter: res.headers.get("retry-after") };
  const reader = res.body!.getReader();
  await reader.read(); // the opening comment
  return { close: () => abort.abort() };
}

/**
 * `open`, again while the server answers that it cannot serve yet (503 / UNAVAILABLE: on a loaded
 * machine its store health ping may miss a beat while hundreds of streams open).
 */
async function whenServing<T>(open: () => Promise<T>): Promise<T> {
  const until = Date.now() + DEADLINE_MS;
  for (;;) {
    try {
      const x = await open();
      if ((x as { status?: number }).status !== 503 || Date.now() > until) return x;
    } catch (err) {
      if ((err as ServiceError).code !== status.UNAVAILABLE || Date.now() > until) throw err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function isHeld(x: unknown): x is Held {
  return typeof (x as Held).close === "function";
}

/** Retries `open` until the server has taken back a closed stream's place (it learns of the close on its own time). */
async function openOnceFreed<T>(open: () => Promise<T>, accepted: (x: T) => boolean): Promise<T> {
  const until = Date.now() + DEADLINE_MS;
  for (;;) {
    const x = await open().catch((err: unknown) => err as T);
    if (accepted(x) || Date.now() > until) return x;
    await new Promise((r) => setImmediate(r));
  }
}

test("every streaming method of the contract, and every event-stream route, is counted as a stream", () => {
  const services = [
    AuditServiceService,
    DeploymentServiceService,
    KeyServiceService,
    LogServiceService,
    RunServiceService,
    WebhookServiceService,
  ];
  const grpcStreams = services.flatMap((svc) =>
    Object.values(svc as Record<string, { path: string; responseStream: boolean }>)
      .filter((m) => m.responseStream)
      .map((m) => m.path.slice(1)),
  );
  // The HTTP API's event streams are the routes ending in /events.
  const sseRoutes = Object.keys(HTTP_REQUIREMENTS).filter((route) => route.endsWith("/events"));
  assert.deepEqual([...STREAM_METHODS].sort(), [...grpcStreams, ...sseRoutes].sort());
});

describe("stream limits: per principal and in total, on gRPC and SSE alike", () => {
  let server: TestServer;
  let bob: ReturnType<typeof connect>;
  let bobSecret: string;
  let runId: string;
  const held: Held[] = [];
  before(async () => {
    server = await startTestServer({ env: { FLOWGATE_MAX_STREAMS_PER_PRINCIPAL: "3", FLOWGATE_MAX_STREAMS: "5" } });
    ({ secret: bobSecret } = await server.keys.createKey({ name: "bob", scopes: ["runs:read"] }));
    bob = connect(server.address, bobSecret);
    runId = (await pausedRun(server)).id;
  });
  after(async () => {
    for (const h of held) h.close();
    bob.close();
    await server.stop();
  });

  test("a principal's streams over its cap are refused on both transports, with TOO_MANY_STREAMS; a second principal is not", async () => {
    // Three of the admin's: two gRPC waits and an SSE stream, counted together.
    held.push(await holdWait(server, runId), await holdWait(server, runId));
    const sse = await holdSse(server, `/api/runs/${runId}/events`);
    assert.ok(isHeld(sse), `the third stream is within the cap: ${JSON.stringify(sse)}`);
    held.push(sse);

    const overGrpc = (await holdWait(server, runId).catch((e: unknown) => e)) as ServiceError;
    assert.equal(overGrpc.code, status.RESOURCE_EXHAUSTED, String(overGrpc));
    assert.equal(reasonOf(overGrpc), "TOO_MANY_STREAMS");
    assert.match(overGrpc.details, /admin already holds 3 open streams.*FLOWGATE_MAX_STREAMS_PER_PRINCIPAL/);
    const watch = new StreamReader(server.rawRuns.watchFlowRun(WatchFlowRunRequest.fromPartial({ flowRunId: runId })));
    await watch.next(DEADLINE_MS).catch(() => undefined);
    assert.equal(watch.error?.code, status.RESOURCE_EXHAUSTED, "WatchFlowRun counts too");

    const overSse = await holdSse(server, "/api/events");
    assert.ok(!isHeld(overSse));
    assert.equal(overSse.status, 429);
    assert.equal(overSse.body.reason, "TOO_MANY_STREAMS");
    assert.equal(overSse.retryAfter, "1");

    // Unary calls are not streams: the admin still reads its run.
    assert.equal((await server.runs.getFlowRun({ flowRunId: runId })).flowRun!.id, runId);

    // Bob has a cap of his own; the server's total (5) then stops him too, with its own message.
    held.push(await holdWait(bob, runId));
    const bobSse = await holdSse(server, `/api/runs/${runId}/events`, `Bearer ${bobSecret}`);
    assert.ok(isHeld(bobSse));
    held.push(bobSse);
    const overTotal = (await holdWait(bob, runId).catch((e: unknown) => e)) as ServiceError;
    assert.equal(overTotal.code, status.RESOURCE_EXHAUSTED);
    assert.equal(reasonOf(overTotal), "TOO_MANY_STREAMS");
    assert.match(overTotal.details, /The server already holds 5 open streams.*FLOWGATE_MAX_STREAMS\b/);
  });

  test("a closed stream gives its place back: the admin, at its cap, opens again once one of its streams closes", async () => {
    const refused = await holdSse(server, "/api/events");
    assert.ok(!isHeld(refused) && refused.status === 429, "still at the cap");
    // Close the admin's SSE stream (held[2]) and one of its gRPC waits (held[0]).
    held[2]!.close();
    held[0]!.close();
    const sse = await openOnceFreed(() => holdSse(server, "/api/events"), isHeld);
    assert.ok(isHeld(sse), `an SSE stream opens again: ${JSON.stringify(sse)}`);
    const wait = await openOnceFreed(() => holdWait(server, runId), isHeld);
    assert.ok(isHeld(wait), `a gRPC wait opens again: ${(wait as unknown as Error).message}`);
    held.push(sse, wait);
  });
});

/** A full collection, in this process (the test runner starts Node without --expose-gc). */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

async function settledHeap(): Promise<number> {
  // Closed sockets and cancelled calls finish over a few turns of the event loop.
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

describe("memory: what many streams held is released when they close", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("after 300 SSE streams and 150 gRPC waits close, the heap is back within half of what they took", async () => {
    const runs = await Promise.all(Array.from({ length: 50 }, () => pausedRun(server)));
    // Warm every path once, so that code compiled on first use is not counted as held by streams.
    for (const h of [await holdSse(server, "/api/events"), await holdSse(server, `/api/runs/${runs[0]!.id}/events`)]) {
      if (isHeld(h)) h.close();
    }
    (await holdWait(server, runs[0]!.id)).close();
    const baseline = await settledHeap();

    const opened = await Promise.all([
      ...Array.from({ length: 150 }, () => whenServing(() => holdSse(server, "/api/events"))),
      ...runs.flatMap((r) => [0, 1, 2].map(() => whenServing(() => holdSse(server, `/api/runs/${r.id}/events`)))),
      ...runs.flatMap((r) => [0, 1, 2].map(() => whenServing(() => holdWait(server, r.id)))),
    ]);
    assert.deepEqual(
      opened.filter((h) => !isHeld(h)),
      [],
      "every stream opened",
    );
    const whileHeld = await settledHeap();

    for (const h of opened as Held[]) h.close();
    // Each close reaches the server on its own time: wait until the last stream has let go of its listener.
    const until = Date.now() + DEADLINE_MS;
    let afterClose = await settledHeap();
    while (afterClose - baseline >= (whileHeld - baseline) / 2 && Date.now() < until) afterClose = await settledHeap();

    const held = whileHeld - baseline;
    const left = afterClose - baseline;
    assert.ok(held > 0, `streams take memory while open (${held} bytes)`);
    assert.ok(left < held / 2, `after closing, ${left} of the ${held} bytes the streams took are still used`);
  });
});
