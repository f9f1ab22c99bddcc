/**
 * The repositories' behaviours, as one table run under each store compatibility strategy against the
 * run's store (the embedded FerretDB, or a real MongoDB when FLOWGATE_MONGODB_URI or the container
 * path names one). Each strategy gets a database of its own.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startEmbeddedStore } from "../../server/src/embedded-store/launcher.js";
import { AlreadyExistsError } from "../../server/src/domain/errors.js";
import type { FlowRun } from "../../server/src/domain/flow-run.js";
import type { Clock } from "../../server/src/domain/rules.js";
import { createFlowRun } from "../../server/src/domain/run-creation.js";
import { makeState, type StateType } from "../../server/src/domain/states.js";
import { newTaskRun, type TaskRun } from "../../server/src/domain/task-run.js";
import { isStoreUnavailable, type Store } from "../../server/src/app/ports.js";
import { STORE_COMPATS, type StoreCompat } from "../../server/src/store/compat/strategy.js";
import { openStore } from "../../server/src/store/mongo-store.js";
import { storeUri, uniqueDatabase } from "../support/test-server.js";

// Known before storeUri() may start one: no URI given means this process runs the embedded store.
const embedded = process.env["FLOWGATE_TEST_STORE"] === "embedded" || !process.env["FLOWGATE_MONGODB_URI"];
const uri = await storeUri();

const clock = (): Clock => ({ now: new Date(), newId: () => crypto.randomUUID() });

function newRun(over: { flowName?: string; deploymentId?: string; state?: StateType } = {}): FlowRun {
  return createFlowRun(
    { flowName: over.flowName ?? "f", deploymentId: over.deploymentId, state: over.state ? { type: over.state } : undefined },
    1 << 20,
    clock(),
  );
}

/** The run's next version in `type`, as a transition decided from `run` would store it. */
function moved(run: FlowRun, type: StateType): FlowRun {
  const c = clock();
  return { ...run, state: makeState({ type }, c.newId(), c.now), version: run.version + 1, updatedAt: c.now };
}

type Behaviour = (store: Store) => Promise<void>;

const BEHAVIOURS: Record<string, Behaviour> = {
  "a flow run is inserted and read back as it was, user JSON included": async (store) => {
    const run = { ...newRun({ state: "RUNNING" }), parameters: { $schema: "s", "a.b": [1, { $ref: "#" }] }, labels: { "team.name": "x" } };
    await store.runs.insert(run);
    assert.deepEqual(await store.runs.get(run.id), run);
    assert.equal(await store.runs.get(crypto.randomUUID()), undefined);
  },

  "a version-guarded apply stores the next version once; a stale or skipping version is refused": async (store) => {
    const run = newRun({ state: "SCHEDULED" });
    await store.runs.insert(run);
    const next = moved(run, "PENDING");
    assert.equal(await store.runs.apply(next), true);
    assert.deepEqual(await store.runs.get(run.id), next);
    assert.equal(await store.runs.apply(moved(run, "RUNNING")), false, "decided from version 1, which is gone");
    assert.equal(await store.runs.apply({ ...moved(next, "RUNNING"), version: next.version + 2 }), false, "skips a version");
    assert.equal((await store.runs.get(run.id))?.state?.type, "PENDING");
    assert.equal(await store.runs.apply(moved(next, "RUNNING")), true);
  },

  "task runs: one per (flow run, task key, dynamic key), version-guarded, results found by cache key": async (store) => {
    const flowRunId = crypto.randomUUID();
    const first = newTaskRun({ flowRunId, taskKey: "fetch", dynamicKey: "0", name: "", cacheKey: "" }, clock());
    assert.deepEqual(await store.taskRuns.findOrCreate(first), { taskRun: first, created: true });
    const again = await store.taskRuns.findOrCreate({ ...first, id: crypto.randomUUID() });
    assert.deepEqual(again, { taskRun: first, created: false });
    await store.taskRuns.findOrCreate(newTaskRun({ flowRunId, taskKey: "fetch", dynamicKey: "1", name: "", cacheKey: "" }, clock()));
    assert.equal(await store.taskRuns.countFor(flowRunId, "fetch"), 2);

    const c = clock();
    const done: TaskRun = {
      ...first,
      cacheKey: `k-${first.id}`,
      state: makeState({ type: "COMPLETED" }, c.newId(), c.now),
      result: { $x: 1 },
      hasResult: true,
      version: 2,
    };
    assert.equal(await store.taskRuns.apply(done), true);
    assert.equal(await store.taskRuns.apply({ ...done, state: makeState({ type: "FAILED" }, c.newId(), c.now) }), false);
    await store.taskRuns.putResult(done.cacheKey!, done.id, c.now);
    assert.deepEqual(await store.taskRuns.getByCacheKey(done.cacheKey!), done);
    assert.equal(await store.taskRuns.getByCacheKey("no such key"), undefined);
  },

  "flow-run inputs: unique keys, overwrites, prefix filters oldest first, deletes": async (store) => {
    const flowRunId = crypto.randomUUID();
    const at = (ms: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms));
    await store.inputs.create({ flowRunId, key: "paused-1-schema", value: { $schema: "x", "a.b": 1 }, createdAt: at(1) });
    await assert.rejects(
      store.inputs.create({ flowRunId, key: "paused-1-schema", value: 2, createdAt: at(2) }),
      (err: unknown) => err instanceof AlreadyExistsError && err.reason === "INPUT_KEY_EXISTS",
    );
    await store.inputs.create({ flowRunId, key: "paused-1-response", value: "first", sender: "ui", createdAt: at(3) });
    await store.inputs.put({ flowRunId, key: "paused-1-response", value: "second", createdAt: at(4) });
    await store.inputs.create({ flowRunId, key: "other", value: null, createdAt: at(5) });
    assert.deepEqual(await store.inputs.read(flowRunId, "paused-1-schema"), {
      flowRunId,
      key: "paused-1-schema",
      value: { $schema: "x", "a.b": 1 },
      createdAt: at(1),
    });
    assert.equal((await store.inputs.read(flowRunId, "paused-1-response"))?.value, "second");
    const keys = async (prefix: string, exclude: string[] = [], limit = 10): Promise<string[]> =>
      (await store.inputs.filter(flowRunId, prefix, exclude, limit)).map((i) => i.key);
    assert.deepEqual(await keys("paused-1"), ["paused-1-schema", "paused-1-response"]);
    assert.deepEqual(await keys("", ["paused-1-schema"]), ["paused-1-response", "other"]);
    assert.deepEqual(await keys("", [], 1), ["paused-1-schema"]);
    assert.deepEqual(await keys("p.u"), [], "the prefix is literal, not a pattern");
    assert.equal(await store.inputs.delete(flowRunId, "other"), true);
    assert.equal(await store.inputs.delete(flowRunId, "other"), false);
    await store.inputs.deleteIfPresent(flowRunId, ["paused-1-schema", "never-there"]);
    assert.deepEqual(await keys(""), ["paused-1-response"]);
  },

  "the request log keeps the first outcome of a request id": async (store) => {
    const id = `req-${crypto.randomUUID()}`;
    assert.equal(await store.requests.get(id), undefined);
    await store.requests.put(id, { ok: true, value: { $schema: "x", at: new Date(0) } }, new Date());
    await store.requests.put(id, { ok: false, reason: "NOT_PAUSED", message: "late", violations: [] }, new Date());
    assert.deepEqual(await store.requests.get(id), { ok: true, value: { $schema: "x", at: new Date(0) } });
  },

  "runs list newest first by filter and page; scheduled runs oldest first by deployment": async (store) => {
    const flowName = `list-${crypto.randomUUID()}`;
    const deploymentId = crypto.randomUUID();
    const runs: FlowRun[] = [];
    for (let i = 0; i < 5; i++) {
      const run = {
        ...newRun({ flowName, deploymentId, state: i % 2 === 0 ? "SCHEDULED" : "RUNNING" }),
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      };
      await store.runs.insert(run);
      runs.push(run);
    }
    const ids = (list: FlowRun[]): string[] => list.map((r) => r.id);
    const newestFirst = [...runs].reverse();
    assert.deepEqual(ids(await store.runs.list({ flowName }, 0, 10)), ids(newestFirst));
    assert.deepEqual(ids(await store.runs.list({ flowName }, 1, 2)), ids(newestFirst.slice(1, 3)));
    assert.deepEqual(
      ids(await store.runs.list({ flowName, stateTypes: ["RUNNING"] }, 0, 10)),
      ids(newestFirst.filter((r) => r.state?.type === "RUNNING")),
    );
    assert.deepEqual(ids(await store.runs.findScheduled([deploymentId], 2)), ids([runs[0]!, runs[2]!]));
    assert.deepEqual(new Set(ids(await store.runs.findByIds([runs[1]!.id, runs[3]!.id]))), new Set([runs[1]!.id, runs[3]!.id]));
  },

  "deployments: one per flow and name, updated in place, listed by flow and name": async (store) => {
    const flowName = `dep-${crypto.randomUUID()}`;
    const base = { flowName, entrypoint: "a.ts:f", parameters: { $x: 1 }, createdAt: new Date() };
    const b = await store.deployments.upsert({ ...base, id: crypto.randomUUID(), name: "b" });
    const a = await store.deployments.upsert({ ...base, id: crypto.randomUUID(), name: "a" });
    assert.deepEqual([a.created, b.created], [true, true]);
    const updated = await store.deployments.upsert({ ...base, id: crypto.randomUUID(), name: "b", entrypoint: "b.ts:g" });
    assert.equal(updated.created, false);
    assert.equal(updated.deployment.id, b.deployment.id);
    assert.equal((await store.deployments.getByName(flowName, "b"))?.entrypoint, "b.ts:g");
    assert.deepEqual(
      (await store.deployments.list(flowName, 0, 10)).map((d) => d.name),
      ["a", "b"],
    );
    assert.deepEqual(await store.deployments.get(a.deployment.id), a.deployment);
  },

  "the event feed numbers appends densely and reads them back": async (store) => {
    const head = await store.events.readHead();
    const run = newRun({ state: "RUNNING" });
    const n = await store.events.append(run, undefined);
    const m = await store.events.append(moved(run, "COMPLETED"), run.state);
    assert.deepEqual([n, m], [head + 1, head + 2]);
    assert.deepEqual((await store.events.get(n))?.run, run);
    assert.equal((await store.events.get(m))?.previousState?.type, "RUNNING");
    assert.equal(await store.events.get(m + 1), undefined);
  },
};

const WRITERS = 8;

/** Writers that all decided from the same version race to store the next one. */
const race: Behaviour = async (store) => {
  const run = newRun({ state: "RUNNING" });
  await store.runs.insert(run);
  const candidates = Array.from({ length: WRITERS }, () => moved(run, "COMPLETED"));
  const won = await Promise.all(candidates.map((c) => store.runs.apply(c)));
  assert.equal(won.filter(Boolean).length, 1, `winners: ${won.join(", ")}`);
  const stored = await store.runs.get(run.id);
  assert.equal(stored?.version, run.version + 1);
  assert.equal(stored?.state?.id, candidates[won.indexOf(true)]!.state?.id, "the stored version is the winner's");
};

/** The strategy the store picks when nothing forces one. */
async function detected(): Promise<StoreCompat> {
  const store = await openStore({ uri, defaultDatabase: uniqueDatabase() });
  await store.close();
  return store.strategy as StoreCompat;
}
const backend = await detected();

test("with no override the strategy follows the server: the embedded store is FerretDB", () => {
  if (embedded) assert.equal(backend, "ferretdb");
  else assert.ok(STORE_COMPATS.includes(backend));
});

for (const compat of STORE_COMPATS) {
  describe(`the ${compat} strategy`, () => {
    let store: Store;
    before(async () => {
      store = await openStore({ uri, defaultDatabase: uniqueDatabase(), compat });
    });
    after(() => store.close());

    test("is the one in use", () => assert.equal(store.strategy, compat));
    for (const [name, behaviour] of Object.entries(BEHAVIOURS)) test(name, () => behaviour(store));

    test("a write says it is committed only when it wins, before it returns where the claim tells it sooner, and then lands", async () => {
      const run = newRun({ state: "RUNNING" });
      await store.runs.insert(run);
      const next = moved(run, "COMPLETED");
      const told: string[] = [];
      const storing = store.runs.apply(next, { committed: () => told.push("committed") }).then((ok) => (told.push("returned"), ok));
      assert.equal(await storing, true);
      // A claim (ferretdb) makes the write certain before the update; MongoDB's one conditional update is both.
      assert.deepEqual(told, compat === "ferretdb" ? ["committed", "returned"] : ["returned"]);
      assert.equal((await store.runs.get(run.id))?.version, next.version);
      const lost: string[] = [];
      assert.equal(await store.runs.apply(moved(run, "FAILED"), { committed: () => lost.push("committed") }), false);
      assert.deepEqual(lost, [], "a write that lost its race is never said to be committed");
    });

    // The MongoDB strategy's guarantee rests on MongoDB applying a filtered findOneAndUpdate atomically.
    // FerretDB v1 does not: it reads the matching document, then writes it by _id in a separate step,
    // so racing writers can all match version N and all "win". That is why the embedded store gets the
    // ferretdb strategy; this case runs under the mongodb strategy only where the server is MongoDB.
    if (compat === "ferretdb" || backend === "mongodb") {
      test(`of ${WRITERS} writers racing from one version exactly one wins, and its version is the one stored`, () => race(store));
    }
  });
}

test("servers starting at once on a new database all open it, each finding or making the same indexes", async () => {
  const database = uniqueDatabase();
  const stores = await Promise.all(Array.from({ length: 3 }, () => openStore({ uri, defaultDatabase: database })));
  try {
    const run = newRun({ state: "RUNNING" });
    await stores[0]!.runs.insert(run);
    for (const store of stores) assert.equal((await store.runs.get(run.id))?.id, run.id);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
});

test("a store that went away fails every call as unavailable, whatever the driver called it", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "flowgate-gone-store-"));
  const gone = await startEmbeddedStore({ dataDir, onProgress: () => undefined });
  const store = await openStore({ uri: gone.uri, defaultDatabase: uniqueDatabase(), directConnection: true });
  try {
    const run = newRun({ state: "RUNNING" });
    await store.runs.insert(run);
    await gone.stop();
    await assert.rejects(store.runs.get(run.id), (err: unknown) => {
      assert.ok(isStoreUnavailable(err), String(err));
      assert.match(String((err as Error).cause), /^Mongo/);
      return true;
    });
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
