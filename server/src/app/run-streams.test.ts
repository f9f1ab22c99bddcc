// A waiter whose pause leaves the run document in a version it did not see the pause end in: the next
// pause began, and the ended one went to the archive. It must still get its outcome, from the archive.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import type { FlowRun, PauseRecord } from "../domain/flow-run.js";
import { decidePause, decideResume, type Clock } from "../domain/rules.js";
import { RunInputSchemas } from "../domain/run-input-schema.js";
import { makeState } from "../domain/states.js";
import type { AppContext } from "./context.js";
import type { EventFeedStore } from "./ports.js";
import { RunEventHub } from "./run-event-hub.js";
import { RunStreams, type WaitEvent } from "./run-streams.js";

const HOUR_MS = 3_600_000;
const RUN_ID = "0b6f3c1e-8a43-4f8e-9a57-2d2f4b8c9e10";
const T0 = new Date("2026-01-01T00:00:00Z");
let ids = 0;
const clock: Clock = { now: T0, newId: () => `id-${++ids}` };
const ALICE = { principal: "alice", groups: [], channel: "grpc" } as const;

const emptyFeed: EventFeedStore = {
  readHead: () => Promise.resolve(0),
  append: () => Promise.reject(new Error("not used")),
  get: () => Promise.resolve(undefined),
  deleteOlderThan: () => Promise.resolve(0),
};

function runningRun(): FlowRun {
  return {
    id: RUN_ID,
    name: "brave-otter",
    flowName: "f",
    parameters: {},
    labels: {},
    state: makeState({ type: "RUNNING" }, "s-0", T0),
    version: 1,
    runCount: 1,
    resuming: false,
    pauses: {},
    createdAt: T0,
    updatedAt: T0,
  };
}

function pause(run: FlowRun, key: string): FlowRun {
  const d = decidePause(run, { key, noTimeout: true, reschedule: false }, clock);
  if (d.kind !== "pause") assert.fail(d.kind);
  return d.transition.run;
}

function resume(run: FlowRun, input: Record<string, number>): FlowRun {
  const d = decideResume(run, input, undefined, new RunInputSchemas(), clock, ALICE);
  if (d.kind !== "resume") assert.fail(d.kind);
  return d.transition.run;
}

test("a waiter that sees its pause gone from a newer version gets the pause's outcome from the archive", async () => {
  const firstWaits = pause(runningRun(), "first");
  const firstResumed = resume(firstWaits, { n: 1 });
  const secondWaits = pause(firstResumed, "second");
  assert.deepEqual(Object.keys(secondWaits.pauses), ["second"], "the ended pause left the document");
  const archive = new Map<string, PauseRecord>([["first", firstResumed.pauses["first"]!]]);

  const hub = new RunEventHub(emptyFeed, {
    pollIntervalMs: HOUR_MS,
    reconcileIntervalMs: HOUR_MS,
    readRuns: () => Promise.resolve([]),
    logger: pino({ level: "silent" }),
  });
  await hub.start();
  const ctx = {
    hub,
    logger: pino({ level: "silent" }),
    store: {
      runs: { get: () => Promise.resolve(firstWaits), findByIds: () => Promise.resolve([firstWaits]) },
      endedPauses: { get: (_id: string, key: string) => Promise.resolve(archive.get(key)) },
    },
  } as unknown as AppContext;
  const stop = new AbortController();
  try {
    const events: WaitEvent[] = [];
    let attached!: () => void;
    const heartbeat = new Promise<void>((resolve) => (attached = resolve));
    const waiting = new RunStreams(ctx).waitForResume(RUN_ID, "first", 300, stop.signal, (e) => {
      events.push(e);
      if (e.type === "HEARTBEAT") attached();
    });
    await heartbeat;
    // The resume of "first" never reaches this waiter; the next version it hears of is the next pause.
    hub.tellFollowers(secondWaits, firstResumed.state);
    await Promise.race([
      waiting,
      new Promise((_, reject) => setTimeout(() => reject(new Error("the waiter was never told")), 30_000).unref()),
    ]);
    const final = events.at(-1)!;
    assert.equal(final.type, "RESUMED");
    assert.deepEqual(final.runInput, { n: 1 });
  } finally {
    stop.abort();
    await hub.stop();
  }
});
