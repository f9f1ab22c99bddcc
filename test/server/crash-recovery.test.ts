import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { WaitEventType, WaitForResumeRequest } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { StreamReader } from "../support/grpc-client.js";
import { runningRun } from "../support/fixtures.js";
import { startServerProcess, type ServerProcess } from "../support/test-server.js";

async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("a server killed with kill -9 while runs are paused", () => {
  const servers: ServerProcess[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  test("S27 after a restart every paused run is still paused, every expiry still fires, and waiting clients that reconnect get their final event", async () => {
    const first = await startServerProcess();
    servers.push(first);
    const longPause = await runningRun(first);
    const shortPause = await runningRun(first);
    const suspended = await runningRun(first, { withDeployment: true });
    await first.runs.pauseFlowRun({ flowRunId: longPause.id, key: "approve", timeoutSeconds: 600 });
    await first.runs.pauseFlowRun({ flowRunId: shortPause.id, key: "1", timeoutSeconds: 4 });
    await first.runs.suspendFlowRun({ flowRunId: suspended.id, noTimeout: true });
    const shortExpiry = (await first.runs.getFlowRun({ flowRunId: shortPause.id })).flowRun!.pause!.expiresAt!.getTime();

    const waiting = new StreamReader(
      first.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: longPause.id, key: "approve" })),
    );
    assert.equal((await waiting.next()).type, WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT);

    await first.kill9();
    assert.ok((await waiting.closed()) instanceof Error, "the held stream fails when its server dies");

    const second = await startServerProcess({ database: first.database });
    servers.push(second);
    for (const run of [longPause, suspended]) {
      const { flowRun } = await second.runs.getFlowRun({ flowRunId: run.id });
      assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_PAUSED, `${run.id} is still paused`);
    }

    // The short pause expires although the server that created it is gone: the new server's expiry
    // makes it FAILED, never before its time (how soon after is a benchmark's business, not a test's).
    await until("the short pause's expiry", 60_000, async () => {
      const { flowRun } = await second.runs.getFlowRun({ flowRunId: shortPause.id });
      return flowRun!.state!.type === StateType.STATE_TYPE_FAILED ? true : undefined;
    });
    const { flowRun: failed } = await second.runs.getFlowRun({ flowRunId: shortPause.id });
    assert.equal(failed!.state!.message, "The flow was paused and never resumed.");
    assert.equal(failed!.state!.by?.principal, "flowgate", "the server's expiry failed it");
    assert.ok(failed!.state!.timestamp!.getTime() >= shortExpiry, "not before the pause's expiry");

    // The waiting client reconnects to the new server, the run is resumed, and it gets RESUMED.
    const reconnected = new StreamReader(
      second.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: longPause.id, key: "approve" })),
    );
    assert.equal((await reconnected.next()).type, WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT);
    await second.runs.resumeFlowRun({ flowRunId: longPause.id, runInput: { ok: 1 } });
    const final = await reconnected.next();
    assert.equal(final.type, WaitEventType.WAIT_EVENT_TYPE_RESUMED);
    assert.deepEqual(final.runInput, { ok: 1 });

    // A client that reconnects only after the fact gets the final event at once.
    const late = new StreamReader(second.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: shortPause.id, key: "1" })));
    assert.equal((await late.next()).type, WaitEventType.WAIT_EVENT_TYPE_TIMED_OUT);
  });
});
