/**
 * N-way races on one paused run (issue 13, item 6): resumes against resumes, cancels, suspends and the
 * pause's expiry, sent at once and split across two servers sharing a store. Whoever wins, the pause
 * ends exactly once: one winner, every other call refused or a no-op on the winner's state, the waiter
 * gets the winner's event, and each stored change is published once. N is 200 under `npm test` and
 * 1,000 with `npm run test:faults -- --long`; resumes against resumes are 1,000 in both.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WaitEventType } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType, type FlowRun } from "@flowgate/contract/flowgate/v1/types.js";
import { getRun, pausedRun, readUntilFinal, waitForResume } from "../support/fixtures.js";
import { startServersOnOneStore, stopServers, type ServerProcess } from "../support/test-server.js";
import { concurrently, printFigures, publishedByRun, size, tally, until, type Answer, type Published } from "./support.js";

const N = size(200, 1000);
/** Resumes against resumes: 1,000 at once in both modes, a burst that once starved the server's store-health ping. */
const RESUMES = 1000;

/** What every racing call answers with: the run as the call left it. */
type Changed = { flowRun?: FlowRun | undefined };

/** The pause's end as its waiter saw it, and the run's transitions after the pause, as published. */
async function aftermath(server: ServerProcess, paused: FlowRun, waiter: ReturnType<typeof waitForResume>) {
  const { final } = await readUntilFinal(waiter, 120_000);
  waiter.cancel();
  const published = (await publishedByRun(server.database, [paused.id])).get(paused.id)!.filter((t) => t.version > paused.version);
  const now = await getRun(server, paused.id);
  return { final, published, now };
}

/**
 * The figures line: tried calls; lost = a change acknowledged to a caller but not published (or not the
 * run's); doubled = a version published twice. Also asserts both are 0 and the run is its last published state.
 */
function account(
  race: string,
  answers: Answer<Changed>[],
  published: Published[],
  now: FlowRun,
  paused: FlowRun,
  serverLogs: () => string[],
): void {
  const acknowledged = new Set(
    answers.flatMap((a) => (a.ok && a.value.flowRun!.version > paused.version ? [a.value.flowRun!.version] : [])),
  );
  const versions = published.map((p) => p.version);
  const lost = [...acknowledged].filter((v) => !versions.includes(v)).length;
  const doubled = versions.length - new Set(versions).size;
  printFigures(race, {
    tried: answers.length,
    lost,
    doubled,
    outcomes: JSON.stringify(tally(answers)),
    winner: published[0]?.stateName ?? "-",
  });
  const unexpected = answers.filter((a) => !a.ok && a.reason === "INTERNAL");
  assert.deepEqual(unexpected, [], `no call fails INTERNAL; the servers' logs:\n${serverLogs().join("\n")}`);
  assert.equal(lost, 0, "every acknowledged change was published");
  assert.equal(doubled, 0, "no change was published twice");
  assert.equal(now.version, versions.at(-1) ?? paused.version, "the run is at its last published version");
  assert.deepEqual(
    versions,
    versions.map((_, i) => paused.version + 1 + i),
    "one version per change, none skipped",
  );
}

const refusedOnly = (answers: Answer<unknown>[], reasons: string[]): void => {
  for (const a of answers)
    assert.ok(!a.ok && reasons.includes(a.reason), `refused with one of ${reasons.join(", ")}: ${JSON.stringify(a)}`);
};

describe(`${N}-way races on one paused run, across two servers`, () => {
  let one: ServerProcess;
  let two: ServerProcess;
  before(async () => ({ one, two } = await startServersOnOneStore()));
  after(() => stopServers(two, one));
  const on = (i: number): ServerProcess => (i % 2 === 0 ? one : two);
  const logs = (): string[] => [...one.logs, ...two.logs];

  test(`resume vs resume (${RESUMES} at once): exactly one wins with its input; the others are refused NOT_PAUSED`, async () => {
    const paused = await pausedRun(one);
    const waiter = waitForResume(two, paused.id, { key: "1" });
    const answers = await concurrently(RESUMES, (i) => on(i).runs.resumeFlowRun({ flowRunId: paused.id, runInput: { i } }));
    const { final, published, now } = await aftermath(one, paused, waiter);
    account("race resume vs resume", answers, published, now, paused, logs);
    assert.deepEqual(tally(answers), { OK: 1, NOT_PAUSED: RESUMES - 1 });
    const winner = answers.findIndex((a) => a.ok);
    assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
    assert.deepEqual(final.runInput, { i: winner }, "the waiter gets the winner's input");
    assert.deepEqual(
      published.map((p) => p.stateType),
      ["RUNNING"],
    );
  });

  test("resume vs cancel: the pause ends once, resumed (then cancelling) or cancelled", async () => {
    const paused = await pausedRun(one);
    const waiter = waitForResume(two, paused.id, { key: "1" });
    const answers = await concurrently<Changed>(N, (i) =>
      i % 2 === 0 ? on(i >> 1).runs.resumeFlowRun({ flowRunId: paused.id }) : on(i >> 1).runs.cancelFlowRun({ flowRunId: paused.id }),
    );
    const resumes = answers.filter((_, i) => i % 2 === 0);
    const cancels = answers.filter((_, i) => i % 2 === 1);
    const { final, published, now } = await aftermath(one, paused, waiter);
    account("race resume vs cancel", answers, published, now, paused, logs);
    if (published[0]?.stateType === "RUNNING") {
      // A resume won; every cancel came after it: one made the run CANCELLING, the rest found it so.
      assert.deepEqual(tally(resumes), { OK: 1, NOT_PAUSED: N / 2 - 1 });
      assert.deepEqual(tally(cancels), { OK: N / 2 });
      assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
      assert.deepEqual(
        published.map((p) => p.stateType),
        ["RUNNING", "CANCELLING"],
      );
    } else {
      assert.equal(tally(cancels)["OK"], 1, "one cancel ended the pause");
      refusedOnly(
        cancels.filter((a) => !a.ok),
        ["ALREADY_FINAL"],
      );
      refusedOnly(resumes, ["NOT_PAUSED", "ALREADY_FINAL"]);
      assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_CANCELLED);
      assert.deepEqual(
        published.map((p) => p.stateType),
        ["CANCELLED"],
      );
    }
  });

  test("resume vs suspend: the in-process pause ends once, resumed or turned into a suspend (then resumed to SCHEDULED)", async () => {
    const paused = await pausedRun(one, { key: "1" }, { withDeployment: true });
    const waiter = waitForResume(two, paused.id, { key: "1" });
    const answers = await concurrently<Changed & { alreadyFired?: boolean }>(N, (i) =>
      i % 2 === 0
        ? on(i >> 1).runs.resumeFlowRun({ flowRunId: paused.id })
        : on(i >> 1).runs.suspendFlowRun({ flowRunId: paused.id, key: "1" }),
    );
    const resumes = answers.filter((_, i) => i % 2 === 0);
    const suspends = answers.filter((_, i) => i % 2 === 1);
    const { final, published, now } = await aftermath(one, paused, waiter);
    account("race resume vs suspend", answers, published, now, paused, logs);
    assert.deepEqual(tally(resumes), { OK: 1, NOT_PAUSED: N / 2 - 1 }, "one resume succeeds either way");
    if (published[0]?.stateType === "RUNNING") {
      // The resume fired key "1": every suspend naming it is answered "already fired" and changes nothing.
      assert.deepEqual(tally(suspends), { OK: N / 2 });
      assert.ok(suspends.every((a) => a.ok && a.value.alreadyFired));
      assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
      assert.deepEqual(
        published.map((p) => p.stateType),
        ["RUNNING"],
      );
    } else {
      // One suspend turned the waiting pause into a suspend; the winning resume then resumed that.
      assert.deepEqual(tally(suspends), { OK: 1, TRANSITION_REFUSED: N / 2 - 1 });
      assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_SUSPENDED);
      assert.deepEqual(
        published.map((p) => [p.stateType, p.stateName]),
        [
          ["PAUSED", "Suspended"],
          ["SCHEDULED", now.state!.name],
        ],
      );
      assert.equal(now.state!.type, StateType.STATE_TYPE_SCHEDULED);
    }
  });

  test("resume vs expiry: resumes sent at the pause's expiry either win before it or are refused after it; the run fails at most once", async () => {
    const paused = await pausedRun(one, { key: "1", timeoutSeconds: 2 });
    const expiresAt = paused.pause!.expiresAt!.getTime();
    const waiter = waitForResume(two, paused.id, { key: "1" });
    // Aim the burst at the expiry (a wait, not a measure: either outcome below is a correct one).
    await until("the pause's expiry is near", 10_000, () => (Date.now() >= expiresAt - 30 ? true : undefined));
    const answers = await concurrently(N, (i) => on(i).runs.resumeFlowRun({ flowRunId: paused.id, runInput: { i } }));
    const { final, published, now } = await aftermath(one, paused, waiter);
    account("race resume vs expiry", answers, published, now, paused, logs);
    if (published[0]?.stateType === "RUNNING") {
      assert.deepEqual(tally(answers), { OK: 1, NOT_PAUSED: N - 1 });
      assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
      assert.deepEqual(
        published.map((p) => p.stateType),
        ["RUNNING"],
      );
    } else {
      refusedOnly(answers, ["PAUSE_TIMED_OUT", "NOT_PAUSED"]);
      assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_TIMED_OUT);
      assert.deepEqual(
        published.map((p) => p.stateType),
        ["FAILED"],
      );
    }
  });
});
