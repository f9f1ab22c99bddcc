/**
 * kill -9 of a server holding paused runs with waiting SDK flows (issue 13, items 5 and 6). N flows
 * in this process pause (`pauseFlowRun`) and hold WaitForResume; the server is killed with kill -9 and
 * started again on the same store and address; every waiter reconnects by itself (the SDK's
 * full-jitter backoff), then every run is resumed with an input of its own. Nothing is lost (every flow
 * continues with its own input and completes), nothing is doubled (one resume per run, one RESUMED per
 * waiter), and every waiter reconnects by itself. Reconnects per waiter are printed with the time to
 * heal. N is 100 under `npm test` and 1,000 with `npm run test:faults -- --long`.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, test } from "node:test";
import { z } from "zod";
import { configure, currentFlowRun, flow, pauseFlowRun, type FlowgateClient } from "../../client-sdk/src/index.js";
import { startServerProcess, type ServerProcess } from "../support/test-server.js";
import {
  concurrently,
  HEAL_DEADLINE_MS,
  percentile,
  printFigures,
  publishedByRun,
  seconds,
  size,
  tally,
  until,
  type Published,
} from "./support.js";

const N = size(100, 1000);
const Approval = z.object({ i: z.number().int() });

/** The state types a run went through after its (last) pause, as published. */
function afterPause(ts: Published[]): (string | undefined)[] {
  return ts.slice(ts.findLastIndex((t) => t.stateType === "PAUSED") + 1).map((t) => t.stateType);
}

interface Waiter {
  runId?: string;
  heartbeats: number;
  reconnects: number;
  /** When the first heartbeat after a reconnect arrived: the waiter holds a stream on the new server. */
  backAt?: number;
  resumedWith: number[];
}

describe("kill -9 of a server holding paused runs and waiting SDK flows", () => {
  const servers: ServerProcess[] = [];
  let client: FlowgateClient | undefined;
  after(async () => {
    client?.close();
    await Promise.all(servers.map((s) => s.stop()));
  });

  test(`${N} waiters reconnect by themselves; every run is resumed once and its flow continues once`, async () => {
    const first = await startServerProcess();
    servers.push(first);
    client = configure({ address: first.address, apiKey: first.apiKey });
    const waiters: Waiter[] = Array.from({ length: N }, () => ({ heartbeats: 0, reconnects: 0, resumedWith: [] }));
    const f = flow(
      async (i: number) => {
        const w = waiters[i]!;
        w.runId = currentFlowRun()!.id;
        const input = await pauseFlowRun({
          key: "approve",
          timeout: 3600,
          waitForInput: Approval,
          onHeartbeat: () => {
            w.heartbeats++;
            if (w.reconnects > 0) w.backAt ??= Date.now();
          },
          onReconnect: () => void w.reconnects++,
        });
        w.resumedWith.push(input.i);
        return input.i;
      },
      { name: `kill-server-${randomUUID()}` },
    );
    const startedAt = Date.now();
    const flows = waiters.map((_, i) => f(i));
    const failures: unknown[] = [];
    for (const p of flows) p.catch((err: unknown) => failures.push(err));
    const finished = Promise.allSettled(flows);
    await until(`all ${N} flows wait on their pause`, HEAL_DEADLINE_MS, () => {
      assert.deepEqual(failures.map(String), [], "no flow failed before the kill");
      return waiters.every((w) => w.heartbeats > 0) ? true : undefined;
    });
    const runIds = waiters.map((w) => w.runId!);
    const pausedIn = Date.now() - startedAt;

    const killedAt = Date.now();
    await first.kill9();
    const second = await startServerProcess({ database: first.database, env: { FLOWGATE_GRPC_ADDRESS: first.address } });
    servers.push(second);
    const restartedIn = Date.now() - killedAt;
    await until(`all ${N} waiters hold a stream on the restarted server`, HEAL_DEADLINE_MS, () =>
      waiters.every((w) => w.backAt !== undefined) ? true : undefined,
    );
    const healedIn = Math.max(...waiters.map((w) => w.backAt!)) - killedAt;

    const resumes = await concurrently(N, (i) => second.runs.resumeFlowRun({ flowRunId: runIds[i]!, runInput: { i } }));
    const outcomes = await finished;
    const published = await publishedByRun(first.database, runIds);
    const lost = outcomes.filter((o, i) => o.status !== "fulfilled" || o.value !== i).length;
    const doubled =
      waiters.filter((w) => w.resumedWith.length > 1).length +
      [...published.values()].filter((ts) => afterPause(ts).filter((t) => t === "RUNNING").length > 1).length;
    const reconnects = waiters.map((w) => w.reconnects);
    printFigures("kill-9 server", {
      tried: N,
      paused_in: seconds(pausedIn),
      lost,
      doubled,
      restarted_in: seconds(restartedIn),
      healed_in: seconds(healedIn),
      "reconnects/client p50": percentile(reconnects, 50),
      max: Math.max(...reconnects),
    });

    assert.deepEqual(tally(resumes), { OK: N }, "every paused run survived the kill and was resumed");
    assert.deepEqual(
      outcomes.flatMap((o) => (o.status === "rejected" ? [String(o.reason)] : [])),
      [],
      "no flow failed",
    );
    assert.equal(lost, 0, "every flow continued with its own input");
    assert.equal(doubled, 0, "no run was resumed twice, no flow continued twice");
    for (const [id, ts] of published) assert.deepEqual(afterPause(ts), ["RUNNING", "COMPLETED"], `run ${id}: resumed once, then completed`);
    assert.ok(Math.min(...reconnects) >= 1, "every waiter lost its stream and reconnected");
  });
});
