// The SDK's one reconnecting stream loop (followStream), which pause waits, suspend watches and the
// runner's watches share: it reopens what a reconnect can mend (the server went away, cut the call,
// ended the stream early, fell silent) and throws at once what it cannot (not found, invalid,
// internal, a message it cannot read). A scripted gRPC server plays each failure.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { status, type ServerWritableStream } from "@grpc/grpc-js";
import {
  WaitEventType,
  WaitForResumeResponse,
  WatchFlowRunResponse,
  type WaitForResumeRequest,
  type WatchFlowRunRequest,
} from "@flowgate/contract/flowgate/v1/run_service.js";
import {
  FlowgateClient,
  FlowgateError,
  FlowRunNotFoundError,
  InternalError,
  InvalidArgumentError,
  PauseNotFoundError,
  UnavailableError,
  waitForPauseEnd,
  type Interceptor,
} from "../../client-sdk/src/index.js";
import { followStream, NOT_READY_MS, reconnectDelayMs } from "../../client-sdk/src/runtime/follow-stream.js";
import { startScriptedServer, statusError, type ScriptedServer } from "../support/sdk-scripted-server.js";

type Step<Req, Res> = (call: ServerWritableStream<Req, Res>) => void;

const cut = (code: status, message: string, reason?: string) => (call: { emit(event: "error", err: unknown): boolean }) =>
  void call.emit("error", statusError(code, message, reason === undefined ? undefined : { reason }));
const event = (call: ServerWritableStream<WatchFlowRunRequest, WatchFlowRunResponse>): void => {
  call.write(WatchFlowRunResponse.fromPartial({ event: { flowRun: { id: call.request.flowRunId, name: "followed" } } }));
};

describe("reconnect waits: full jitter under a doubling, capped ceiling", () => {
  const backoff = { baseMs: 100, maxMs: 1_000 };
  const unreachable = new UnavailableError("No connection established.", status.UNAVAILABLE);
  const ceilings = (cause: unknown): number[] =>
    [1, 2, 3, 4, 5, 6, 20, 1e6].map((n) => reconnectDelayMs(n, cause, backoff, () => 1 - 1e-9));

  test("the wait is drawn from zero up to a ceiling that doubles from the base to the cap", () => {
    assert.deepEqual(ceilings(unreachable), [99, 199, 399, 799, 999, 999, 999, 999]);
    assert.equal(
      reconnectDelayMs(3, unreachable, backoff, () => 0),
      0,
      "full jitter reaches down to zero",
    );
    assert.equal(
      reconnectDelayMs(3, unreachable, backoff, () => 0.5),
      200,
    );
  });

  test("a server that answers it cannot serve yet (UNAVAILABLE or RESOURCE_EXHAUSTED with a reason) raises the ceiling to at least 1 s", () => {
    const storeDown = new UnavailableError("The store is unavailable; retry shortly.", status.UNAVAILABLE, { reason: "STORE_UNAVAILABLE" });
    const tooMany = new FlowgateError("Too many streams.", status.RESOURCE_EXHAUSTED, { reason: "TOO_MANY_STREAMS" });
    for (const cause of [storeDown, tooMany]) {
      assert.deepEqual(ceilings(cause), [NOT_READY_MS - 1, NOT_READY_MS - 1, NOT_READY_MS - 1, NOT_READY_MS - 1, 999, 999, 999, 999]);
    }
    assert.equal(
      reconnectDelayMs(1, storeDown, { baseMs: 1, maxMs: 10 }, () => 1 - 1e-9),
      9,
      "never above the cap",
    );
  });
});

describe("followStream: one reconnecting loop that retries only what is worth retrying", () => {
  let server: ScriptedServer;
  let client: FlowgateClient;
  /** What the server does on the n-th WatchFlowRun / WaitForResume call for a flow run id. */
  const watchScript = new Map<string, Step<WatchFlowRunRequest, WatchFlowRunResponse>[]>();
  const waitScript = new Map<string, Step<WaitForResumeRequest, WaitForResumeResponse>[]>();
  const callsFor = (id: string): number => server.calls.filter((c) => c.headers["x-run"] === id).length;
  /** Tags each call with the scenario's run id, so that calls can be counted per scenario. */
  let currentRun = "";
  const tagRun: Interceptor = (next) => (req) => {
    req.headers.set("x-run", currentRun);
    return next(req);
  };
  before(async () => {
    server = await startScriptedServer({
      watchFlowRun: (call) => (watchScript.get(call.request.flowRunId)?.shift() ?? cut(status.INTERNAL, "script exhausted"))(call),
      waitForResume: (call) => (waitScript.get(call.request.flowRunId)?.shift() ?? cut(status.INTERNAL, "script exhausted"))(call),
    });
    client = new FlowgateClient({ address: server.address, retryUnavailableMs: 0, interceptors: [tagRun] });
  });
  after(async () => {
    client.close();
    await server.stop();
  });

  /** Follows run `id`'s watch until its first event; the failures that caused reopenings, in order. */
  async function follow(id: string, idleTimeoutMs?: number): Promise<unknown[]> {
    currentRun = id;
    const causes: unknown[] = [];
    let got = false;
    await followStream(
      (signal) => client.watchFlowRun(id, { signal }),
      () => {
        got = true;
        return "stop";
      },
      {
        signal: AbortSignal.timeout(30_000),
        idleTimeoutMs,
        onReconnect: (_n, cause) => causes.push(cause),
        backoff: { baseMs: 1, maxMs: 10 },
      },
    );
    assert.ok(got, "an event arrived");
    return causes;
  }

  test("a stream the server cuts (UNAVAILABLE, CANCELLED) or ends early is reopened until its event arrives", async () => {
    const id = "10000000-0000-4000-8000-000000000001";
    watchScript.set(id, [
      cut(status.UNAVAILABLE, "Server shutting down."),
      cut(status.CANCELLED, "Call cancelled by the server."),
      (call) => call.end(),
      event,
    ]);
    const causes = await follow(id);
    assert.equal(callsFor(id), 4);
    assert.equal(causes.length, 3);
    assert.ok(causes.every((c) => c instanceof FlowgateError));
    assert.ok(causes[0] instanceof UnavailableError);
    assert.ok(causes[2] instanceof UnavailableError, "an ended stream counts as dropped");
  });

  /** Follows run `id`'s watch until its `events`-th event; the failures in a row reported at each reopening. */
  async function followCounting(id: string, events: number, stableMs?: number): Promise<number[]> {
    currentRun = id;
    const attempts: number[] = [];
    let seen = 0;
    await followStream(
      (signal) => client.watchFlowRun(id, { signal }),
      () => (++seen === events ? "stop" : undefined),
      {
        signal: AbortSignal.timeout(30_000),
        onReconnect: (n) => attempts.push(n),
        backoff: { baseMs: 1, maxMs: 10 },
        stableMs,
      },
    );
    return attempts;
  }
  const eventThenCut: Step<WatchFlowRunRequest, WatchFlowRunResponse> = (call) => {
    event(call);
    setImmediate(() => cut(status.UNAVAILABLE, "The store is unavailable; retry shortly.", "STORE_UNAVAILABLE")(call));
  };

  test("a stream that sends its first event and is cut at once is reopened with ever longer waits: the event does not reset them", async () => {
    const id = "10000000-0000-4000-8000-000000000003";
    watchScript.set(id, [eventThenCut, eventThenCut, eventThenCut, eventThenCut, event]);
    assert.deepEqual(await followCounting(id, 5), [1, 2, 3, 4], "failures in a row, though each stream delivered an event");
  });

  test("a stream that stayed open long enough starts the backoff afresh when it fails", async () => {
    const id = "10000000-0000-4000-8000-000000000004";
    watchScript.set(id, [eventThenCut, eventThenCut, eventThenCut, event]);
    assert.deepEqual(await followCounting(id, 4, 0), [1, 1, 1], "each stream counted as recovered");
  });

  test("a stream that falls silent is reopened after the idle timeout", async () => {
    const id = "10000000-0000-4000-8000-000000000002";
    watchScript.set(id, [() => undefined /* holds the stream open, sends nothing */, event]);
    const causes = await follow(id, 300);
    assert.equal(callsFor(id), 2);
    assert.match(String((causes[0] as Error).message), /silent/);
  });

  const permanent: [string, Step<WatchFlowRunRequest, WatchFlowRunResponse>, (err: unknown) => boolean][] = [
    [
      "NOT_FOUND (FLOW_RUN_NOT_FOUND)",
      cut(status.NOT_FOUND, "No flow run.", "FLOW_RUN_NOT_FOUND"),
      (e) => e instanceof FlowRunNotFoundError,
    ],
    [
      "INVALID_ARGUMENT",
      cut(status.INVALID_ARGUMENT, "flowRunId is not a UUID.", "INVALID_ARGUMENT"),
      (e) => e instanceof InvalidArgumentError,
    ],
    ["INTERNAL (reason INTERNAL)", cut(status.INTERNAL, "Internal error.", "INTERNAL"), (e) => e instanceof InternalError],
    [
      "INTERNAL without a reason (grpc-js: a response it cannot decode)",
      cut(status.INTERNAL, "Failed to parse server response"),
      (e) => e instanceof FlowgateError && e.code === status.INTERNAL,
    ],
    [
      "a message the SDK cannot convert (a watch event without its run)",
      (call) => void call.write(WatchFlowRunResponse.fromPartial({})),
      (e) => e instanceof Error && !(e instanceof FlowgateError) && /without its event|without its flow run/.test(e.message),
    ],
  ];
  permanent.forEach(([name, step, check], i) => {
    test(`${name} is thrown at once, not retried`, async () => {
      const id = `20000000-0000-4000-8000-00000000000${i}`;
      watchScript.set(id, [step, event]);
      await assert.rejects(follow(id), check);
      assert.equal(callsFor(id), 1);
    });
  });

  test("a pause wait (waitForPauseEnd) uses the same loop: a dropped stream is reopened and the resume arrives", async () => {
    const id = "30000000-0000-4000-8000-000000000001";
    currentRun = id;
    waitScript.set(id, [
      cut(status.UNAVAILABLE, "Connection dropped"),
      (call) => {
        call.write(WaitForResumeResponse.fromPartial({ type: WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT, key: "1" }));
        call.write(
          WaitForResumeResponse.fromPartial({ type: WaitEventType.WAIT_EVENT_TYPE_RESUMED, key: "1", runInput: { name: "Marvin" } }),
        );
      },
    ]);
    const reconnects: number[] = [];
    let heartbeats = 0;
    const end = await waitForPauseEnd(client, id, "1", {
      signal: AbortSignal.timeout(30_000),
      onReconnect: (n) => reconnects.push(n),
      onHeartbeat: () => heartbeats++,
    });
    assert.equal(end.type, "RESUMED");
    assert.deepEqual(end.runInput, { name: "Marvin" });
    assert.deepEqual(reconnects, [1]);
    assert.equal(heartbeats, 1);
  });

  test("a pause wait on a key that never existed fails at once with PauseNotFoundError", async () => {
    const id = "30000000-0000-4000-8000-000000000002";
    currentRun = id;
    waitScript.set(id, [cut(status.NOT_FOUND, "The flow run has no pause with key 7.", "PAUSE_NOT_FOUND")]);
    await assert.rejects(waitForPauseEnd(client, id, "7", { signal: AbortSignal.timeout(30_000) }), PauseNotFoundError);
    assert.equal(callsFor(id), 1);
  });

  test("aborting the wait ends it with the signal's reason", async () => {
    const id = "30000000-0000-4000-8000-000000000003";
    currentRun = id;
    const stop = new AbortController();
    waitScript.set(id, [
      (call) => {
        call.write(WaitForResumeResponse.fromPartial({ type: WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT, key: "1" }));
      },
    ]);
    const reason = new Error("the caller left");
    await assert.rejects(
      waitForPauseEnd(client, id, "1", { signal: stop.signal, onHeartbeat: () => stop.abort(reason) }),
      (err) => err === reason,
    );
  });
});
