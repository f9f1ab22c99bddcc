/**
 * Property-based fuzzing of every RPC and every HTTP route (issue 12 item 5), against one server in
 * its own process. Requests come from the contract's descriptors and the server's route table (see
 * contract-requests.ts, http-requests.ts). For each one:
 * - the answer has an expected status: never INTERNAL, UNKNOWN, UNAVAILABLE or a deadline over gRPC,
 *   never a 5xx over HTTP, and every Flowgate error names a reason of the contract;
 * - a refused request leaves every run it names as it was (version before and after);
 * and at the end the server is alive, answers, and its memory grew by less than a bound.
 *
 * `npm test` runs about 2,000 cases; `npm run test:fuzz -- --runs 100000` as many as asked
 * (FLOWGATE_FUZZ_RUNS; FLOWGATE_FUZZ_SEED replays a run). It prints the requests tried by status
 * and the server's RSS before and after. fast-check shrinks a failure to the smallest request found.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { status } from "@grpc/grpc-js";
import { anyRequest, rawRequest, type GeneratedRequest } from "./contract-requests.js";
import { assertExpectedGrpc, FuzzTarget, GRPC_NAMES, MAX_RSS_GROWTH_MB, rssMb, runsFor, SEED, Tally, TOTAL_RUNS } from "./fuzz-target.js";
import { closeAgent, httpCase, refusedByParser, send, type HttpAnswer, type HttpCase } from "./http-requests.js";

/** HTTP answers a request can deserve: anything but a 5xx (and the 3xx/1xx this server never sends). */
const EXPECTED_HTTP = new Set([200, 400, 401, 403, 404, 405, 409, 413, 415, 431]);
/** How long fast-check may shrink a failure (see `bounded`). */
const SHRINK_BUDGET_MS = 60_000;
/** Fresh runs every this many cases, so the fuzz keeps reaching runs it has not yet finished. */
const REFRESH_EVERY = 150;

const GARBAGE_KEYS = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom("", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer fgk_", "Bearer fgk_00000000000000000000000000000000_x"),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 120 }).map((t) => `Bearer ${t}`),
);

describe(`fuzz: ${TOTAL_RUNS} requests to every RPC and route (seed ${SEED})`, () => {
  let target: FuzzTarget;
  let rssBefore = 0;
  const tally = new Tally();
  let cases = 0;

  before(async () => {
    target = await FuzzTarget.start();
    rssBefore = rssMb(target.pid);
  });
  after(async () => {
    closeAgent();
    await target?.stop();
  });

  const params = (numRuns: number): { numRuns: number; seed: number } => ({ numRuns, seed: SEED });

  /**
   * A property's body, with shrinking bounded: each failing candidate of a hang costs the answer
   * deadline, so after SHRINK_BUDGET_MS of shrinking every further candidate passes, and fast-check
   * reports the smallest failure found by then.
   */
  const bounded = <A extends unknown[]>(body: (...args: A) => Promise<unknown>): ((...args: A) => Promise<void>) => {
    let shrinkingSince: number | undefined;
    return async (...args) => {
      if (shrinkingSince !== undefined && performance.now() - shrinkingSince > SHRINK_BUDGET_MS) return;
      try {
        await body(...args);
      } catch (err) {
        shrinkingSince ??= performance.now();
        throw err;
      }
    };
  };

  async function maybeRefresh(): Promise<void> {
    if (++cases % REFRESH_EVERY === 0) await target.refreshWorld();
  }

  async function grpcCase(req: GeneratedRequest, authorization: string | undefined, label: string): Promise<status> {
    await maybeRefresh();
    const named = target.runsNamedIn(req.bytes.toString("latin1"));
    const before = await target.snapshot(named);
    const answer = await target.call(req.method, req.bytes, authorization);
    const what = `${req.method.name} ${req.shape}`;
    tally.add(`gRPC ${GRPC_NAMES[answer.code]}${label}`);
    assertExpectedGrpc(req.method, answer, what);
    if (answer.code !== status.OK) await target.assertUnchanged(before, what);
    return answer.code;
  }

  async function httpFuzzCase(c: HttpCase, label: string): Promise<void> {
    await maybeRefresh();
    const named = target.runsNamedIn(`${c.path} ${c.body ?? ""}`);
    const before = await target.snapshot(named);
    const what = `${c.method} ${c.path.slice(0, 200)} ${JSON.stringify(c.headers)} ${c.body?.slice(0, 200) ?? ""}`;
    let answer: HttpAnswer;
    try {
      answer = await send(target.server.httpAddress, c);
    } catch (err) {
      // Only a request Node's HTTP parser refuses may be cut off without an answer.
      assert.ok(refusedByParser(c), `no answer (${String(err)}) to ${what}`);
      tally.add(`HTTP connection closed by Node's parser${label}`);
      return;
    }
    tally.add(`HTTP ${answer.status}${answer.streamed ? " (event stream)" : ""}${label}`);
    assert.ok(EXPECTED_HTTP.has(answer.status), `HTTP ${answer.status} ${answer.body.slice(0, 300)} for ${what}`);
    if (answer.status >= 400 && answer.contentType.startsWith("application/json") && c.method !== "HEAD") {
      const reason = (JSON.parse(answer.body) as { reason?: string }).reason;
      assert.ok(reason && reason !== "INTERNAL", `HTTP ${answer.status} without a reason: ${answer.body.slice(0, 300)} for ${what}`);
    }
    // Traversal: no file outside the web UI's build ever comes back.
    assert.ok(!/root:.*:0:0:|"name": "flowgate-monorepo"/.test(answer.body), `a file outside the web UI was served for ${what}`);
    if (answer.status >= 400) await target.assertUnchanged(before, what);
  }

  test("every RPC, with requests generated from the contract's descriptors and the admin key", async () => {
    await fc.assert(
      fc.asyncProperty(
        anyRequest(target.world),
        bounded((req) => grpcCase(req, target.server.authHeader, "")),
      ),
      params(runsFor(0.45)),
    );
  });

  test("every RPC, with random bytes for a request", async () => {
    await fc.assert(
      fc.asyncProperty(
        rawRequest(),
        bounded((req) => grpcCase(req, target.server.authHeader, " (raw bytes)")),
      ),
      params(runsFor(0.1)),
    );
  });

  test("every RPC, with no key or a garbage key: UNAUTHENTICATED (the health service is public)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(anyRequest(target.world), rawRequest()),
        GARBAGE_KEYS,
        bounded(async (req, key) => {
          const code = await grpcCase(req, key, " (no or bad key)");
          if (req.method.name.startsWith("flowgate.v1.")) assert.equal(code, status.UNAUTHENTICATED, `${req.method.name} with key ${key}`);
        }),
      ),
      params(runsFor(0.05)),
    );
  });

  test("every HTTP route and the web UI's paths, with the admin key", async () => {
    const valid = fc.constant(target.server.authHeader);
    await fc.assert(
      fc.asyncProperty(
        httpCase(target.world, target.server.httpAddress, valid),
        bounded((c) => httpFuzzCase(c, "")),
      ),
      params(runsFor(0.33)),
    );
  });

  test("every HTTP route, with no key or a garbage key", async () => {
    await fc.assert(
      fc.asyncProperty(
        httpCase(target.world, target.server.httpAddress, GARBAGE_KEYS),
        bounded((c) => httpFuzzCase(c, " (no or bad key)")),
      ),
      params(runsFor(0.07)),
    );
  });

  test("the server is alive at the end, still answers, and its memory stayed bounded", async () => {
    assert.ok(target.alive, "the server process exited");
    await target.refreshWorld();
    const { flowRun } = await target.server.runs.getFlowRun({ flowRunId: target.world.runIds.at(-1)! });
    assert.ok(flowRun);
    const rssAfter = rssMb(target.pid);
    console.log(
      [
        `fuzz: ${tally.total} requests (seed ${SEED}), by answer:`,
        ...tally.lines(),
        `server RSS: ${rssBefore.toFixed(0)} MiB before, ${rssAfter.toFixed(0)} MiB after (bound: +${MAX_RSS_GROWTH_MB} MiB)`,
      ].join("\n"),
    );
    assert.ok(rssAfter - rssBefore < MAX_RSS_GROWTH_MB, `RSS grew ${(rssAfter - rssBefore).toFixed(0)} MiB`);
  });
});
