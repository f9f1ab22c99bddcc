import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import type { DeploymentJson, DeploymentPageJson, RunCountsJson, RunJson, TaskRunPageJson } from "../../server/src/http/api-types.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

interface RunPage {
  runs: RunJson[];
  nextPageToken: string;
}

/** The web UI's overview routes: filters, counts by state, task runs, deployments and running one. */
describe("the HTTP API's run overview", () => {
  let server: TestServer;
  let base: string;
  before(async () => {
    server = await startTestServer({ env: { FLOWGATE_HTTP_ADDRESS: "127.0.0.1:0" } });
    base = `http://${server.httpAddress}`;
  });
  after(() => server.stop());

  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: server.authHeader, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as T };
  }
  const fieldsOf = (body: unknown): string[] => ((body as { fieldErrors?: { field: string }[] }).fieldErrors ?? []).map((f) => f.field);

  async function createRun(flowName: string, name: string, type = StateType.STATE_TYPE_RUNNING, deploymentId = ""): Promise<string> {
    const { flowRun } = await server.runs.createFlowRun({ flowName, name, deploymentId, state: { type } });
    return flowRun!.id;
  }

  test("a name search finds runs by any part of their name, in any case, and nothing else", async () => {
    const flow = `search-${randomUUID().slice(0, 8)}`;
    const nightly = await createRun(flow, "Nightly-Report-42");
    const weekly = await createRun(flow, "weekly-report");
    await createRun(flow, "cleanup");
    // Regex characters are matched literally.
    const dotted = await createRun(flow, "a.b+c");

    const found = await call<RunPage>("GET", `/api/runs?flow=${flow}&search=REPORT`);
    assert.equal(found.status, 200);
    assert.deepEqual(new Set(found.body.runs.map((r) => r.id)), new Set([nightly, weekly]));
    const one = await call<RunPage>("GET", `/api/runs?flow=${flow}&search=${encodeURIComponent("GHTLY-rep")}`);
    assert.deepEqual(
      one.body.runs.map((r) => r.id),
      [nightly],
    );
    const literal = await call<RunPage>("GET", `/api/runs?flow=${flow}&search=${encodeURIComponent("a.b+c")}`);
    assert.deepEqual(
      literal.body.runs.map((r) => r.id),
      [dotted],
    );
    assert.deepEqual((await call<RunPage>("GET", `/api/runs?flow=${flow}&search=${encodeURIComponent("a.b.c")}`)).body.runs, []);

    const tooLong = await call("GET", `/api/runs?search=${"x".repeat(101)}`);
    assert.equal(tooLong.status, 400);
    assert.deepEqual(fieldsOf(tooLong.body), ["search"]);
  });

  test("a time range keeps the runs created at or after its start and before its end", async () => {
    const flow = `range-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 4; i++) await createRun(flow, `r${i}`);
    const all = (await call<RunPage>("GET", `/api/runs?flow=${flow}`)).body.runs;
    assert.equal(all.length, 4);
    const times = all.map((r) => r.createdAt).sort();
    const [from, to] = [times[1]!, times[3]!];
    const inRange = all.filter((r) => r.createdAt >= from && r.createdAt < to).map((r) => r.id);
    const got = await call<RunPage>("GET", `/api/runs?flow=${flow}&createdAfter=${from}&createdBefore=${to}`);
    assert.equal(got.status, 200);
    assert.deepEqual(new Set(got.body.runs.map((r) => r.id)), new Set(inRange));
    assert.ok(inRange.length >= 1);
    assert.deepEqual((await call<RunPage>("GET", `/api/runs?flow=${flow}&createdBefore=2000-01-01T00:00:00Z`)).body.runs, []);
    assert.equal((await call<RunPage>("GET", `/api/runs?flow=${flow}&createdAfter=2000-01-01`)).body.runs.length, 4);

    const bad = await call("GET", `/api/runs?createdAfter=yesterday`);
    assert.equal(bad.status, 400);
    assert.deepEqual(fieldsOf(bad.body), ["createdAfter"]);
  });

  test("counts by state match the runs listed with the same filters, whatever the state filter", async () => {
    const flow = `counts-${randomUUID().slice(0, 8)}`;
    await createRun(flow, "one", StateType.STATE_TYPE_RUNNING);
    await createRun(flow, "two", StateType.STATE_TYPE_RUNNING);
    await createRun(flow, "three", StateType.STATE_TYPE_SCHEDULED);
    const paused = await createRun(flow, "four", StateType.STATE_TYPE_RUNNING);
    await server.runs.pauseFlowRun({ flowRunId: paused });
    await createRun(`${flow}-other`, "elsewhere", StateType.STATE_TYPE_RUNNING);

    const got = await call<RunCountsJson>("GET", `/api/runs/counts?flow=${flow}&state=RUNNING`);
    assert.equal(got.status, 200);
    assert.equal(got.body.total, 4);
    assert.deepEqual(Object.fromEntries(Object.entries(got.body.counts).filter(([, n]) => n > 0)), { RUNNING: 2, SCHEDULED: 1, PAUSED: 1 });
    assert.equal(got.body.counts.COMPLETED, 0, "every state type is there, 0 when none");
    const listed = (await call<RunPage>("GET", `/api/runs?flow=${flow}&state=RUNNING`)).body.runs;
    assert.equal(listed.length, got.body.counts.RUNNING);

    const searched = await call<RunCountsJson>("GET", `/api/runs/counts?flow=${flow}&search=t`);
    assert.deepEqual(
      Object.fromEntries(Object.entries(searched.body.counts).filter(([, n]) => n > 0)),
      { RUNNING: 1, SCHEDULED: 1 },
      '"two" and "three"',
    );
  });

  test("a run's task runs: name, state, times, cached result and run count, oldest first", async () => {
    const flow = `tasks-${randomUUID().slice(0, 8)}`;
    const runId = await createRun(flow, "with-tasks");
    const fresh = (
      await server.runs.createTaskRun({ flowRunId: runId, taskKey: "fetch", dynamicKey: "0", name: "fetch-0", cacheKey: `k-${runId}` })
    ).taskRun!;
    await server.runs.setTaskRunState({ taskRunId: fresh.id, state: { type: StateType.STATE_TYPE_RUNNING } });
    await server.runs.setTaskRunState({
      taskRunId: fresh.id,
      state: { type: StateType.STATE_TYPE_COMPLETED },
      result: 42,
      persistResult: true,
    });
    const cached = (await server.runs.createTaskRun({ flowRunId: runId, taskKey: "fetch", dynamicKey: "1", name: "fetch-1" })).taskRun!;
    await server.runs.setTaskRunState({ taskRunId: cached.id, state: { type: StateType.STATE_TYPE_COMPLETED, name: "Cached" } });
    const running = (await server.runs.createTaskRun({ flowRunId: runId, taskKey: "load", dynamicKey: "0", name: "load-0" })).taskRun!;
    await server.runs.setTaskRunState({ taskRunId: running.id, state: { type: StateType.STATE_TYPE_RUNNING } });

    const got = await call<TaskRunPageJson>("GET", `/api/runs/${runId}/task-runs`);
    assert.equal(got.status, 200);
    assert.deepEqual(
      got.body.taskRuns.map((t) => [t.name, t.state?.type, t.cached, t.endedAt !== null]),
      [
        ["fetch-0", "COMPLETED", false, true],
        ["fetch-1", "COMPLETED", true, true],
        ["load-0", "RUNNING", false, false],
      ],
    );
    const first = got.body.taskRuns[0]!;
    assert.equal(first.runCount, 1);
    assert.equal(first.hasResult, true);
    assert.equal(first.cacheKey, `k-${runId}`);
    assert.ok(Date.parse(first.endedAt!) >= Date.parse(first.startedAt));

    const page1 = await call<TaskRunPageJson>("GET", `/api/runs/${runId}/task-runs?pageSize=2`);
    assert.equal(page1.body.taskRuns.length, 2);
    const page2 = await call<TaskRunPageJson>("GET", `/api/runs/${runId}/task-runs?pageSize=2&pageToken=${page1.body.nextPageToken}`);
    assert.deepEqual(
      page2.body.taskRuns.map((t) => t.name),
      ["load-0"],
    );
    assert.equal(page2.body.nextPageToken, "");

    const other = await createRun(flow, "no-tasks");
    assert.deepEqual((await call<TaskRunPageJson>("GET", `/api/runs/${other}/task-runs`)).body.taskRuns, []);
    assert.equal((await call("GET", `/api/runs/${randomUUID()}/task-runs`)).status, 404);
    assert.equal((await call("GET", `/api/runs/nope/task-runs`)).status, 400);
  });

  test("deployments are listed and got; Run starts a SCHEDULED run with the parameters over the defaults", async () => {
    const flow = `deploy-${randomUUID().slice(0, 8)}`;
    const { deployment } = await server.deployments.createDeployment({
      name: "nightly",
      flowName: flow,
      entrypoint: "flows.ts:nightly",
      parameters: { region: "eu", retries: 1 },
    });
    const listed = await call<DeploymentPageJson>("GET", `/api/deployments?flow=${flow}`);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.deployments.map((d) => [d.fullName, d.parameters]),
      [[`${flow}/nightly`, { region: "eu", retries: 1 }]],
    );
    const got = await call<DeploymentJson>("GET", `/api/deployments/${deployment!.id}`);
    assert.equal(got.body.entrypoint, "flows.ts:nightly");

    const started = await call<RunJson>("POST", `/api/deployments/${deployment!.id}/run`, {
      parameters: { region: "us" },
      name: "by-hand",
    });
    assert.equal(started.status, 200);
    assert.equal(started.body.state?.type, "SCHEDULED");
    assert.equal(started.body.deploymentId, deployment!.id);
    assert.equal(started.body.name, "by-hand");
    assert.deepEqual(started.body.parameters, { region: "us", retries: 1 });
    const runs = await call<RunPage>("GET", `/api/runs?deployment=${deployment!.id}`);
    assert.deepEqual(
      runs.body.runs.map((r) => r.id),
      [started.body.id],
    );

    const notObject = await call("POST", `/api/deployments/${deployment!.id}/run`, { parameters: [1, 2] });
    assert.equal(notObject.status, 400);
    assert.deepEqual(fieldsOf(notObject.body), ["parameters"]);
    const unknownField = await call("POST", `/api/deployments/${deployment!.id}/run`, { params: {} });
    assert.equal(unknownField.status, 400);
    const missing = await call<{ reason: string }>("POST", `/api/deployments/${randomUUID()}/run`, {});
    assert.equal(missing.status, 404);
    assert.equal(missing.body.reason, "DEPLOYMENT_NOT_FOUND");
    assert.equal((await call("GET", `/api/deployments/${randomUUID()}`)).status, 404);
  });
});
