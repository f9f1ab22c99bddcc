import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { assertUnchanged, getRun, pausedRun, runningRun } from "../support/fixtures.js";

interface ApiResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

interface RunBody {
  id: string;
  state: { type: string; id: string } | null;
  stateHistory: { type: string; timestamp: string }[];
  actions: { resume: boolean; suspend: boolean; cancel: boolean };
  version: number;
  pause: { key: string; reschedule: boolean; expiresAt: string | null; inputSchema: unknown; inputDescription: string | null } | null;
}

interface SseEvent {
  event: string;
  data: { run: RunBody; previousState: { type: string } | null; initial: boolean };
}

/**
 * Reads Server-Sent Events from a fetch body: `next()` gives the next event, or fails after
 * `timeoutMs`; `ended()` resolves when the server closes the stream.
 */
function openEvents(url: string, signal: AbortSignal, authorization: string) {
  const response = fetch(url, { signal, headers: { accept: "text/event-stream", authorization } });
  const decoder = new TextDecoder();
  let buffer = "";
  /** The reconnection delay the stream asked for (`retry:`), once it came. */
  let retryMs: number | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const read = async (): Promise<boolean> => {
    if (!reader) {
      const res = await response;
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
      reader = res.body!.getReader();
    }
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += decoder.decode(value, { stream: true });
    return true;
  };
  const take = (): SseEvent | undefined => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end < 0) return undefined;
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = block.split("\n").filter((l) => !l.startsWith(":"));
      const retry = lines.find((l) => l.startsWith("retry: "));
      if (retry) retryMs = Number(retry.slice(7));
      if (!lines.some((l) => l.startsWith("data: "))) continue;
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message";
      const data = lines.find((l) => l.startsWith("data: "))?.slice(6) ?? "null";
      return { event, data: JSON.parse(data) as SseEvent["data"] };
    }
  };
  return {
    retryMs: () => retryMs,
    async next(timeoutMs = 10_000): Promise<SseEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const e = take();
        if (e) return e;
        const more = await Promise.race([
          read(),
          new Promise<"timeout">((r) => setTimeout(() => r("timeout"), Math.max(0, deadline - Date.now()))),
        ]);
        if (more === "timeout") assert.fail(`no event within ${timeoutMs} ms`);
        if (!more) assert.fail("the stream ended");
      }
    },
    async ended(timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const more = await Promise.race([
          read(),
          new Promise<"timeout">((r) => setTimeout(() => r("timeout"), Math.max(0, deadline - Date.now()))),
        ]);
        if (more === "timeout") assert.fail(`the stream did not end within ${timeoutMs} ms`);
        if (!more) return;
      }
    },
  };
}

describe("the HTTP API", () => {
  let server: TestServer;
  let base: string;
  before(async () => {
    server = await startTestServer({ env: { FLOWGATE_HTTP_ADDRESS: "127.0.0.1:0" } });
    base = `http://${server.httpAddress}`;
  });
  after(() => server.stop());

  async function call(method: "GET" | "POST", path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: server.authHeader, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }
  const asRun = (r: ApiResponse): RunBody => r.body as unknown as RunBody;

  test("health answers ok, unknown paths are 404 and wrong methods 405", async () => {
    assert.deepEqual((await call("GET", "/api/health")).body, { status: "ok" });
    assert.equal((await call("GET", "/api/nothing")).status, 404);
    const wrong = await call("GET", `/api/runs/${randomUUID()}/resume`);
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "POST");
  });

  test("lists runs filtered by state and flow, with paging", async () => {
    const flowName = `http-list-${randomUUID().slice(0, 8)}`;
    const { flowRun: a } = await server.runs.createFlowRun({ flowName, state: { type: StateType.STATE_TYPE_RUNNING } });
    const { flowRun: b } = await server.runs.createFlowRun({ flowName, state: { type: StateType.STATE_TYPE_RUNNING } });
    await server.runs.pauseFlowRun({ flowRunId: b!.id });
    await server.runs.createFlowRun({ flowName, state: { type: StateType.STATE_TYPE_SCHEDULED } });

    const paused = await call("GET", `/api/runs?state=PAUSED&flow=${flowName}`);
    assert.equal(paused.status, 200);
    const pausedRuns = paused.body["runs"] as RunBody[];
    assert.deepEqual(
      pausedRuns.map((r) => r.id),
      [b!.id],
    );
    assert.equal(pausedRuns[0]!.state!.type, "PAUSED");
    assert.equal(pausedRuns[0]!.pause!.key, "1");

    const both = await call("GET", `/api/runs?state=PAUSED,running&flow=${flowName}`);
    assert.deepEqual(new Set((both.body["runs"] as RunBody[]).map((r) => r.id)), new Set([a!.id, b!.id]));

    const page1 = await call("GET", `/api/runs?flow=${flowName}&pageSize=2`);
    assert.equal((page1.body["runs"] as RunBody[]).length, 2);
    const token = page1.body["nextPageToken"] as string;
    assert.ok(token);
    const page2 = await call("GET", `/api/runs?flow=${flowName}&pageSize=2&pageToken=${encodeURIComponent(token)}`);
    assert.equal((page2.body["runs"] as RunBody[]).length, 1);
    assert.equal(page2.body["nextPageToken"], "");

    const bad = await call("GET", "/api/runs?state=SLEEPING");
    assert.equal(bad.status, 400);
    assert.deepEqual(
      (bad.body["fieldErrors"] as { field: string }[]).map((f) => f.field),
      ["state"],
    );
    assert.equal((await call("GET", "/api/runs?pageSize=many")).status, 400);
    const tooLarge = await call("GET", "/api/runs?pageSize=501");
    assert.equal(tooLarge.status, 400);
    assert.deepEqual(tooLarge.body["fieldErrors"], [{ field: "pageSize", description: "must be between 1 and 500" }]);
    assert.equal(tooLarge.body["error"], "pageSize must be between 1 and 500.");
    const foreignToken = await call("GET", "/api/runs?pageToken=bm9wZQ");
    assert.deepEqual(
      (foreignToken.body["fieldErrors"] as { field: string }[]).map((f) => f.field),
      ["pageToken"],
    );
  });

  test("gets a run with its current pause; unknown is 404, malformed id is 400", async () => {
    const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };
    const paused = await pausedRun(server, { inputSchema: schema, inputDescription: "Who are you?", timeoutSeconds: 600 });
    const got = await call("GET", `/api/runs/${paused.id}`);
    assert.equal(got.status, 200);
    const run = asRun(got);
    assert.equal(run.state!.type, "PAUSED");
    assert.equal(run.pause!.key, "1");
    assert.deepEqual(run.pause!.inputSchema, schema);
    assert.equal(run.pause!.inputDescription, "Who are you?");
    assert.ok(Date.parse(run.pause!.expiresAt!) > Date.now(), "expiresAt is an ISO date in the future");
    // What the UI needs besides: the states before this one, and what the server would accept now.
    assert.deepEqual(
      run.stateHistory.map((s) => s.type),
      ["RUNNING"],
    );
    assert.deepEqual(run.actions, { resume: true, reject: true, suspend: false, cancel: true }, "no deployment: no suspend");

    const unknown = randomUUID();
    const missing = await call("GET", `/api/runs/${unknown}`);
    assert.equal(missing.status, 404);
    assert.match(missing.body["error"] as string, new RegExp(unknown));

    const malformed = await call("GET", "/api/runs/not-a-uuid");
    assert.equal(malformed.status, 400);
    assert.deepEqual(
      malformed.body["fieldErrors"],
      [{ field: "flowRunId", description: "must be a UUID" }],
      "fields named as the HTTP API's JSON names them",
    );
    assert.match(malformed.body["error"] as string, /^flowRunId must be a UUID/);

    const inputs = await call("GET", `/api/runs/${paused.id}/inputs?prefix=paused-1`);
    assert.equal(inputs.status, 200);
    const keys = (inputs.body["inputs"] as { key: string }[]).map((i) => i.key).sort();
    assert.deepEqual(keys, ["paused-1-description", "paused-1-schema"]);
  });

  test("resume with invalid input is 400 naming the fields, and the run stays PAUSED", async () => {
    const schema = {
      type: "object",
      properties: { name: { type: "string" }, age: { type: "integer", minimum: 0 } },
      required: ["name", "age"],
    };
    const paused = await pausedRun(server, { inputSchema: schema });
    const res = await call("POST", `/api/runs/${paused.id}/resume`, { input: { name: 42, age: -1 } });
    assert.equal(res.status, 400);
    const fields = (res.body["fieldErrors"] as { field: string; description: string }[]).map((f) => f.field).sort();
    assert.deepEqual(fields, ["age", "name"]);
    assert.ok(typeof res.body["error"] === "string" && res.body["error"].length > 0);
    const still = await assertUnchanged(server, paused);
    assert.equal(still.state!.type, StateType.STATE_TYPE_PAUSED);
  });

  test("S26 over HTTP: a non-object input (array, string, number) or body is 400 with a clear message", async () => {
    const paused = await pausedRun(server, { inputSchema: { type: "object", properties: { a: { type: "string" } } } });
    for (const input of [["a"], "text", 7, true]) {
      const res = await call("POST", `/api/runs/${paused.id}/resume`, { input });
      assert.equal(res.status, 400, JSON.stringify(input));
      assert.match(res.body["error"] as string, /input must be a JSON object/);
      assert.deepEqual(res.body["fieldErrors"], [{ field: "input", description: "must be a JSON object" }]);
    }
    for (const body of ["[1,2]", '"text"', "{not json", JSON.stringify({ inptu: {} })]) {
      const res = await call("POST", `/api/runs/${paused.id}/resume`, body);
      assert.equal(res.status, 400, body);
    }
    await assertUnchanged(server, paused);
  });

  test("a valid resume is 200 and RUNNING; a retry with the same Idempotency-Key is 200 again, a new one is 409", async () => {
    const paused = await pausedRun(server, {
      inputSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
    });
    const key = randomUUID();
    const first = await call("POST", `/api/runs/${paused.id}/resume`, { input: { name: "Marvin" } }, { "idempotency-key": key });
    assert.equal(first.status, 200);
    assert.equal(asRun(first).state!.type, "RUNNING");
    assert.equal(asRun(first).pause, null);
    const now = await getRun(server, paused.id);
    assert.equal(now.state!.type, StateType.STATE_TYPE_RUNNING);

    const retry = await call("POST", `/api/runs/${paused.id}/resume`, { input: { name: "Marvin" } }, { "idempotency-key": key });
    assert.equal(retry.status, 200);
    assert.equal(asRun(retry).state!.id, asRun(first).state!.id, "the retry reports the same resume");
    await assertUnchanged(server, now);

    const other = await call("POST", `/api/runs/${paused.id}/resume`, { input: { name: "Arthur" } }, { "idempotency-key": randomUUID() });
    assert.equal(other.status, 409);
    assert.equal(other.body["error"], "Cannot resume a flow run that is not paused.");
    const stored = await server.runs.readFlowRunInput({ flowRunId: paused.id, key: "paused-1-response" });
    assert.deepEqual(stored.input!.value, { name: "Marvin" });
  });

  test("a body larger than the input limit plus margin is 413", async () => {
    const paused = await pausedRun(server);
    const res = await call("POST", `/api/runs/${paused.id}/resume`, { input: { big: "x".repeat(2 * 1024 * 1024) } });
    assert.equal(res.status, 413);
    await assertUnchanged(server, paused);
  });

  test("suspend pauses a running run with a deployment for rescheduling; without one it is 409", async () => {
    const running = await runningRun(server, { withDeployment: true });
    const res = await call("POST", `/api/runs/${running.id}/suspend`, { timeoutSeconds: 120 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const run = asRun(res);
    assert.equal(run.state!.type, "PAUSED");
    assert.equal(run.pause!.reschedule, true);
    assert.ok(Date.parse(run.pause!.expiresAt!) > Date.now());
    assert.equal((await getRun(server, running.id)).state!.type, StateType.STATE_TYPE_PAUSED);

    const forever = await runningRun(server, { withDeployment: true });
    const noTimeout = await call("POST", `/api/runs/${forever.id}/suspend`, { timeoutSeconds: null });
    assert.equal(noTimeout.status, 200);
    assert.equal(asRun(noTimeout).pause!.expiresAt, null);

    const bare = await runningRun(server);
    const refused = await call("POST", `/api/runs/${bare.id}/suspend`, {});
    assert.equal(refused.status, 409);
    assert.equal(refused.body["error"], "Cannot suspend flows without a deployment.");
    assert.equal((await call("POST", `/api/runs/${bare.id}/suspend`, { timeoutSeconds: "soon" })).status, 400);
  });

  test("cancel ends a paused run; cancelling a final run is 409", async () => {
    const paused = await pausedRun(server);
    const res = await call("POST", `/api/runs/${paused.id}/cancel`, {});
    assert.equal(res.status, 200);
    assert.equal(asRun(res).state!.type, "CANCELLED");
    assert.equal((await getRun(server, paused.id)).state!.type, StateType.STATE_TYPE_CANCELLED);
    assert.equal((await call("POST", `/api/runs/${paused.id}/cancel`, {})).status, 409);
  });

  test("run events: the current state first, then each change, and the stream ends at a final state", async () => {
    const paused = await pausedRun(server);
    const controller = new AbortController();
    try {
      const events = openEvents(`${base}/api/runs/${paused.id}/events`, controller.signal, server.authHeader);
      const first = await events.next();
      assert.equal(first.event, "state");
      assert.equal(first.data.initial, true);
      assert.equal(first.data.run.state!.type, "PAUSED");
      // Each stream asks its browser to come back after a drop at a time of its own, 1–5 s: the pages
      // of a restarted server do not all reconnect at once.
      const retry = events.retryMs();
      assert.ok(retry !== undefined && retry >= 1000 && retry <= 5000, `retry: ${retry}`);

      await server.runs.resumeFlowRun({ flowRunId: paused.id });
      const second = await events.next();
      assert.equal(second.data.initial, false);
      assert.equal(second.data.run.state!.type, "RUNNING");
      assert.equal(second.data.previousState!.type, "PAUSED");

      await server.runs.setFlowRunState({ flowRunId: paused.id, state: { type: StateType.STATE_TYPE_COMPLETED } });
      assert.equal((await events.next()).data.run.state!.type, "COMPLETED");
      await events.ended();
    } finally {
      controller.abort();
    }
    const missing = await call("GET", `/api/runs/${randomUUID()}/events`);
    assert.equal(missing.status, 404);
  });

  test("filtered events: PAUSED runs now, then runs entering and leaving PAUSED", async () => {
    // A flow of its own, so runs paused by other tests stay out of the stream.
    const flowName = `http-events-${randomUUID().slice(0, 8)}`;
    const startRunning = async (): Promise<string> => {
      const { flowRun } = await server.runs.createFlowRun({ flowName, state: { type: StateType.STATE_TYPE_RUNNING } });
      return flowRun!.id;
    };
    const existing = { id: await startRunning() };
    await server.runs.pauseFlowRun({ flowRunId: existing.id });
    const controller = new AbortController();
    try {
      const events = openEvents(`${base}/api/events?state=PAUSED&flow=${flowName}`, controller.signal, server.authHeader);
      const first = await events.next();
      assert.equal(first.data.initial, true);
      assert.equal(first.data.run.id, existing.id);

      const running = { id: await startRunning() };
      await server.runs.pauseFlowRun({ flowRunId: running.id });
      const entered = await events.next();
      assert.equal(entered.data.run.id, running.id);
      assert.equal(entered.data.run.state!.type, "PAUSED");

      await server.runs.resumeFlowRun({ flowRunId: existing.id });
      const left = await events.next();
      assert.equal(left.data.run.id, existing.id);
      assert.equal(left.data.run.state!.type, "RUNNING");
      assert.equal(left.data.previousState!.type, "PAUSED");
    } finally {
      controller.abort();
    }
  });

  test("stopping the server ends open event streams instead of waiting for them", async () => {
    const own = await startTestServer({ env: { FLOWGATE_HTTP_ADDRESS: "127.0.0.1:0" } });
    const controller = new AbortController();
    try {
      const paused = await pausedRun(own);
      const events = openEvents(`http://${own.httpAddress}/api/runs/${paused.id}/events`, controller.signal, own.authHeader);
      assert.equal((await events.next()).data.run.state!.type, "PAUSED");
      const stopped = own.stop();
      await events.ended(5_000);
      await stopped;
    } finally {
      controller.abort();
    }
  });
});
