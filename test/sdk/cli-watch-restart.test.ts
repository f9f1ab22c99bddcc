/**
 * `flowgate runs watch` follows a run across a server restart: the watch is cut when the server dies,
 * reconnects by itself with the SDK's backoff once a server answers at the address again, skips what it
 * printed already, and goes on to the final state (issue 13, item 5: every client reconnects).
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { startCli } from "../support/cli.js";
import { startServerProcess, stopServers, type ServerProcess } from "../support/test-server.js";

describe("flowgate runs watch across a server restart", () => {
  const servers: ServerProcess[] = [];
  after(() => stopServers(...servers.reverse()));

  test("the watch reconnects by itself and prints the changes made after the restart, each once", { timeout: 120_000 }, async () => {
    const first = await startServerProcess();
    servers.push(first);
    const { flowRun } = await first.runs.createFlowRun({ flowName: "cli-watch-restart", state: { type: StateType.STATE_TYPE_RUNNING } });
    const id = flowRun!.id;
    await first.runs.pauseFlowRun({ flowRunId: id, timeoutSeconds: 600 });
    const watch = startCli(first.address, ["runs", "watch", id], { env: { FLOWGATE_API_KEY: first.apiKey } });
    await watch.stdoutIncludes("PAUSED");

    await first.kill9();
    const restarted = await startServerProcess({ database: first.database, env: { FLOWGATE_GRPC_ADDRESS: first.address } });
    servers.push(restarted);
    await restarted.runs.resumeFlowRun({ flowRunId: id });
    await restarted.runs.setFlowRunState({ flowRunId: id, state: { type: StateType.STATE_TYPE_COMPLETED } });

    const out = await watch.done;
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /the watch was cut .*; reconnecting in/);
    const lines = out.stdout.trim().split("\n");
    assert.match(lines[0]!, /PAUSED.*\(current\)/);
    assert.match(lines.at(-1)!, /COMPLETED/);
    assert.equal(lines.filter((l) => /\bPAUSED\b.*\(current\)/.test(l)).length, 1, "the paused state is printed once");
  });
});
