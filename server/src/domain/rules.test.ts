import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AbortedError, FailedPreconditionError, InvalidArgumentError, Messages } from "./errors.js";
import type { FlowRun } from "./flow-run.js";
import {
  availableActions,
  decideCancel,
  decideClaim,
  decideExpire,
  decidePause,
  decideResume,
  decideSetState,
  hasArchivedPauses,
  type Clock,
  type PauseRequest,
} from "./rules.js";
import { RunInputSchemas } from "./run-input-schema.js";
import type { Decider } from "./approval.js";
import { STATE_TYPES, makeState, type StateType } from "./states.js";

const T0 = new Date("2026-01-01T00:00:00Z");
let ids = 0;
const clockAt = (ms = 0): Clock => ({ now: new Date(T0.getTime() + ms), newId: () => `id-${++ids}` });
const schemas = new RunInputSchemas();
const ALICE: Decider = { principal: "alice", groups: [], channel: "grpc" };

function run(type: StateType | undefined, extra: Partial<FlowRun> = {}): FlowRun {
  return {
    id: "run-1",
    name: "brave-otter",
    flowName: "f",
    parameters: {},
    labels: {},
    ...(type ? { state: makeState({ type }, "s-0", T0) } : {}),
    version: 3,
    runCount: 1,
    resuming: false,
    pauses: {},
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  };
}

const pauseReq = (over: Partial<PauseRequest> = {}): PauseRequest => ({ noTimeout: false, reschedule: false, ...over });

function paused(over: Partial<PauseRequest> = {}, base = run("RUNNING", { deploymentId: "dep-1" })): FlowRun {
  const d = decidePause(base, pauseReq(over), clockAt());
  assert.equal(d.kind, "pause");
  return d.kind === "pause" ? d.transition.run : base;
}

describe("decidePause", () => {
  test("a RUNNING run pauses with key 1, no reschedule and a one-hour expiry", () => {
    const d = decidePause(run("RUNNING"), pauseReq(), clockAt());
    assert.equal(d.kind, "pause");
    if (d.kind !== "pause") return;
    const next = d.transition.run;
    assert.equal(next.state?.type, "PAUSED");
    assert.equal(next.state?.name, "Paused");
    assert.equal(next.state?.details.pauseKey, "1");
    assert.equal(next.state?.details.pauseExpiresAt?.getTime(), T0.getTime() + 3600_000);
    assert.equal(next.version, 4);
    assert.deepEqual(d.transition.changedPauseKeys, ["1"]);
  });

  test("refuses a run with no state, then a run that is not running", () => {
    assert.throws(
      () => decidePause(run(undefined), pauseReq(), clockAt()),
      new FailedPreconditionError("TRANSITION_REFUSED", Messages.pauseNoState),
    );
    for (const t of STATE_TYPES.filter((s) => s !== "RUNNING" && s !== "PAUSED")) {
      assert.throws(() => decidePause(run(t), pauseReq(), clockAt()), { message: Messages.pauseNotRunning }, t);
    }
  });

  test("a key that already fired is answered, not an error, with its stored input", () => {
    const resumed = decideResume(paused({ key: "k" }), { a: 1 }, undefined, schemas, clockAt(1), ALICE);
    assert.equal(resumed.kind, "resume");
    if (resumed.kind !== "resume") return;
    const d = decidePause(resumed.transition.run, pauseReq({ key: "k" }), clockAt(2));
    assert.equal(d.kind, "already_fired");
    assert.deepEqual(d.kind === "already_fired" ? d.pause.runInput : undefined, { a: 1 });
  });

  test("default keys count up per run", () => {
    const first = decideResume(paused(), undefined, undefined, schemas, clockAt(1), ALICE);
    assert.equal(first.kind, "resume");
    if (first.kind !== "resume") return;
    const d = decidePause(first.transition.run, pauseReq(), clockAt(2));
    assert.equal(d.kind === "pause" ? d.pause.key : undefined, "2");
  });

  test("timeouts: no_timeout means no expiry; both at once, zero and negative are invalid", () => {
    assert.equal(paused({ noTimeout: true }).state?.details.pauseExpiresAt, undefined);
    for (const bad of [
      pauseReq({ noTimeout: true, timeoutSeconds: 5 }),
      pauseReq({ timeoutSeconds: 0 }),
      pauseReq({ timeoutSeconds: -1 }),
    ]) {
      assert.throws(() => decidePause(run("RUNNING"), bad, clockAt()), InvalidArgumentError);
    }
  });

  test("a suspend is refused for a linked subflow and for a run without a deployment", () => {
    assert.throws(
      () => decidePause(run("RUNNING", { deploymentId: "d", parentTaskRunId: "t" }), pauseReq({ reschedule: true }), clockAt()),
      { message: Messages.suspendSubflow },
    );
    assert.throws(() => decidePause(run("RUNNING"), pauseReq({ reschedule: true }), clockAt()), { message: Messages.suspendNoDeployment });
  });

  test("suspending a run waiting in an in-process pause turns that same pause into a suspend", () => {
    const d = decidePause(paused({ key: "a" }), pauseReq({ reschedule: true }), clockAt(5));
    assert.equal(d.kind, "pause");
    if (d.kind !== "pause") return;
    assert.equal(d.pause.key, "a");
    assert.equal(d.pause.suspendedWhileWaiting, true);
    assert.equal(d.transition.run.state?.name, "Suspended");
  });
});

describe("decideResume", () => {
  const schema = {
    type: "object",
    properties: { name: { type: "string" }, age: { type: "integer", minimum: 0 } },
    required: ["name", "age"],
  };

  test("an in-process pause goes back to RUNNING without counting a new run", () => {
    const d = decideResume(paused(), { x: 1 }, undefined, schemas, clockAt(1), ALICE);
    assert.equal(d.kind, "resume");
    if (d.kind !== "resume") return;
    assert.equal(d.transition.run.state?.type, "RUNNING");
    assert.equal(d.transition.run.runCount, 1);
    assert.equal(d.pause.status, "resumed");
  });

  test("a suspend goes to SCHEDULED Resuming and its next RUNNING is not a new run", () => {
    const d = decideResume(paused({ reschedule: true }), undefined, undefined, schemas, clockAt(1), ALICE);
    assert.equal(d.kind, "resume");
    if (d.kind !== "resume") return;
    assert.equal(d.transition.run.state?.type, "SCHEDULED");
    assert.equal(d.transition.run.state?.name, "Resuming");
    const pending = decideSetState(d.transition.run, { type: "PENDING" }, undefined, clockAt(2));
    const running = decideSetState(pending.transition.run, { type: "RUNNING" }, undefined, clockAt(3));
    assert.equal(running.transition.run.runCount, 1);
    assert.equal(running.transition.run.resuming, false);
  });

  test("invalid input names every failing field and changes nothing", () => {
    const p = paused({ inputSchema: schema });
    assert.throws(
      () => decideResume(p, { age: -1, extra: true }, undefined, schemas, clockAt(1), ALICE),
      (err: unknown) => {
        assert.ok(err instanceof InvalidArgumentError);
        assert.deepEqual(err.violations.map((v) => v.field).sort(), ["age", "name"]);
        return true;
      },
    );
  });

  test("a missing input is accepted when every field has a default, and the defaults are applied", () => {
    const p = paused({ inputSchema: { type: "object", properties: { n: { type: "integer", default: 7 } } } });
    const d = decideResume(p, undefined, undefined, schemas, clockAt(1), ALICE);
    assert.equal(d.kind === "resume" ? d.pause.runInput?.["n"] : undefined, 7);
  });

  test("a run that is not paused, a timed-out pause, and a retried winning resume", () => {
    assert.throws(() => decideResume(run("RUNNING"), undefined, undefined, schemas, clockAt(), ALICE), {
      message: Messages.resumeNotPaused,
    });
    const p = paused({ timeoutSeconds: 10 });
    const late = decideResume(p, undefined, undefined, schemas, clockAt(10_000), ALICE);
    assert.equal(late.kind, "expired");
    if (late.kind !== "expired") return;
    // The failure is stored and the caller is still told the pause timed out.
    assert.equal(late.transition.run.state?.type, "FAILED");
    assert.deepEqual([late.error.reason, late.error.message], ["PAUSE_TIMED_OUT", Messages.resumeTimedOut]);
    assert.throws(() => decideResume(late.transition.run, undefined, undefined, schemas, clockAt(11_000), ALICE), {
      message: Messages.resumeTimedOut,
    });
    const won = decideResume(p, undefined, "req-1", schemas, clockAt(1), ALICE);
    assert.equal(won.kind, "resume");
    if (won.kind !== "resume") return;
    assert.equal(decideResume(won.transition.run, undefined, "req-1", schemas, clockAt(2), ALICE).kind, "already_resumed");
    assert.throws(() => decideResume(won.transition.run, undefined, "req-2", schemas, clockAt(2), ALICE), {
      message: Messages.resumeNotPaused,
    });
  });
});

describe("decideExpire and decideCancel", () => {
  test("an expired pending pause fails the run once; anything else is left alone", () => {
    const p = paused({ key: "k", timeoutSeconds: 5 });
    assert.equal(decideExpire(p, "k", clockAt(4_999)), undefined);
    const t = decideExpire(p, "k", clockAt(5_000));
    assert.equal(t?.run.state?.type, "FAILED");
    assert.equal(t?.run.state?.message, Messages.pauseExpired);
    assert.equal(decideExpire(t.run, "k", clockAt(6_000)), undefined);
    assert.equal(decideExpire(p, "other", clockAt(6_000)), undefined);
  });

  test("cancel: no process → CANCELLED at once, running → CANCELLING, final → refused", () => {
    assert.equal(decideCancel(paused({ reschedule: true }), clockAt())?.run.state?.type, "CANCELLED");
    assert.equal(decideCancel(paused(), clockAt())?.run.pauses["1"]?.status, "cancelled");
    assert.equal(decideCancel(run("SCHEDULED"), clockAt())?.run.state?.type, "CANCELLED");
    assert.equal(decideCancel(run("RUNNING"), clockAt())?.run.state?.type, "CANCELLING");
    assert.equal(decideCancel(run("CANCELLING"), clockAt()), undefined);
    assert.throws(() => decideCancel(run("COMPLETED"), clockAt()), FailedPreconditionError);
  });
});

describe("decideSetState", () => {
  test("PAUSED may only move to RUNNING, SCHEDULED or a final state", () => {
    for (const to of STATE_TYPES.filter((t) => t !== "PAUSED")) {
      const ok = ["RUNNING", "SCHEDULED", "COMPLETED", "FAILED", "CANCELLED", "CRASHED"].includes(to);
      if (ok) assert.equal(decideSetState(paused(), { type: to }, undefined, clockAt(1)).transition.run.state?.type, to);
      else assert.throws(() => decideSetState(paused(), { type: to }, undefined, clockAt(1)), FailedPreconditionError, to);
    }
  });

  test("final states are final, PAUSED is only entered through pause, and a stale version aborts", () => {
    assert.throws(() => decideSetState(run("COMPLETED"), { type: "RUNNING" }, undefined, clockAt()), FailedPreconditionError);
    assert.throws(() => decideSetState(run("RUNNING"), { type: "PAUSED" }, undefined, clockAt()), FailedPreconditionError);
    assert.throws(() => decideSetState(run("RUNNING"), { type: "COMPLETED" }, 2, clockAt()), AbortedError);
  });

  test("a pause that awaits input cannot be left to RUNNING without its input", () => {
    assert.throws(
      () => decideSetState(paused({ inputSchema: { type: "object" } }), { type: "RUNNING" }, undefined, clockAt(1)),
      FailedPreconditionError,
    );
  });

  test("entering RUNNING counts a run", () => {
    assert.equal(decideSetState(run("PENDING"), { type: "RUNNING" }, undefined, clockAt()).transition.run.runCount, 2);
  });

  test("a proposal to an expired pause stores the failure and tells the caller PAUSE_TIMED_OUT", () => {
    const d = decideSetState(paused({ timeoutSeconds: 10 }), { type: "RUNNING" }, undefined, clockAt(10_000));
    assert.equal(d.kind, "expired");
    if (d.kind !== "expired") return;
    assert.equal(d.transition.run.state?.type, "FAILED");
    assert.equal(d.transition.run.pauses["1"]?.status, "timed_out");
    assert.equal(d.error.reason, "PAUSE_TIMED_OUT");
  });
});

describe("decideClaim", () => {
  test("a SCHEDULED run becomes PENDING, naming the runner; a run in any other state is not claimed", () => {
    const t = decideClaim(run("SCHEDULED", { deploymentId: "dep-1" }), "runner-7", clockAt());
    assert.equal(t?.run.state?.type, "PENDING");
    assert.equal(t?.run.state?.message, "Claimed by runner runner-7.");
    assert.equal(t?.run.version, 4);
    assert.equal(decideClaim(t.run, "runner-8", clockAt()), undefined, "a second claimer gets nothing");
    for (const type of STATE_TYPES.filter((s) => s !== "SCHEDULED")) assert.equal(decideClaim(run(type), "r", clockAt()), undefined, type);
    assert.equal(decideClaim(run(undefined), "r", clockAt()), undefined);
  });
});

describe("hasArchivedPauses", () => {
  test("a run has archived pauses only once more pauses ended than its document keeps", () => {
    let r = run("RUNNING", { deploymentId: "dep-1" });
    const archivedAfter: boolean[] = [];
    for (let i = 1; i <= 3; i++) {
      r = paused({ key: `k${i}` }, r);
      const d = decideResume(r, undefined, undefined, schemas, clockAt(i), ALICE);
      if (d.kind !== "resume") return assert.fail(d.kind);
      r = d.transition.run;
      archivedAfter.push(hasArchivedPauses(r));
    }
    assert.deepEqual(archivedAfter, [false, true, true]);
    assert.equal(hasArchivedPauses(run("RUNNING", { pauses: {} })), false, "a run stored before the count was kept");
  });
});

describe("state history", () => {
  test("a change of state hands the store the state it left, without its details, and keeps it out of the run", () => {
    const pausedRun = paused();
    const d = decideResume(pausedRun, undefined, undefined, schemas, clockAt(1000), ALICE);
    assert.equal(d.kind, "resume");
    if (d.kind !== "resume") return;
    const left = d.transition.run.leftState;
    assert.equal(left?.id, pausedRun.state!.id);
    assert.equal(left?.type, "PAUSED");
    assert.equal(left && "details" in left, false);
    assert.equal("stateHistory" in d.transition.run, false);
  });

  test("a run that pauses a thousand times carries nothing more than after its first pause", () => {
    let r = run("RUNNING", { deploymentId: "dep-1" });
    let size = 0;
    for (let i = 1; i <= 1000; i++) {
      r = paused({}, r);
      const d = decideResume(r, undefined, undefined, schemas, clockAt(1000 + i), ALICE);
      assert.equal(d.kind, "resume");
      if (d.kind !== "resume") return;
      r = d.transition.run;
      const { leftState: _left, evictedPauses: _evicted, ...stored } = r;
      if (i === 2) size = JSON.stringify(stored).length;
      if (i > 2) assert.ok(JSON.stringify(stored).length <= size + 20, `pause ${i}: the run grew to ${JSON.stringify(stored).length}`);
    }
  });

  test("the first RUNNING sets when the run started, and later ones keep it", () => {
    const first = decideResume(paused(), undefined, undefined, schemas, clockAt(5000), ALICE);
    if (first.kind !== "resume") return assert.fail(first.kind);
    assert.equal(first.transition.run.startedAt?.getTime(), T0.getTime() + 5000);
    const again = decideResume(paused({}, first.transition.run), undefined, undefined, schemas, clockAt(9000), ALICE);
    if (again.kind !== "resume") return assert.fail(again.kind);
    assert.equal(again.transition.run.startedAt?.getTime(), T0.getTime() + 5000);
  });
});

describe("availableActions", () => {
  /** Whether a decision accepts (returns) or refuses (throws) for this run. */
  const accepts = (decide: () => unknown): boolean => {
    try {
      decide();
      return true;
    } catch {
      return false;
    }
  };
  const variants: { name: string; over: Partial<FlowRun> }[] = [
    { name: "plain", over: {} },
    { name: "with a deployment", over: { deploymentId: "dep-1" } },
    { name: "a linked subflow", over: { deploymentId: "dep-1", parentTaskRunId: "task-1" } },
  ];

  test("each flag agrees with its decision, for every state, deployment and subflow case", () => {
    const runs: { name: string; run: FlowRun }[] = [];
    for (const v of variants) {
      runs.push({ name: `no state, ${v.name}`, run: run(undefined, v.over) });
      for (const t of STATE_TYPES.filter((s) => s !== "PAUSED")) runs.push({ name: `${t}, ${v.name}`, run: run(t, v.over) });
      const base = run("RUNNING", v.over);
      runs.push({ name: `paused, ${v.name}`, run: decidePauseRun(base, false) });
      if (v.over.deploymentId && !v.over.parentTaskRunId) runs.push({ name: `suspended, ${v.name}`, run: decidePauseRun(base, true) });
    }
    for (const { name, run: r } of runs) {
      const actions = availableActions(r);
      assert.equal(
        actions.suspend,
        accepts(() => decidePause(r, pauseReq({ reschedule: true }), clockAt(1))),
        `suspend: ${name}`,
      );
      assert.equal(
        actions.cancel,
        accepts(() => decideCancel(r, clockAt(1))) && decideCancel(r, clockAt(1)) !== undefined,
        `cancel: ${name}`,
      );
      assert.equal(
        actions.resume,
        accepts(() => decideResume(r, undefined, undefined, schemas, clockAt(1), ALICE)),
        `resume: ${name}`,
      );
    }
  });
});

function decidePauseRun(base: FlowRun, reschedule: boolean): FlowRun {
  const d = decidePause(base, pauseReq({ reschedule }), clockAt());
  assert.equal(d.kind, "pause");
  return d.kind === "pause" ? d.transition.run : base;
}

describe("approvals in the run's record", () => {
  const policy = { approvers: ["alice", "bob"], required: 2, allowSelfApproval: false, links: "none" as const };
  const BOB: Decider = { principal: "bob", groups: [], channel: "grpc" };
  const large = { note: "x".repeat(5000) };

  test("an approval below the quorum keeps a large input by hash; the one that meets it keeps its input whole", () => {
    const first = decideResume(paused({ approval: policy }), large, undefined, schemas, clockAt(1), ALICE);
    assert.equal(first.kind, "approved");
    const waiting = first.kind === "approved" ? first.transition.run : undefined;
    const kept = waiting!.pauses["1"]!.approvals![0]!;
    assert.equal(kept.input, undefined);
    assert.match(kept.inputSha256 ?? "", /^[0-9a-f]{64}$/);

    const second = decideResume(waiting!, large, undefined, schemas, clockAt(2), BOB);
    assert.equal(second.kind, "resume");
    if (second.kind !== "resume") return;
    assert.deepEqual(second.pause.runInput, large);
    assert.deepEqual(second.pause.approvals!.at(-1)!.input, large);
  });

  test("a small input below the quorum is kept whole", () => {
    const first = decideResume(paused({ approval: policy }), { ok: true }, undefined, schemas, clockAt(1), ALICE);
    assert.equal(first.kind, "approved");
    if (first.kind === "approved") assert.deepEqual(first.pause.approvals![0]!.input, { ok: true });
  });
});
