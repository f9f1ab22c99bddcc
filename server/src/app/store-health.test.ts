import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import { MISSES_BEFORE_DOWN, StoreHealth } from "./store-health.js";

/** A store whose answers the test scripts, one per ping: true answers, false fails. */
function scriptedStore(answers: boolean[]): { ping: () => Promise<void>; pinged: Promise<void> } {
  let done!: () => void;
  const pinged = new Promise<void>((resolve) => (done = resolve));
  let n = 0;
  return {
    pinged,
    ping: () => {
      const ok = answers[n++] ?? true;
      if (n === answers.length) done();
      return ok ? Promise.resolve() : Promise.reject(new Error("connection refused"));
    },
  };
}

async function watch(answers: boolean[]): Promise<boolean[]> {
  const store = scriptedStore(answers);
  const health = new StoreHealth({ ping: store.ping, logger: pino({ level: "silent" }), intervalMs: 5 });
  const changes: boolean[] = [];
  health.onChange((up) => changes.push(up));
  // The watch's timer does not keep a process alive (unref), so this test does.
  const alive = setInterval(() => undefined, 1_000);
  try {
    health.start();
    await store.pinged;
    // The last ping's answer is handled on the next turns of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    health.stop();
    clearInterval(alive);
  }
  return changes;
}

describe("store health", () => {
  test("one missed ping between answers is not an outage", async () => {
    assert.deepEqual(await watch([true, false, true, false, true]), []);
  });

  test(`${MISSES_BEFORE_DOWN} misses in a row are: down, then up at the next answer`, async () => {
    assert.deepEqual(await watch([true, ...Array<boolean>(MISSES_BEFORE_DOWN).fill(false), false, true]), [false, true]);
  });
});
