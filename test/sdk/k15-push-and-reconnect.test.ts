import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { configure, flow, pauseFlowRun, resumeFlowRun, StateType, type FlowgateClient } from "../../client-sdk/src/index.js";
import { startServerProcess, type ServerProcess } from "../support/test-server.js";
import { nextRunIn, startSdkServer } from "../support/sdk.js";

describe("K15 resume is pushed, and survives a dropped stream", () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  test("K15 a resumed in-process pause continues within milliseconds, without waiting for a heartbeat", async () => {
    const sdk = await startSdkServer();
    cleanup.push(() => sdk.stop());
    let continuedAt = 0;
    // Heartbeats every 300 s: a resume noticed only at a heartbeat (or a poll) would take minutes.
    const f = flow(
      async () => {
        await pauseFlowRun({ heartbeatSeconds: 300 });
        continuedAt = performance.now();
      },
      { name: "k15-latency" },
    );
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const paused = nextRunIn(sdk.client, "k15-latency", StateType.PAUSED);
      const done = f();
      const run = await paused;
      await resumeFlowRun(run.id);
      const resumedAt = performance.now();
      await done;
      latencies.push(continuedAt - resumedAt);
    }
    assert.ok(Math.max(...latencies) < 1_000, `latencies ${latencies.map((l) => l.toFixed(1)).join(", ")} ms`);
  });

  test("K15 after a server crash the wait reconnects and receives a resume that happened while it was down", async () => {
    const first = await startServerProcess();
    cleanup.push(() => first.stop());
    const client: FlowgateClient = configure({ address: first.address, apiKey: first.apiKey });
    const reconnects: number[] = [];
    let continued = false;
    let waiting!: () => void;
    const streamOpen = new Promise<void>((r) => (waiting = r));
    const f = flow(
      async () => {
        await pauseFlowRun({ timeout: 600, onReconnect: (attempt) => reconnects.push(attempt), onHeartbeat: () => waiting() });
        continued = true;
        return "resumed after the crash";
      },
      { name: "k15-reconnect" },
    );

    const paused = nextRunIn(client, "k15-reconnect", StateType.PAUSED);
    const result = f();
    const run = await paused;
    await streamOpen; // the first heartbeat: the paused process is held on WaitForResume

    await first.kill9(); // the WaitForResume stream drops with the server
    // Another server on the same store takes the resume while the paused process has no stream.
    const other: ServerProcess = await startServerProcess({ database: first.database });
    cleanup.push(() => other.stop());
    const { flowRun } = await other.runs.resumeFlowRun({ flowRunId: run.id });
    assert.equal(flowRun!.state!.type, 3 /* STATE_TYPE_RUNNING */);
    assert.equal(continued, false);

    // The server comes back at the address the SDK knows; the reopened wait gets RESUMED at once.
    const restarted = await startServerProcess({ database: first.database, env: { FLOWGATE_GRPC_ADDRESS: first.address } });
    cleanup.push(() => restarted.stop());
    assert.equal(await result, "resumed after the crash");
    assert.ok(reconnects.length >= 1, "the wait reconnected");
    assert.equal((await client.getFlowRun(run.id)).state?.type, StateType.COMPLETED);
    client.close();
  });
});
