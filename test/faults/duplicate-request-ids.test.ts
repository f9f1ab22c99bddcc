/**
 * Exactly-once retries (issue 13, items 2 and 6): a request id is reserved before the work, so a client
 * that retries while its first try is still in flight gets the first try's outcome and never a second
 * run. Concurrent duplicates of CreateFlowRun, RunDeployment and ResumeFlowRun: one piece of work, every
 * caller the same outcome. 50 duplicates at once under `npm test`, 1,000 with
 * `npm run test:faults -- --long`.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { once, requestLogId } from "../../server/src/app/idempotency.js";
import type { Store } from "../../server/src/app/ports.js";
import { openStore } from "../../server/src/store/mongo-store.js";
import {
  startServerProcess,
  startServersOnOneStore,
  stopServers,
  storeUri,
  uniqueDatabase,
  type ServerProcess,
} from "../support/test-server.js";
import { expectGrpcError, pausedRun, publishedTransitions, withDatabase } from "../support/fixtures.js";
import { concurrently, printFigures, runIdsOfFlow, size, tally } from "./support.js";

const DUPLICATES = size(50, 1000);

/** Runs `call` `n` times at once and returns every answer; every call must succeed. */
async function allAnswered<T>(n: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const answers = await concurrently(n, call);
  assert.deepEqual(tally(answers), { OK: n }, "every duplicate is answered with success");
  return answers.map((a) => (a.ok ? a.value : assert.fail("unreachable")));
}

const runsOfFlow = runIdsOfFlow;

describe("exactly-once retries", () => {
  let server: ServerProcess;
  before(async () => {
    // A server process of its own, as in production: a thousand calls from this process must not
    // starve the server's event loop (its store-health ping would time out and shut the gate).
    server = await startServerProcess();
  });
  after(() => server.stop());

  test(`${DUPLICATES} concurrent CreateFlowRun with one request id create one run, and every answer names it`, async () => {
    const flowName = `once-${randomUUID()}`;
    const requestId = randomUUID();
    const answers = await allAnswered(DUPLICATES, () => server.runs.createFlowRun({ flowName, requestId }));
    const ids = new Set(answers.map((a) => a.flowRun!.id));
    const runs = await runsOfFlow(server, flowName);
    printFigures("duplicate request ids, CreateFlowRun", {
      tried: DUPLICATES,
      lost: runs.length === 0 ? 1 : 0,
      doubled: Math.max(0, runs.length - 1),
    });
    assert.equal(ids.size, 1, "every duplicate reports the same run");
    assert.deepEqual(runs, [...ids], "exactly one run was created");
  });

  test(`RunDeployment: 10 rounds of ${DUPLICATES} concurrent duplicates create 10 runs`, async () => {
    const flowName = `once-deploy-${randomUUID()}`;
    const { deployment } = await server.deployments.createDeployment({ name: "nightly", flowName });
    const reported = new Set<string>();
    for (let round = 0; round < 10; round++) {
      const requestId = randomUUID();
      const answers = await allAnswered(DUPLICATES, () => server.deployments.runDeployment({ deploymentId: deployment!.id, requestId }));
      const ids = new Set(answers.map((a) => a.flowRun!.id));
      assert.equal(ids.size, 1, `round ${round}: every duplicate reports the same run`);
      reported.add([...ids][0]!);
    }
    const runs = await runsOfFlow(server, flowName);
    printFigures("duplicate request ids, RunDeployment", {
      tried: 10 * DUPLICATES,
      lost: [...reported].filter((id) => !runs.includes(id)).length,
      doubled: Math.max(0, runs.length - 10),
    });
    assert.deepEqual(new Set(runs), reported, "one run per round, each the one reported");
  });

  test("concurrent duplicate ResumeFlowRun all report success with the same run, resumed once", async () => {
    const paused = await pausedRun(server);
    const requestId = randomUUID();
    const answers = await allAnswered(DUPLICATES, () =>
      server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: { approved: true }, requestId }),
    );
    for (const a of answers) {
      assert.equal(a.flowRun!.id, paused.id);
      assert.equal(a.flowRun!.version, answers[0]!.flowRun!.version, "every duplicate reports the same resumed version");
    }
    const resumes = (await publishedTransitions(server.database, paused.id)).filter((t) => t.version > paused.version);
    printFigures("duplicate request ids, ResumeFlowRun", {
      tried: DUPLICATES,
      lost: resumes.length === 0 ? 1 : 0,
      doubled: Math.max(0, resumes.length - 1),
    });
    assert.equal(resumes.length, 1, "the run was resumed exactly once");
  });

  test("a duplicate of a call refused with a domain error gets the same error, even once the call could succeed", async () => {
    const flowName = `once-missing-${randomUUID()}`;
    const requestId = randomUUID();
    const errors = await Promise.all(
      Array.from({ length: DUPLICATES }, () =>
        expectGrpcError(
          server.deployments.runDeployment({ fullName: `${flowName}/nightly`, requestId }),
          status.NOT_FOUND,
          undefined,
          "DEPLOYMENT_NOT_FOUND",
        ),
      ),
    );
    assert.equal(new Set(errors.map((e) => e.details)).size, 1, "every duplicate gets the same message");
    await server.deployments.createDeployment({ name: "nightly", flowName });
    await expectGrpcError(
      server.deployments.runDeployment({ fullName: `${flowName}/nightly`, requestId }),
      status.NOT_FOUND,
      errors[0]!.details,
      "DEPLOYMENT_NOT_FOUND",
    );
    assert.deepEqual(await runsOfFlow(server, flowName), [], "no run was created");
  });

  test("a reservation left by an owner that died is taken over, and the call completes once", async () => {
    // Learn how this principal's request ids are stored from a call of its own.
    const probe = `probe-${randomUUID()}`;
    await server.runs.createFlowRun({ flowName: `once-probe-${randomUUID()}`, requestId: probe });
    const requestId = randomUUID();
    await withDatabase(server.database, async (db) => {
      const requests = db.collection<{ _id: string; owner?: string; leaseUntil?: Date; createdAt: Date }>("requests");
      const probed = (await requests.find({}).toArray()).find((d) => d._id.endsWith(`:${probe}`));
      assert.ok(probed, "the probe's outcome is in the request log");
      const id = probed._id.replace(probe, requestId);
      const longAgo = new Date(Date.now() - 3_600_000);
      await requests.insertOne({ _id: id, owner: "a-server-that-died", leaseUntil: longAgo, createdAt: longAgo });
    });

    const flowName = `once-orphan-${randomUUID()}`;
    const answers = await allAnswered(5, () => server.runs.createFlowRun({ flowName, requestId }));
    const ids = new Set(answers.map((a) => a.flowRun!.id));
    assert.equal(ids.size, 1, "every duplicate reports the same run");
    assert.deepEqual(await runsOfFlow(server, flowName), [...ids], "exactly one run was created");
    const { flowRun: retried } = await server.runs.createFlowRun({ flowName, requestId });
    assert.equal(retried!.id, [...ids][0], "a later retry replays the outcome");
  });
});

describe("exactly-once retries across servers sharing one store", () => {
  let one: ServerProcess;
  let two: ServerProcess;
  before(async () => ({ one, two } = await startServersOnOneStore()));
  after(() => stopServers(two, one));

  test("two servers racing one request id create one run", async () => {
    const flowName = `once-shared-${randomUUID()}`;
    const requestId = randomUUID();
    const answers = await allAnswered(DUPLICATES, (i) =>
      (i % 2 === 0 ? one : two).runs.createFlowRun({ flowName, requestId, state: { type: StateType.STATE_TYPE_SCHEDULED } }),
    );
    const ids = new Set(answers.map((a) => a.flowRun!.id));
    assert.equal(ids.size, 1, "both servers report the same run");
    assert.deepEqual(await runsOfFlow(one, flowName), [...ids], "exactly one run was created");
  });
});

describe("the request log's reservations, against the store itself", () => {
  let store: Store;
  before(async () => {
    store = await openStore({ uri: await storeUri(), defaultDatabase: uniqueDatabase(), directConnection: true });
  });
  after(() => store.close());
  const alice = { principal: "alice" };

  test("an unexpected error frees the request id: the retry does the work, later retries replay it", async () => {
    let done = 0;
    const requestId = randomUUID();
    await assert.rejects(
      once(store.requests, alice, "job", requestId, async () => {
        throw new Error("the store hiccupped");
      }),
      /the store hiccupped/,
    );
    assert.equal(await store.requests.read(requestLogId(alice, "job", requestId)), undefined, "no reservation is left behind");
    const work = async () => ++done;
    assert.equal(await once(store.requests, alice, "job", requestId, work), 1);
    assert.equal(await once(store.requests, alice, "job", requestId, work), 1, "replayed, not done again");
    assert.equal(done, 1);
  });

  test("a duplicate waiting for a live first call stops when its own call is aborted, and the first call's outcome stands", async () => {
    const requestId = randomUUID();
    let finish!: (v: string) => void;
    let started!: () => void;
    const working = new Promise<void>((resolve) => (started = resolve));
    const first = once(store.requests, alice, "job", requestId, () => {
      started();
      return new Promise<string>((resolve) => (finish = resolve));
    });
    await working;
    const cancel = new AbortController();
    // The call's signal rides on its actor, as services pass it (actorOf(call)).
    const duplicate = once(store.requests, { ...alice, signal: cancel.signal }, "job", requestId, async () => "done twice");
    cancel.abort();
    await assert.rejects(duplicate, { name: "AbortError" });
    finish("done once");
    assert.equal(await first, "done once");
    assert.equal(await once(store.requests, alice, "job", requestId, async () => "done twice"), "done once");
  });
});
