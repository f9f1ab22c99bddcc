/**
 * A half-written transition (issue 13, item 4): a server died between claiming a run's next version and
 * writing it, leaving in the store the claim with the whole update it meant to make. The next writer of
 * that run finishes the update exactly as its writer would have (the same change, announced to waiters
 * and watchers at once) and then decides its own call against the finished run.
 *
 * The dead writer's update is made by the server itself, on a twin of the run (a copy under another id),
 * so the claim holds exactly what a real call would have stored; it is then left, as a claim, on the run.
 * Servers run with the claims strategy (FLOWGATE_STORE_COMPAT=ferretdb, which works on MongoDB too) and
 * with the reconcile loop out of the way (FLOWGATE_RECONCILE_MS one hour), so an event can only come
 * from the writer that finished the update.
 *
 * Part of the fault suite (issue 13, item 6: a crash between claim and write): the last test leaves
 * several runs half written and races resumes on two servers to find them, and prints its figures.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { WaitEventType } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType, type FlowRun } from "@flowgate/contract/flowgate/v1/types.js";
import { FINISHED_CALL } from "../../server/src/app/run-transitions.js";
import { COLLECTIONS } from "../../server/src/store/collections.js";
import {
  expectGrpcError,
  getRun,
  pausedRun,
  publishedTransitions,
  readUntil,
  waitForResume,
  watchRun,
  withDatabase,
} from "../support/fixtures.js";
import { startServerProcess, startTestServer, type ServerProcess, type TestServer } from "../support/test-server.js";
import { concurrently, printFigures, publishedByRun, size, tally } from "./support.js";

const ENV = { FLOWGATE_STORE_COMPAT: "ferretdb", FLOWGATE_RECONCILE_MS: "3600000" };
/** Runs left half written at once, and resumes racing to find each (`npm run test:faults -- --long`: 20 × 50, 1,000 at once). */
const RUNS = size(5, 20);
const FINDERS = size(20, 50);
/** Older than any claim a live writer holds (a claim is taken to be its dead writer's after 5 s). */
const LONG_AGO_MS = 60_000;

type Doc = { _id: string; version: number } & Record<string, unknown>;

/**
 * Leaves on run `flowRunId` the claim a writer would leave had it died right after claiming: `change` is
 * made for real on a twin of the run, and the twin's next version becomes the claim's update. Returns
 * the version the claim is for.
 */
async function leaveDeadClaim(server: TestServer, flowRunId: string, change: (twinId: string) => Promise<unknown>): Promise<number> {
  const twinId = randomUUID();
  const run = await withDatabase(server.database, async (db) => {
    const runs = db.collection<Doc>(COLLECTIONS.flowRuns);
    const doc = await runs.findOne({ _id: flowRunId });
    assert.ok(doc, "the run is in the store");
    await runs.insertOne({ ...doc, _id: twinId });
    return doc;
  });
  await change(twinId);
  await withDatabase(server.database, async (db) => {
    const twin = await db.collection<Doc>(COLLECTIONS.flowRuns).findOne({ _id: twinId });
    assert.ok(twin, "the twin is in the store");
    assert.equal(twin.version, run.version + 1, "the change made one version on the twin");
    const { _id, ...set } = twin;
    await db
      .collection<{ _id: string; set: Record<string, unknown>; at: Date }>(COLLECTIONS.versionClaims)
      .insertOne({ _id: `run:${flowRunId}:${twin.version}`, set, at: new Date(Date.now() - LONG_AGO_MS) });
  });
  return run.version + 1;
}

describe("a transition half written by a server that died", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: ENV });
  });
  after(() => server?.stop());

  test("a dead writer's resume is finished by the next writer: the waiter gets RESUMED with its input, and the next resume is refused NOT_PAUSED", async () => {
    const run = await pausedRun(server);
    const waiter = waitForResume(server, run.id, { key: "1" });
    assert.equal((await waiter.next()).type, WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT);
    const finished = await leaveDeadClaim(server, run.id, (twin) =>
      server.runs.resumeFlowRun({ flowRunId: twin, runInput: { by: "the writer that died" } }),
    );
    assert.equal((await getRun(server, run.id)).state!.type, StateType.STATE_TYPE_PAUSED, "readers still see the run paused");

    await expectGrpcError(
      server.runs.resumeFlowRun({ flowRunId: run.id, runInput: { by: "the next writer" } }),
      status.FAILED_PRECONDITION,
      undefined,
      "NOT_PAUSED",
    );
    const events = await readUntil(waiter, (e) => e.type !== WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT);
    const end = events[events.length - 1]!;
    assert.equal(end.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED, "the waiter learns of the finished resume from its announcement");
    assert.deepEqual(end.runInput, { by: "the writer that died" });
    waiter.cancel();

    const now = await getRun(server, run.id);
    assert.equal(now.state!.type, StateType.STATE_TYPE_RUNNING);
    assert.equal(now.version, finished, "the refused resume stored nothing");
    const published = (await publishedTransitions(server.database, run.id)).filter((t) => t.version > run.version);
    assert.deepEqual(
      published.map((t) => [t.version, t.stateType]),
      [[finished, "RUNNING"]],
      "the finished resume is published once",
    );
    // It leaves what the resume would have left: the input's mirror, and an entry in the audit trail
    // naming who resumed (the call itself died with its server).
    const { input } = await server.runs.readFlowRunInput({ flowRunId: run.id, key: "paused-1-response" });
    assert.deepEqual(input?.value, { by: "the writer that died" });
    const entries = await withDatabase(server.database, (db) =>
      db
        .collection<{ call: string; principal: string; stateAfter?: { type: string } }>(COLLECTIONS.auditEvents)
        .find({ flowRunId: run.id })
        .toArray(),
    );
    const entry = entries.find((e) => e.call === FINISHED_CALL);
    assert.equal(entry?.principal, now.state!.by!.principal);
    assert.equal(entry?.stateAfter?.type, "RUNNING");
  });

  test("a resume after a dead writer's half-written suspend is decided on the suspended run: it resumes to SCHEDULED", async () => {
    const run = await pausedRun(server, {}, { withDeployment: true });
    const watcher = watchRun(server, run.id);
    await readUntil(watcher, (e) => e.event?.flowRun?.version === run.version);
    const suspended = await leaveDeadClaim(server, run.id, (twin) => server.runs.suspendFlowRun({ flowRunId: twin }));

    const { flowRun: resumed } = await server.runs.resumeFlowRun({ flowRunId: run.id });
    assert.equal(resumed!.state!.type, StateType.STATE_TYPE_SCHEDULED, "an in-process pause would have gone back to RUNNING");
    assert.equal(resumed!.version, suspended + 1);

    const seen = await readUntil(watcher, (e) => e.event?.flowRun?.version === suspended + 1);
    const versions = seen.map((e) => [e.event!.flowRun!.version, e.event!.flowRun!.state!.type, e.event!.flowRun!.state!.name]);
    assert.deepEqual(versions.slice(-2), [
      [suspended, StateType.STATE_TYPE_PAUSED, "Suspended"],
      [suspended + 1, StateType.STATE_TYPE_SCHEDULED, resumed!.state!.name],
    ]);
    watcher.cancel();
    const published = (await publishedTransitions(server.database, run.id)).filter((t) => t.version > run.version);
    assert.deepEqual(
      published.map((t) => t.version),
      [suspended, suspended + 1],
    );
  });
});

describe("a half-written transition found by writers on two servers at once", () => {
  let one: TestServer;
  let two: ServerProcess;
  before(async () => {
    one = await startTestServer({ env: ENV });
    two = await startServerProcess({ database: one.database, env: ENV });
  });
  after(async () => {
    await two?.stop();
    await one?.stop();
  });

  test(`${RUNS} runs left half written, found by ${FINDERS} resumes each: each finished and published once; every resume on either server is refused NOT_PAUSED`, async () => {
    const left: { run: FlowRun; finished: number }[] = [];
    for (let r = 0; r < RUNS; r++) {
      const run = await pausedRun(one);
      const finished = await leaveDeadClaim(one, run.id, (twin) => one.runs.resumeFlowRun({ flowRunId: twin, runInput: { n: r } }));
      left.push({ run, finished });
    }
    const answers = await concurrently(RUNS * FINDERS, (i) =>
      (i % 2 === 0 ? one : two).runs.resumeFlowRun({ flowRunId: left[i % RUNS]!.run.id }),
    );
    const published = await publishedByRun(
      one.database,
      left.map((l) => l.run.id),
    );
    const after = left.map((l) => published.get(l.run.id)!.filter((t) => t.version > l.run.version));
    printFigures("crash between claim and write", {
      tried: answers.length,
      runs: RUNS,
      lost: after.filter((ts) => ts.length === 0).length,
      doubled: after.filter((ts) => ts.length > 1).length,
      outcomes: JSON.stringify(tally(answers)),
    });
    assert.deepEqual(tally(answers), { NOT_PAUSED: RUNS * FINDERS }, "every finder decided against the finished resume");
    for (const [r, { run, finished }] of left.entries()) {
      assert.deepEqual(
        after[r]!.map((t) => [t.version, t.stateType]),
        [[finished, "RUNNING"]],
        "one of the finishers published it",
      );
      const now = await getRun(one, run.id);
      assert.deepEqual([now.version, now.state!.type], [finished, StateType.STATE_TYPE_RUNNING]);
    }
  });
});
