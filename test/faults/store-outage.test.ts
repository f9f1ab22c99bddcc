/**
 * The store goes away under load (issue 13, items 1 and 6). A server with its own embedded store
 * serves clients that keep creating runs (each call with a request id of its own) while a client waits
 * on a paused run. First the store hangs (SIGSTOP) and comes back (SIGCONT); then it is killed with
 * kill -9 and the server starts it again on the same data. While it is away, health says NOT_SERVING /
 * 503 and calls fail fast with STORE_UNAVAILABLE (rather than hang); afterwards everything heals without
 * a restart of Flowgate: every acknowledged run is there (0 lost), every failed call succeeds when
 * retried with its request id, and the waiter held across both outages gets its RESUMED.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Metadata, status } from "@grpc/grpc-js";
import { CreateFlowRunRequest, WaitEventType, type CreateFlowRunResponse } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { expectGrpcError, pausedRun, readUntilFinal, waitForResume } from "../support/fixtures.js";
import { connect, type TestClients } from "../support/grpc-client.js";
import { readAdminKey } from "../support/test-server.js";
import {
  answerOf,
  HEAL_DEADLINE_MS,
  NOT_SERVING,
  printFigures,
  runIdsOfFlow,
  seconds,
  SERVING,
  size,
  startOwnStoreServer,
  tally,
  until,
  type Answer,
  type OwnStoreServer,
} from "./support.js";

/** Generous: a call still unanswered after this is reported (code 4, DEADLINE_EXCEEDED), not waited for. */
const CALL_DEADLINE_MS = 60_000;

/** CreateFlowRun with a deadline, so that a call the server never answers shows in the tally instead of hanging the test. */
function create(clients: TestClients, flowName: string, requestId: string): Promise<CreateFlowRunResponse> {
  const deadline = new Date(Date.now() + CALL_DEADLINE_MS);
  return new Promise((resolve, reject) => {
    clients.rawRuns.createFlowRun(CreateFlowRunRequest.fromPartial({ flowName, requestId }), new Metadata(), { deadline }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/** A new call every PACE_MS, whether or not earlier ones have been answered (as many clients would). */
const PACE_MS = size(20, 5);

/** Creates runs of `flowName`, each call with a request id of its own, until stopped; every call and its answer. */
function startLoad(clients: TestClients, flowName: string) {
  const calls: { requestId: string; answer: Answer<{ flowRun?: { id: string } }> }[] = [];
  const inFlight: Promise<void>[] = [];
  const timer = setInterval(() => {
    const requestId = randomUUID();
    const answer = answerOf(create(clients, flowName, requestId));
    inFlight.push(answer.then((a) => void calls.push({ requestId, answer: a })));
  }, PACE_MS);
  return {
    calls,
    sent: () => inFlight.length,
    stop: async () => {
      clearInterval(timer);
      await Promise.all(inFlight);
      return calls;
    },
  };
}

/**
 * A failed create retried with its request id, as a client would: again after STORE_UNAVAILABLE, which
 * says "retry shortly" (a store just restarted on a loaded machine may miss a health ping or two more),
 * until it succeeds, fails for another reason, or the deadline passes.
 */
async function retryUntilAnswered(clients: TestClients, flowName: string, requestId: string) {
  const deadline = Date.now() + HEAL_DEADLINE_MS;
  for (let attempt = 0; ; attempt++) {
    const answer = await answerOf(create(clients, flowName, requestId));
    if (answer.ok || answer.reason !== "STORE_UNAVAILABLE" || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2_000)));
  }
}

/**
 * After the store is back: every failed call is retried with its request id, then the runs of the flow
 * are counted. lost: an acknowledged run missing; doubled: a request id that made more than one run.
 */
async function account(clients: TestClients, flowName: string, calls: ReturnType<typeof startLoad>["calls"]) {
  const failed = calls.filter((c) => !c.answer.ok);
  const retried = await Promise.all(failed.map((c) => retryUntilAnswered(clients, flowName, c.requestId)));
  assert.deepEqual(tally(retried), failed.length ? { OK: failed.length } : {}, "every failed call succeeds when retried");
  const runs = await runIdsOfFlow(clients, flowName);
  const stored = new Set(runs);
  const acknowledged = calls.flatMap((c) => (c.answer.ok ? [c.answer.value.flowRun!.id] : []));
  const lost = acknowledged.filter((id) => !stored.has(id)).length;
  const doubled = Math.max(0, runs.length - calls.length);
  return { lost, doubled, failures: tally(failed.map((c) => c.answer)) };
}

async function healthIs(server: OwnStoreServer, wanted: number, what: string): Promise<void> {
  await until(what, HEAL_DEADLINE_MS, async () => ((await server.grpcHealth()) === wanted ? true : undefined));
}

describe("the store goes away under load", () => {
  test("a hung store, then a killed one: NOT_SERVING and STORE_UNAVAILABLE while away, healed without restarting Flowgate, nothing acknowledged lost", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "flowgate-store-outage-"));
    const server = await startOwnStoreServer(dataDir);
    const clients = connect(server.address, readAdminKey(dataDir));
    let passed = false;
    try {
      assert.equal(await server.grpcHealth(), SERVING);
      assert.deepEqual(await server.httpHealth(), { status: 200, body: { status: "ok" } });

      // A paused run, and a client waiting on it across both outages.
      const run = await pausedRun(clients, { key: "approve", timeoutSeconds: 3600 });
      const waiting = waitForResume(clients, run.id, { key: "approve" });
      assert.equal((await waiting.next()).type, WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT);

      // 1. The store hangs (its socket accepts, nothing answers), then carries on.
      const hungFlow = `outage-hung-${randomUUID()}`;
      const hungLoad = startLoad(clients, hungFlow);
      await until("the load is under way", 10_000, () => (hungLoad.calls.length >= 20 ? true : undefined));
      const pid = await until("the embedded store's process is found", 10_000, () => server.storePid());
      const hungAt = Date.now();
      process.kill(pid, "SIGSTOP");
      await healthIs(server, NOT_SERVING, "gRPC health says NOT_SERVING while the store hangs");
      const notServingAfter = Date.now() - hungAt;
      assert.deepEqual(await server.httpHealth(), { status: 503, body: { status: "unavailable", reason: "STORE_UNAVAILABLE" } });
      const callAt = Date.now();
      await expectGrpcError(clients.runs.getFlowRun({ flowRunId: run.id }), status.UNAVAILABLE, undefined, "STORE_UNAVAILABLE");
      const failedFastIn = Date.now() - callAt;
      const continuedAt = Date.now();
      process.kill(pid, "SIGCONT");
      await healthIs(server, SERVING, "gRPC health says SERVING once the store answers again");
      const hungHealedIn = Date.now() - continuedAt;
      assert.equal(server.storePid(), pid, "a hung store is waited for, not replaced");
      const hung = await account(clients, hungFlow, await hungLoad.stop());
      printFigures("store hung (SIGSTOP, SIGCONT)", {
        tried: hungLoad.calls.length,
        lost: hung.lost,
        doubled: hung.doubled,
        failed: JSON.stringify(hung.failures),
        not_serving_after: seconds(notServingAfter),
        call_failed_in: `${failedFastIn}ms`,
        healed_in: seconds(hungHealedIn),
      });
      assert.deepEqual(
        Object.keys(hung.failures).filter((r) => r !== "STORE_UNAVAILABLE"),
        [],
        "calls fail STORE_UNAVAILABLE, nothing else",
      );
      assert.equal(hung.lost, 0, "every acknowledged run is stored");
      assert.equal(hung.doubled, 0, "one run per request id");

      // 2. The store is killed with kill -9 under load; the server starts it again on the same data.
      const killedFlow = `outage-killed-${randomUUID()}`;
      const killedLoad = startLoad(clients, killedFlow);
      await until("the load is under way", 10_000, () => (killedLoad.calls.length >= 20 ? true : undefined));
      const killedAt = Date.now();
      process.kill(pid, "SIGKILL");
      await until("a new store process serves the data dir", HEAL_DEADLINE_MS, () => {
        const now = server.storePid();
        return now !== undefined && now !== pid ? true : undefined;
      });
      await healthIs(server, SERVING, "gRPC health says SERVING again");
      const killedHealedIn = Date.now() - killedAt;
      assert.deepEqual(await server.httpHealth(), { status: 200, body: { status: "ok" } });
      // Health can see the new store before the launcher's line about it is read: waited for, not asserted.
      await until("the server says it restarted the store", HEAL_DEADLINE_MS, () =>
        server.lines.some((l) => l.includes("restarted (attempt")) ? true : undefined,
      );
      const killed = await account(clients, killedFlow, await killedLoad.stop());
      printFigures("store killed (kill -9)", {
        tried: killedLoad.calls.length,
        lost: killed.lost,
        doubled: killed.doubled,
        failed: JSON.stringify(killed.failures),
        healed_in: seconds(killedHealedIn),
      });
      assert.equal(killed.lost, 0, "every acknowledged run is stored");
      // A call in flight when the store died fails STORE_UNAVAILABLE (the driver's bare "write EPIPE"
      // included), or runs out its own deadline while the store restarts; never INTERNAL.
      assert.deepEqual(
        Object.keys(killed.failures).filter((r) => r !== "STORE_UNAVAILABLE" && r !== `code ${status.DEADLINE_EXCEEDED}`),
        [],
        "calls fail STORE_UNAVAILABLE (or their deadline passes), nothing else",
      );
      // A create whose run was stored before its call failed is answered that run by its retry.
      assert.equal(killed.doubled, 0, "one run per request id");

      // The paused run is still paused, and resuming it reaches the waiter held across both outages.
      const { flowRun } = await clients.runs.getFlowRun({ flowRunId: run.id });
      assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_PAUSED);
      await clients.runs.resumeFlowRun({ flowRunId: run.id, runInput: { ok: 1 } });
      const { final } = await readUntilFinal(waiting, HEAL_DEADLINE_MS);
      assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
      assert.deepEqual(final.runInput, { ok: 1 });
      passed = true;
    } finally {
      if (!passed) console.log(`the server's last log lines:\n${server.lines.slice(-40).join("\n")}`);
      clients.close();
      await server.stop();
    }
  });
});
