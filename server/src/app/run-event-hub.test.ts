// Waking the hub: a wake-up reads the feed at once, and any number of them during a read cost one more
// read after it, so forged hints cannot make it read more than one at a time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import type { FlowRun } from "../domain/flow-run.js";
import type { EventFeedStore, RunEvent } from "./ports.js";
import { RunEventHub } from "./run-event-hub.js";

const HOUR_MS = 3_600_000;

/** A feed in memory whose reads can be held open, counting them. */
class HeldFeed implements EventFeedStore {
  readonly events: RunEvent[] = [];
  reads = 0;
  private release: (() => void) | undefined;
  private held: Promise<void> | undefined;

  hold(): void {
    this.held = new Promise((resolve) => (this.release = resolve));
  }

  letGo(): void {
    this.release?.();
    this.held = undefined;
  }

  readHead(): Promise<number> {
    return Promise.resolve(this.events.length);
  }

  append(): Promise<number> {
    return Promise.reject(new Error("not used"));
  }

  async get(n: number): Promise<RunEvent | undefined> {
    this.reads++;
    await this.held;
    return this.events[n - 1];
  }

  deleteOlderThan(): Promise<number> {
    return Promise.resolve(0);
  }
}

function eventFor(id: string, version: number): RunEvent {
  return { id: `${id}:${version}`, run: { id, version } as FlowRun };
}

function hubOver(feed: EventFeedStore): RunEventHub {
  return new RunEventHub(feed, {
    pollIntervalMs: HOUR_MS,
    reconcileIntervalMs: HOUR_MS,
    readRuns: () => Promise.resolve([]),
    logger: pino({ level: "silent" }),
  });
}

test("a wake-up delivers what another server appended, without waiting for the poll", async () => {
  const feed = new HeldFeed();
  const hub = hubOver(feed);
  await hub.start();
  try {
    const seen = new Promise<RunEvent>((resolve) => hub.subscribe("r1", resolve));
    feed.events.push(eventFor("r1", 2));
    hub.wake();
    assert.equal((await seen).run.version, 2);
  } finally {
    await hub.stop();
  }
});

test("a flood of wake-ups during a read causes one more read after it, which finds what was written meanwhile", async () => {
  const feed = new HeldFeed();
  const hub = hubOver(feed);
  await hub.start();
  try {
    const versions: number[] = [];
    hub.subscribe("r1", (e) => versions.push(e.run.version));
    feed.hold();
    hub.wake();
    feed.events.push(eventFor("r1", 2));
    for (let i = 0; i < 10_000; i++) hub.wake();
    assert.equal(feed.reads, 1);
    feed.letGo();
    // The held read delivers event 1 and stops at 2 (not written); the one read after the flood does too.
    const delivered = new Promise<void>((resolve) => hub.subscribeAll(() => resolve()));
    await delivered;
    feed.events.push(eventFor("r1", 3));
    hub.wake();
    await new Promise<void>((resolve) => hub.subscribeAll(() => resolve()));
    assert.deepEqual(versions, [2, 3]);
    assert.ok(feed.reads <= 6, `reads: ${feed.reads}`);
  } finally {
    await hub.stop();
  }
});
