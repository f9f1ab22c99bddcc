// Turns at a record: first come first served, a copy is shared only with writers that arrived before it
// was observed, an aborted waiter leaves the line, and an idle record is forgotten.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Turns } from "./turns.js";

test("writers take turns in arrival order", async () => {
  const turns = new Turns();
  const order: number[] = [];
  const first = await turns.take<number>("r");
  const waiting = [1, 2, 3].map((n) =>
    turns.take<number>("r").then((t) => {
      order.push(n);
      t.release();
    }),
  );
  order.push(0);
  first.release();
  await Promise.all(waiting);
  assert.deepEqual(order, [0, 1, 2, 3]);
  assert.equal(turns.size, 0, "an idle record is forgotten");
});

test("a copy is seen by writers that arrived before its read began, not by later ones", async () => {
  const turns = new Turns();
  const first = await turns.take<string>("r");
  const early = turns.take<string>("r");
  await first.observe(() => Promise.resolve("v2"));
  assert.equal(first.seen(), "v2", "the observer's own copy");
  const late = turns.take<string>("r");
  first.release();
  const e = await early;
  assert.equal(e.seen(), "v2");
  e.release();
  const l = await late;
  assert.equal(l.seen(), undefined, "arrived after the read began");
  l.release();
});

test("a failed observation leaves nothing to share", async () => {
  const turns = new Turns();
  const first = await turns.take<string>("r");
  const next = turns.take<string>("r");
  await first.observe(() => Promise.resolve("v1"));
  await assert.rejects(first.observe(() => Promise.reject(new Error("store down"))));
  first.release();
  const n = await next;
  assert.equal(n.seen(), undefined);
  n.release();
});

test("an aborted waiter leaves the line with the signal's reason; releasing twice hands on once", async () => {
  const turns = new Turns();
  const first = await turns.take("r");
  const leaving = new AbortController();
  const left = turns.take("r", leaving.signal);
  const stays = turns.take("r");
  leaving.abort(new Error("gone"));
  await assert.rejects(left, /gone/);
  first.release();
  first.release();
  const s = await stays;
  let fourthGot = false;
  const fourth = turns.take("r").then((t) => {
    fourthGot = true;
    return t;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(fourthGot, false, "the second release did not hand the turn on again");
  s.release();
  (await fourth).release();
  assert.equal(turns.size, 0);
  await assert.rejects(turns.take("r", AbortSignal.abort(new Error("already gone"))), /already gone/);
});

test("records are independent", async () => {
  const turns = new Turns();
  const a = await turns.take("a");
  const b = await turns.take("b");
  assert.equal(turns.size, 2);
  a.release();
  b.release();
});
