/**
 * Wake-up hints between servers on one store: after appending to the shared event feed, a server
 * tells the others (a UDP datagram) to read it now. The feed stays the source of truth and its poll
 * the net for lost hints; these scenarios set the poll to an hour where only a hint can deliver in time.
 */
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { randomBytes, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { after, before, describe, test } from "node:test";
import { WaitEventType, WaitForResumeRequest, WatchFlowRunRequest } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { StreamReader } from "../support/grpc-client.js";
import { eventually, runningRun, withDatabase } from "../support/fixtures.js";
import { startServerProcess, stopServers, type ServerProcess, type TestServer } from "../support/test-server.js";

const HOUR_MS = "3600000";
/** The feed's poll and the followed runs' re-read both an hour apart: only a hint wakes a waiter within a test's deadline. */
const POLL_AN_HOUR = { FLOWGATE_EVENT_POLL_MS: HOUR_MS, FLOWGATE_RECONCILE_MS: HOUR_MS };

interface Registration {
  _id: string;
  address: string;
  hostName: string;
  expiresAt: Date;
}

function registrations(database: string): Promise<Registration[]> {
  return withDatabase(database, (db) => db.collection<Registration>("servers").find({}).toArray());
}

function send(socket: Socket, address: string, message: Buffer): Promise<void> {
  const colon = address.lastIndexOf(":");
  return new Promise((resolve, reject) =>
    socket.send(message, Number(address.slice(colon + 1)), address.slice(0, colon), (err) => (err ? reject(err) : resolve())),
  );
}

/** A paused run with a WaitForResume held on `holder`, resumed through `resumer`: the waiter's final event. */
async function resumeAcross(resumer: TestServer, holder: TestServer): Promise<{ type: WaitEventType; runInput: unknown }> {
  const run = await runningRun(resumer);
  await resumer.runs.pauseFlowRun({ flowRunId: run.id, key: "1" });
  const wait = new StreamReader(holder.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: run.id, key: "1" })));
  assert.equal((await wait.next()).type, WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT);
  await resumer.runs.resumeFlowRun({ flowRunId: run.id, runInput: { by: "the other server" } });
  const final = await wait.next(10_000);
  wait.stream.cancel();
  return { type: final.type, runInput: final.runInput };
}

/** Error or fatal lines in a server process's log (JSON lines, or pretty ones). */
function errorLines(server: ServerProcess): string[] {
  return server.logs.filter((l) => /"level":(50|60)|\bERROR\b|\bFATAL\b/.test(l));
}

describe("two servers on one store whose feed is polled once an hour", () => {
  let a: ServerProcess;
  let b: ServerProcess;
  before(async () => {
    a = await startServerProcess({ env: POLL_AN_HOUR });
    b = await startServerProcess({ database: a.database, env: POLL_AN_HOUR });
  });
  after(() => stopServers(a, b));

  test("a resume taken by one server wakes a waiter held by the other, told by a hint", async () => {
    assert.deepEqual(await resumeAcross(a, b), { type: WaitEventType.WAIT_EVENT_TYPE_RESUMED, runInput: { by: "the other server" } });
    assert.deepEqual(await resumeAcross(b, a), { type: WaitEventType.WAIT_EVENT_TYPE_RESUMED, runInput: { by: "the other server" } });
  });

  test("a watcher on one server sees changes made through the other, told by hints", async () => {
    const run = await runningRun(a);
    const watchOnB = new StreamReader(b.rawRuns.watchFlowRun(WatchFlowRunRequest.fromPartial({ flowRunId: run.id })));
    assert.equal((await watchOnB.next()).event!.flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);
    await a.runs.pauseFlowRun({ flowRunId: run.id, key: "1" });
    assert.equal((await watchOnB.next()).event!.flowRun!.state!.type, StateType.STATE_TYPE_PAUSED);
    await a.runs.resumeFlowRun({ flowRunId: run.id });
    assert.equal((await watchOnB.next()).event!.flowRun!.state!.type, StateType.STATE_TYPE_RUNNING);
    await a.runs.setFlowRunState({ flowRunId: run.id, state: { type: StateType.STATE_TYPE_COMPLETED } });
    assert.equal((await watchOnB.next()).event!.flowRun!.state!.type, StateType.STATE_TYPE_COMPLETED);
    watchOnB.stream.cancel();
  });

  test("forged and garbage datagrams cause no error, and hints still work after a flood of them", async () => {
    const listed = await registrations(a.database);
    assert.equal(listed.length, 2);
    const socket = createSocket("udp4");
    try {
      for (const { address } of listed) {
        for (const message of [
          Buffer.alloc(0),
          randomBytes(1000),
          randomBytes(60_000),
          Buffer.from("flowgate/1 wake and more"),
          Buffer.from("flowgate/2 wake"),
          Buffer.from("\u00ff\u0000flowgate/1 peers"),
        ]) {
          await send(socket, address, message);
        }
        // Forged hints that look genuine: each costs at most a feed or registry read, rate-limited.
        for (let i = 0; i < 2_000; i++) await send(socket, address, Buffer.from(i % 2 ? "flowgate/1 wake" : "flowgate/1 peers"));
      }
    } finally {
      socket.close();
    }
    assert.deepEqual(await resumeAcross(a, b), { type: WaitEventType.WAIT_EVENT_TYPE_RESUMED, runInput: { by: "the other server" } });
    assert.equal(a.child.exitCode, null);
    assert.equal(b.child.exitCode, null);
    assert.deepEqual([...errorLines(a), ...errorLines(b)], []);
  });

  test("hints go to every registered server, and a registration left by a server that died is dropped once it expires", async () => {
    // What a server killed without stopping leaves: a registration nobody refreshes, here pointing at us.
    const ghost = createSocket("udp4");
    const hints: string[] = [];
    ghost.on("message", (m) => hints.push(m.toString()));
    await new Promise<void>((resolve) => ghost.bind(0, "127.0.0.1", resolve));
    try {
      const ghostId = randomUUID();
      const ghostAddress = `127.0.0.1:${ghost.address().port}`;
      await withDatabase(a.database, (db) =>
        db.collection<Registration>("servers").insertOne({
          _id: ghostId,
          address: ghostAddress,
          // This machine's name: a loopback address announced from another machine is rightly skipped.
          hostName: hostname(),
          expiresAt: new Date(Date.now() + 4_000),
        }),
      );
      // "peers" asks A to re-read the registry now rather than at its next refresh.
      const [aAddress] = (await registrations(a.database)).filter((r) => r._id !== ghostId).map((r) => r.address);
      await send(ghost, aAddress!, Buffer.from("flowgate/1 peers"));
      await eventually("a wake hint sent to the registered address", async () => {
        await runningRun(a);
        return hints.includes("flowgate/1 wake") || undefined;
      });
      await eventually(
        "the expired registration removed",
        async () => ((await registrations(a.database)).some((r) => r._id === ghostId) ? undefined : true),
        15_000,
        200,
      );
    } finally {
      ghost.close();
    }
  });

  test("a server that stops removes its registration", async () => {
    const before = new Set((await registrations(a.database)).map((r) => r._id));
    const c = await startServerProcess({ database: a.database, env: POLL_AN_HOUR });
    let cId: string | undefined;
    try {
      cId = (await registrations(a.database)).find((r) => !before.has(r._id))?._id;
      assert.ok(cId, "the third server registered");
      assert.deepEqual(await resumeAcross(c, b), { type: WaitEventType.WAIT_EVENT_TYPE_RESUMED, runInput: { by: "the other server" } });
    } finally {
      await c.stop();
    }
    assert.deepEqual(
      (await registrations(a.database)).map((r) => r._id).filter((id) => id === cId),
      [],
    );
  });
});

describe("servers with wake-up hints off", () => {
  let a: ServerProcess;
  let b: ServerProcess;
  before(async () => {
    a = await startServerProcess({ env: { FLOWGATE_PEER_ADDRESS: "off" } });
    b = await startServerProcess({ database: a.database });
  });
  after(() => stopServers(a, b));

  test("a server without hints neither registers nor sends any, and the feed's poll still carries its changes to the other", async () => {
    assert.equal((await registrations(a.database)).length, 1);
    assert.deepEqual(await resumeAcross(a, b), { type: WaitEventType.WAIT_EVENT_TYPE_RESUMED, runInput: { by: "the other server" } });
    assert.deepEqual(await resumeAcross(b, a), { type: WaitEventType.WAIT_EVENT_TYPE_RESUMED, runInput: { by: "the other server" } });
  });
});
