// applyTransition against a record held in memory: writers of one record take turns, decide from what
// an earlier turn saw when it is recent enough, finish a dead writer's version (announcing it) and
// decide again on it, and give up with CONTENTION only after MAX_ATTEMPTS losses to other servers.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { AbortedError, FailedPreconditionError } from "../domain/errors.js";
import { applyTransition, MAX_ATTEMPTS, type Decision, type TransitionSubject, type WriteOptions } from "./apply-transition.js";

interface Doc {
  version: number;
  state: "PAUSED" | "RUNNING";
  note?: string;
}

/** A record in memory; its store calls resolve on a later turn of the event loop, like a real store's. */
class Record implements TransitionSubject<Doc> {
  readonly label = `Record ${randomUUID()}`;
  reads = 0;
  writes = 0;
  announced: { next: Doc; previous: Doc; finished: boolean }[] = [];
  /** Set to make the next write find its version claimed by a dead writer that meant to store this. */
  deadClaim: Doc | undefined;
  /** How many writes another server wins before this one's (each moves the record on by one version). */
  lostToOthers = 0;

  constructor(public doc: Doc) {}

  async read(): Promise<Doc> {
    this.reads++;
    await tick();
    return { ...this.doc };
  }

  async write(next: Doc, options: WriteOptions<Doc>): Promise<boolean> {
    this.writes++;
    await Promise.all([tick(), options.ready]);
    if (this.deadClaim && this.deadClaim.version === next.version && this.doc.version === next.version - 1) {
      this.doc = this.deadClaim;
      this.deadClaim = undefined;
      options.finished?.({ ...this.doc });
      return false;
    }
    if (this.lostToOthers > 0) {
      this.lostToOthers--;
      this.doc = { ...this.doc, version: this.doc.version + 1, note: "another server" };
      return false;
    }
    if (this.doc.version !== next.version - 1) return false;
    // Like a claim: certain from here, stored a store call later.
    options.committed?.();
    await tick();
    this.doc = { ...next };
    return true;
  }

  /** What `committed` told, in order, with whether the record held it yet. */
  committedLog: { version: number; storedYet: boolean }[] = [];

  committed(next: Doc): void {
    this.committedLog.push({ version: next.version, storedYet: this.doc.version === next.version });
  }

  written(next: Doc, previous: Doc, finished: boolean): Promise<void> {
    this.announced.push({ next, previous, finished });
    return Promise.resolve();
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const resume = (doc: Doc): Decision<Doc, Doc> => {
  if (doc.state !== "PAUSED") return { result: { error: new FailedPreconditionError("NOT_PAUSED", "The flow run is not paused.") } };
  const next: Doc = { version: doc.version + 1, state: "RUNNING" };
  return { next, result: { value: next } };
};

const bump = (doc: Doc): Decision<Doc, Doc> => {
  const next: Doc = { ...doc, version: doc.version + 1 };
  return { next, result: { value: next } };
};

describe("applyTransition", () => {
  test("a change certain before its write returns is told then, once, ahead of its announcement; a lost write is never told", async () => {
    const record = new Record({ version: 1, state: "PAUSED" });
    record.lostToOthers = 1;
    await applyTransition(record, bump);
    assert.deepEqual(record.committedLog, [{ version: 3, storedYet: false }], "told of version 3 before it was stored, not of the lost 2");
    assert.deepEqual(
      record.announced.map((a) => a.next.version),
      [3],
    );
  });

  test("a cached copy is looked up once the writer's turn has come, so it holds what the writers before stored", async () => {
    const record = new Record({ version: 1, state: "PAUSED" });
    let newest: Doc = { ...record.doc };
    const latest = (): Doc => newest;
    record.written = (next) => {
      newest = next;
      return Promise.resolve();
    };
    const [first, second] = await Promise.all([
      applyTransition(record, bump, { cached: latest }),
      applyTransition(record, bump, { cached: latest }),
    ]);
    assert.deepEqual([first.version, second.version], [2, 3]);
    assert.equal(record.reads, 0, "the second writer decided from the first one's version, with no read");
    assert.equal(record.writes, 2, "and lost no race");
  });

  test("of 1,000 resumes at once exactly one wins; the others are refused from the winner's write, with one read in all", async () => {
    const record = new Record({ version: 1, state: "PAUSED" });
    const answers = await Promise.allSettled(Array.from({ length: 1000 }, () => applyTransition(record, resume)));
    assert.equal(answers.filter((a) => a.status === "fulfilled").length, 1);
    for (const a of answers) {
      if (a.status === "rejected") assert.equal((a.reason as FailedPreconditionError).reason, "NOT_PAUSED");
    }
    assert.deepEqual(record.doc, { version: 2, state: "RUNNING" });
    assert.equal(record.reads, 1, "the winner's read; every loser decided from the winner's write");
    assert.equal(record.writes, 1);
    assert.equal(record.announced.length, 1);
  });

  test("300 writers that each change the record all succeed, one version each, announced in order", async () => {
    const record = new Record({ version: 1, state: "RUNNING" });
    const answers = await Promise.all(Array.from({ length: 300 }, () => applyTransition(record, bump)));
    assert.deepEqual(
      answers.map((a) => a.version).sort((a, b) => a - b),
      Array.from({ length: 300 }, (_, i) => i + 2),
    );
    assert.equal(record.doc.version, 301);
    assert.equal(record.writes, 300, "no write lost a race");
    assert.deepEqual(
      record.announced.map((a) => a.next.version),
      Array.from({ length: 300 }, (_, i) => i + 2),
    );
  });

  test("a current cached copy saves the read; a stale one costs a lost race, and a refusal from it is checked against the store", async () => {
    const record = new Record({ version: 1, state: "PAUSED" });
    const cachedCopy: Doc = { version: 1, state: "PAUSED" };
    assert.deepEqual(await applyTransition(record, resume, { cached: () => cachedCopy }), { version: 2, state: "RUNNING" });
    assert.equal(record.reads, 0, "decided from the cached copy");

    // Another server paused it again; this server's copy still says RUNNING.
    record.doc = { version: 3, state: "PAUSED" };
    const stale: Doc = { version: 2, state: "RUNNING" };
    assert.deepEqual(
      await applyTransition(record, resume, { cached: () => stale }),
      { version: 4, state: "RUNNING" },
      "not refused NOT_PAUSED",
    );
    assert.equal(record.reads, 1);

    // The same when the decision throws its refusal (as the domain's rules do).
    record.doc = { version: 5, state: "PAUSED" };
    const throwing = (doc: Doc): Decision<Doc, Doc> => {
      if (doc.state !== "PAUSED") throw new FailedPreconditionError("NOT_PAUSED", "The flow run is not paused.");
      return resume(doc);
    };
    assert.deepEqual(await applyTransition(record, throwing, { cached: (): Doc => ({ version: 4, state: "RUNNING" }) }), {
      version: 6,
      state: "RUNNING",
    });

    // A stale copy that would change the record loses at the version guard, then decides from the store.
    record.doc = { version: 8, state: "PAUSED" };
    assert.deepEqual(await applyTransition(record, resume, { cached: (): Doc => ({ version: 6, state: "PAUSED" }) }), {
      version: 9,
      state: "RUNNING",
    });
    assert.equal(record.doc.version, 9);
  });

  test("a writer that arrives after a write began reads the record itself", async () => {
    const record = new Record({ version: 1, state: "PAUSED" });
    await applyTransition(record, resume);
    await assert.rejects(applyTransition(record, resume), (err: unknown) => (err as FailedPreconditionError).reason === "NOT_PAUSED");
    assert.equal(record.reads, 2);
  });

  test("a dead writer's claimed version is finished and announced as its change, then the caller decides again on it", async () => {
    const record = new Record({ version: 1, state: "PAUSED" });
    record.deadClaim = { version: 2, state: "PAUSED", note: "suspended by a writer that died" };
    const resumed = await applyTransition(record, resume);
    assert.deepEqual(resumed, { version: 3, state: "RUNNING" }, "decided again on the finished version");
    assert.deepEqual(
      record.announced.map((a) => [a.previous.version, a.next.version, a.finished]),
      [
        [1, 2, true],
        [2, 3, false],
      ],
    );
    assert.equal(record.reads, 1, "the finished version is decided on without reading it again");
  });

  test("a finished dead resume refuses the caller's resume: decided on the finished version", async () => {
    const record = new Record({ version: 1, state: "PAUSED" });
    record.deadClaim = { version: 2, state: "RUNNING", note: "resumed by a writer that died" };
    await assert.rejects(applyTransition(record, resume), (err: unknown) => (err as FailedPreconditionError).reason === "NOT_PAUSED");
    assert.deepEqual(
      record.announced.map((a) => [a.next.note, a.finished]),
      [["resumed by a writer that died", true]],
    );
  });

  test("races lost to other servers are retried from a fresh read; after MAX_ATTEMPTS it is ABORTED with reason CONTENTION", async () => {
    const record = new Record({ version: 1, state: "RUNNING" });
    record.lostToOthers = 3;
    assert.equal((await applyTransition(record, bump)).version, 5);
    assert.equal(record.reads, 4);

    record.lostToOthers = MAX_ATTEMPTS;
    await assert.rejects(
      applyTransition(record, bump),
      (err: unknown) => err instanceof AbortedError && err.reason === "CONTENTION" && /kept changing/.test(err.message),
    );
  });

  test("a writer whose call is aborted while it waits for its turn leaves the line; the others go on", async () => {
    const record = new Record({ version: 1, state: "RUNNING" });
    const leaving = new AbortController();
    const first = applyTransition(record, bump);
    const left = applyTransition(record, bump, { signal: leaving.signal });
    const third = applyTransition(record, bump);
    leaving.abort(new Error("the caller went away"));
    await assert.rejects(left, /the caller went away/);
    assert.deepEqual([(await first).version, (await third).version], [2, 3]);
    assert.equal(record.writes, 2);
  });
});
