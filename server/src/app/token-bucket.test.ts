import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TokenBucket } from "./token-bucket.js";

describe("token bucket", () => {
  test("a burst is allowed at once, then takes follow the rate", () => {
    const bucket = new TokenBucket(100, 3, 0);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => bucket.take(0)),
      [true, true, true, false],
    );
    assert.equal(bucket.waitMs(0), 10);
    assert.equal(bucket.take(5), false);
    assert.equal(bucket.take(10), true);
    assert.equal(bucket.take(10), false);
  });

  test("a long quiet spell refills no more than the burst", () => {
    const bucket = new TokenBucket(1000, 2, 0);
    bucket.take(0);
    bucket.take(0);
    const taken = Array.from({ length: 5 }, () => bucket.take(60_000)).filter(Boolean).length;
    assert.equal(taken, 2);
  });

  test("a clock that goes back refills nothing", () => {
    const bucket = new TokenBucket(1000, 1, 1_000);
    assert.equal(bucket.take(1_000), true);
    assert.equal(bucket.take(0), false);
    assert.equal(bucket.take(1_000), false);
    assert.equal(bucket.take(1_001), true);
  });
});
