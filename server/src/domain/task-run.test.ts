import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FailedPreconditionError, InvalidArgumentError } from "./errors.js";
import type { Clock } from "./rules.js";
import { makeState, STATE_TYPES, type StateType } from "./states.js";
import { checkTaskRunStateChange, decideTaskRunState, newTaskRun, type TaskRun } from "./task-run.js";

const T0 = new Date("2026-01-01T00:00:00Z");
let ids = 0;
const clockAt = (ms = 0): Clock => ({ now: new Date(T0.getTime() + ms), newId: () => `id-${++ids}` });

function taskRun(type: StateType | undefined, extra: Partial<TaskRun> = {}): TaskRun {
  const base = newTaskRun({ flowRunId: "run-1", taskKey: "fetch", dynamicKey: "0", name: "", cacheKey: "" }, clockAt());
  return { ...base, ...(type ? { state: makeState({ type }, "s-0", T0) } : {}), ...extra };
}

describe("newTaskRun", () => {
  test("a new task run has no state and no result, has not run, is at version 1 and is named after its key", () => {
    const t = newTaskRun({ flowRunId: "run-1", taskKey: "fetch", dynamicKey: "2", name: "", cacheKey: "k" }, clockAt(5));
    assert.equal(t.name, "fetch");
    assert.equal(t.cacheKey, "k");
    assert.equal(t.state, undefined);
    assert.deepEqual([t.hasResult, t.runCount, t.version], [false, 0, 1]);
    assert.equal(t.createdAt.getTime(), T0.getTime() + 5);
    assert.equal(
      newTaskRun({ flowRunId: "r", taskKey: "fetch", dynamicKey: "0", name: "Fetch it", cacheKey: "" }, clockAt()).cacheKey,
      undefined,
    );
  });
});

describe("decideTaskRunState", () => {
  test("RUNNING counts a run each time; other states take the proposal without counting", () => {
    const first = decideTaskRunState(taskRun(undefined), { proposal: { type: "RUNNING" }, persistResult: false }, clockAt(1)).next;
    assert.deepEqual([first.state?.type, first.runCount, first.version], ["RUNNING", 1, 2]);
    const again = decideTaskRunState(first, { proposal: { type: "RUNNING" }, persistResult: false }, clockAt(2)).next;
    assert.equal(again.runCount, 2);
    const done = decideTaskRunState(again, { proposal: { type: "COMPLETED" }, persistResult: false }, clockAt(3)).next;
    assert.deepEqual([done.state?.type, done.runCount, done.version], ["COMPLETED", 2, 4]);
  });

  test("a final task run refuses every proposal with ALREADY_FINAL", () => {
    for (const final of ["COMPLETED", "FAILED", "CANCELLED", "CRASHED"] as const) {
      for (const to of STATE_TYPES) {
        assert.throws(
          () => decideTaskRunState(taskRun(final), { proposal: { type: to }, persistResult: false }, clockAt()),
          (err: unknown) => err instanceof FailedPreconditionError && err.reason === "ALREADY_FINAL",
          `${final} -> ${to}`,
        );
      }
    }
  });

  test("a persisted result is kept with the task run, and indexed by its cache key when it has one", () => {
    const kept = decideTaskRunState(
      taskRun("RUNNING"),
      { proposal: { type: "COMPLETED" }, result: { n: 1 }, persistResult: true },
      clockAt(),
    );
    assert.deepEqual([kept.next.hasResult, kept.next.result, kept.indexResult], [true, { n: 1 }, false]);
    const cached = decideTaskRunState(
      taskRun("RUNNING", { cacheKey: "k" }),
      { proposal: { type: "COMPLETED" }, persistResult: true },
      clockAt(),
    );
    assert.deepEqual([cached.next.result, cached.indexResult], [null, true]);
    const notKept = decideTaskRunState(
      taskRun("RUNNING", { cacheKey: "k" }),
      { proposal: { type: "COMPLETED" }, result: 5, persistResult: false },
      clockAt(),
    );
    assert.deepEqual([notKept.next.hasResult, "result" in notKept.next, notKept.indexResult], [false, false, false]);
  });

  test("persist_result with anything but COMPLETED is an invalid argument, before the task run is read", () => {
    assert.throws(
      () => checkTaskRunStateChange({ proposal: { type: "FAILED" }, persistResult: true }),
      (err: unknown) => err instanceof InvalidArgumentError && err.violations[0]?.field === "persist_result",
    );
    assert.throws(
      () => decideTaskRunState(taskRun("RUNNING"), { proposal: { type: "RUNNING" }, persistResult: true }, clockAt()),
      InvalidArgumentError,
    );
  });
});
