import assert from "node:assert/strict";
import { test } from "node:test";
import { nextRunCount } from "./run-count.js";
import { STATE_TYPES } from "./states.js";

test("entering RUNNING counts one more run; every other state leaves the count alone", () => {
  for (const type of STATE_TYPES) assert.equal(nextRunCount(2, type), type === "RUNNING" ? 3 : 2, type);
  assert.equal(nextRunCount(0, undefined), 0);
});

test("a RUNNING that continues an interrupted run (a pause left, a suspend resumed) does not count again", () => {
  assert.equal(nextRunCount(1, "RUNNING", true), 1);
});
