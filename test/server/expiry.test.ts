import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setImmediate as nextTick, setTimeout as delay } from "node:timers/promises";
import { status } from "@grpc/grpc-js";
import { WaitEventType, type WatchFlowRunResponse } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType, type FlowRun } from "@flowgate/contract/flowgate/v1/types.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import type { StreamReader } from "../support/grpc-client.js";
import {
  assertUnchanged,
  backdatePauseExpiry,
  eventually,
  expectGrpcError,
  getRun,
  pausedRun,
  publishedTransitions,
  readToEnd,
  readUntil,
  runningRun,
  waitForResume,
  watchRun,
} from "../support/fixtures.js";

const NEVER_RESUMED = "The flow was paused and never resumed.";
const TIMED_OUT = "The flow run pause has timed out and can no longer resume.";
/** The scenario's bound between a pause's expiry and its run being FAILED. */
const EXPIRY_BOUND_MS = 2_000;

const isFailed = (m: WatchFlowRunResponse): boolean => m.event!.flowRun!.state!.type === StateType.STATE_TYPE_FAILED;

/**
 * Reads a WatchFlowRun stream until the run is FAILED and the stream ends; checks that the FAILED
 * state is the expiry's, came within the bound, was seen exactly once, and is the one transition
 * after PAUSED. Returns the FAILED run as that watcher saw it.
 */
async function expectExpiredOnce(watch: StreamReader<WatchFlowRunResponse>, paused: FlowRun, label: string): Promise<FlowRun> {
  const expiresAt = paused.state!.details!.pauseExpiresAt!.getTime();
  const upToFailed = await readUntil(watch, isFailed, expiresAt - Date.now() + EXPIRY_BOUND_MS + 5_000);
  const seenAt = Date.now();
  const rest = await readToEnd(watch);
  const failedEvents = [...upToFailed, ...rest].filter(isFailed);
  assert.equal(failedEvents.length, 1, `${label}: exactly one FAILED event`);
  assert.equal(rest.length, 0, `${label}: nothing after FAILED`);

  const failed = upToFailed.at(-1)!.event!.flowRun!;
  assert.equal(failed.state!.message, NEVER_RESUMED, label);
  assert.equal(failed.version, paused.version + 1, `${label}: one transition from PAUSED to FAILED`);
  assert.equal(failed.pause, undefined, `${label}: a FAILED run has no current pause`);
  const failedAt = failed.state!.timestamp!.getTime();
  assert.ok(failedAt >= expiresAt, `${label}: FAILED ${expiresAt - failedAt} ms before the expiry`);
  assert.ok(failedAt - expiresAt <= EXPIRY_BOUND_MS, `${label}: FAILED ${failedAt - expiresAt} ms after the expiry`);
  assert.ok(seenAt - expiresAt <= EXPIRY_BOUND_MS, `${label}: FAILED seen ${seenAt - expiresAt} ms after the expiry`);
  return failed;
}

/** Exactly one FAILED transition was applied and published, by whichever server. */
async function expectOneFailedTransition(database: string, paused: FlowRun, failed: FlowRun): Promise<void> {
  const published = await eventually("the FAILED transition in the event feed", async () => {
    const all = await publishedTransitions(database, paused.id);
    return all.some((t) => t.stateType === "FAILED") ? all : undefined;
  });
  const afterPause = published.filter((t) => t.version > paused.version);
  assert.deepEqual(afterPause, [{ version: paused.version + 1, stateType: "FAILED", stateId: failed.state!.id }]);
}

describe("pause expiry", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("S12 an unresumed pause fails once within 2 s of its expiry, also across a restart and with two servers on one store", async () => {
    // One server.
    {
      const run = await runningRun(server);
      const watch = watchRun(server, run.id);
      try {
        assert.equal((await watch.next()).event!.initial, true);
        const { flowRun: paused } = await server.runs.pauseFlowRun({ flowRunId: run.id, timeoutSeconds: 1 });
        const expiresIn = paused!.state!.details!.pauseExpiresAt!.getTime() - Date.now();
        assert.ok(expiresIn > 0 && expiresIn <= 1_000, `expires in ${expiresIn} ms`);

        const failed = await expectExpiredOnce(watch, paused!, "one server");
        const now = await getRun(server, run.id);
        assert.equal(now.state!.type, StateType.STATE_TYPE_FAILED);
        assert.equal(now.state!.id, failed.state!.id);
        assert.equal(now.version, paused!.version + 1);
        await expectOneFailedTransition(server.database, paused!, failed);
      } finally {
        watch.cancel();
      }
    }

    // Across a restart: paused on one server, which stops; a new server on the same store fails it on time.
    {
      const old = await startTestServer();
      let fresh: TestServer | undefined;
      try {
        const paused = await pausedRun(old, { timeoutSeconds: 3 });
        const expiresAt = paused.state!.details!.pauseExpiresAt!.getTime();
        await old.stop();
        fresh = await startTestServer({ database: old.database });
        assert.ok(Date.now() < expiresAt, "the new server started before the expiry");
        const watch = watchRun(fresh, paused.id);
        try {
          const failed = await expectExpiredOnce(watch, paused, "after a restart");
          assert.equal((await getRun(fresh, paused.id)).version, paused.version + 1);
          await expectOneFailedTransition(old.database, paused, failed);
        } finally {
          watch.cancel();
        }
      } finally {
        await old.stop().catch(() => undefined);
        await fresh?.stop();
      }
    }

    // Two servers on one store, both tracking the pause: one FAILED transition between them.
    {
      const first = await startTestServer();
      const second = await startTestServer({ database: first.database });
      try {
        const run = await runningRun(first);
        const watchFirst = watchRun(first, run.id);
        const watchSecond = watchRun(second, run.id);
        try {
          await watchFirst.next();
          await watchSecond.next();
          const { flowRun: paused } = await first.runs.pauseFlowRun({ flowRunId: run.id, timeoutSeconds: 1 });
          // The second server learns of the pause from the shared feed (and arms its own expiry timer).
          const pausedOnSecond = await readUntil(watchSecond, (m) => m.event!.flowRun!.state!.type === StateType.STATE_TYPE_PAUSED);
          assert.equal(pausedOnSecond.at(-1)!.event!.flowRun!.version, paused!.version);
          assert.ok(
            Date.now() < paused!.state!.details!.pauseExpiresAt!.getTime(),
            "the second server knew of the pause before its expiry",
          );

          const [failedOnFirst, failedOnSecond] = await Promise.all([
            expectExpiredOnce(watchFirst, paused!, "first server"),
            expectExpiredOnce(watchSecond, paused!, "second server"),
          ]);
          assert.equal(failedOnFirst.state!.id, failedOnSecond.state!.id, "both servers saw the same FAILED state");
          // Both servers' timers fired at the expiry; a duplicate expiry would land within milliseconds.
          // Its absence cannot be awaited, so give it a moment before reading the store.
          await delay(300);
          assert.equal((await getRun(second, run.id)).version, paused!.version + 1);
          await expectOneFailedTransition(first.database, paused!, failedOnFirst);
        } finally {
          watchFirst.cancel();
          watchSecond.cancel();
        }
      } finally {
        await second.stop();
        await first.stop();
      }
    }
  });

  test("S13 resume after expiry is FAILED_PRECONDITION and the run is FAILED", async () => {
    // The sweeper already failed the run.
    {
      const paused = await pausedRun(server, { timeoutSeconds: 1 });
      const watch = watchRun(server, paused.id);
      try {
        await readUntil(watch, isFailed, 5_000);
      } finally {
        watch.cancel();
      }
      const failed = await getRun(server, paused.id);
      assert.equal(failed.state!.type, StateType.STATE_TYPE_FAILED);
      await expectGrpcError(server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: { a: 1 } }), status.FAILED_PRECONDITION, TIMED_OUT);
      const still = await assertUnchanged(server, failed);
      assert.equal(still.state!.message, NEVER_RESUMED);
    }

    // The resume is the first to meet the expired pause (no server's timer has fired for it): the
    // resume itself must fail the run and refuse.
    {
      const paused = await pausedRun(server, { inputSchema: { type: "object", properties: { a: { type: "integer" } } } });
      const wait = waitForResume(server, paused.id, { key: "1" });
      try {
        assert.equal((await wait.next()).type, WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT);
        await backdatePauseExpiry(server.database, paused.id, "1");

        await expectGrpcError(
          server.runs.resumeFlowRun({ flowRunId: paused.id, runInput: { a: 1 } }),
          status.FAILED_PRECONDITION,
          TIMED_OUT,
        );
        const failed = await getRun(server, paused.id);
        assert.equal(failed.state!.type, StateType.STATE_TYPE_FAILED);
        assert.equal(failed.state!.message, NEVER_RESUMED);
        assert.equal(failed.version, paused.version + 2, "the backdating's version, then the failure's");
        await expectGrpcError(server.runs.readFlowRunInput({ flowRunId: paused.id, key: "paused-1-response" }), status.NOT_FOUND);

        // The waiting process learns the pause timed out.
        const [final] = (await readUntil(wait, (m) => m.type !== WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT)).slice(-1);
        assert.equal(final!.type, WaitEventType.WAIT_EVENT_TYPE_TIMED_OUT);

        // Asking again gets the same answer and changes nothing.
        await expectGrpcError(server.runs.resumeFlowRun({ flowRunId: paused.id }), status.FAILED_PRECONDITION, TIMED_OUT);
        await assertUnchanged(server, failed);
      } finally {
        wait.cancel();
      }
    }

    // A resume sent at the very moment of expiry, racing the server's own timer: the same answer
    // whichever gets there first, and one FAILED transition.
    {
      const paused = await pausedRun(server, { timeoutSeconds: 1 });
      const expiresAt = paused.state!.details!.pauseExpiresAt!.getTime();
      await delay(Math.max(expiresAt - Date.now(), 0));
      while (Date.now() <= expiresAt) await nextTick();
      await expectGrpcError(server.runs.resumeFlowRun({ flowRunId: paused.id }), status.FAILED_PRECONDITION, TIMED_OUT);
      const failed = await getRun(server, paused.id);
      assert.equal(failed.state!.type, StateType.STATE_TYPE_FAILED);
      assert.equal(failed.state!.message, NEVER_RESUMED);
      assert.equal(failed.version, paused.version + 1);
      await expectOneFailedTransition(server.database, paused, failed);
    }
  });
});
