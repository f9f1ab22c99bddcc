/**
 * A06 from the command line: `flowgate audit ls` reads who did what to a run, and `flowgate audit
 * verify` exits 0 on an intact trail and 1, naming the entry, once an entry was edited in the store.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { runCli } from "../support/cli.js";
import { withDatabase } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

interface EventJson {
  sequence: number;
  id: string;
  principal: string;
  channel: string;
  call: string;
  flowRunId: string;
  pauseKey: string;
  stateBefore?: { type: string; name: string };
  stateAfter?: { type: string; name: string };
  input?: Record<string, unknown>;
}

describe("flowgate audit (A06)", () => {
  let server: TestServer;
  let runId: string;

  before(async () => {
    server = await startTestServer();
    const { deployment } = await server.deployments.createDeployment({ name: "audit-cli", flowName: "audit-cli" });
    const { flowRun } = await server.runs.createFlowRun({
      flowName: "audit-cli",
      deploymentId: deployment!.id,
      state: { type: StateType.STATE_TYPE_RUNNING },
    });
    runId = flowRun!.id;
    await server.runs.pauseFlowRun({ flowRunId: runId, key: "approval" });
    await server.runs.resumeFlowRun({ flowRunId: runId, runInput: { approved: true } });
  });
  after(() => server.stop());

  test("audit ls --run lists who did what to the run, as JSON and as lines", async () => {
    const json = await runCli(server.address, ["audit", "ls", "--run", runId, "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const events = JSON.parse(json.stdout) as EventJson[];
    assert.deepEqual(
      events.map((e) => [e.principal, e.channel, e.call, e.pauseKey, e.stateBefore?.type, e.stateAfter?.type]),
      [
        ["admin", "grpc", "flowgate.v1.RunService/CreateFlowRun", "", undefined, "RUNNING"],
        ["admin", "grpc", "flowgate.v1.RunService/PauseFlowRun", "approval", "RUNNING", "PAUSED"],
        ["admin", "grpc", "flowgate.v1.RunService/ResumeFlowRun", "approval", "PAUSED", "RUNNING"],
      ],
    );
    assert.deepEqual(events[2]!.input, { approved: true });

    const lines = await runCli(server.address, ["audit", "ls", "--run", runId]);
    assert.equal(lines.code, 0, lines.stderr);
    const resume = lines.stdout.split("\n").find((l) => l.includes("ResumeFlowRun"));
    assert.ok(resume, lines.stdout);
    assert.match(resume, /admin \(grpc\)/);
    assert.match(resume, /pause approval/);
    assert.match(resume, /Paused → Running/);
    assert.match(resume, /input \{"approved":true\}/);
  });

  test("audit verify exits 0 on an intact trail, and 1 naming the first entry edited in the store", async () => {
    const intact = await runCli(server.address, ["audit", "verify"]);
    assert.equal(intact.code, 0, intact.stderr);
    assert.match(intact.stdout, /intact/);

    const listed = JSON.parse((await runCli(server.address, ["audit", "ls", "--run", runId, "--json"])).stdout) as EventJson[];
    const pause = listed.find((e) => e.call.endsWith("/PauseFlowRun"))!;
    await withDatabase(server.database, async (db) => {
      const r = await db.collection<{ _id: string }>("audit_events").updateOne({ id: pause.id }, { $set: { principal: "someone-else" } });
      assert.equal(r.modifiedCount, 1);
    });

    const broken = await runCli(server.address, ["audit", "verify"]);
    assert.equal(broken.code, 1, broken.stdout);
    assert.match(broken.stderr, new RegExp(`broken at entry #${pause.sequence} \\(id ${pause.id}\\)`));
    assert.match(broken.stderr, /edited/);
  });

  test("audit verify needs an admin key (exit 8)", async () => {
    const { secret } = await server.keys.createKey({ name: "audit-reader", scopes: ["runs:read"] });
    const refused = await runCli(server.address, ["audit", "verify"], { env: { FLOWGATE_API_KEY: secret } });
    assert.equal(refused.code, 8, refused.stderr);
    const allowed = await runCli(server.address, ["audit", "ls", "--run", runId], { env: { FLOWGATE_API_KEY: secret } });
    assert.equal(allowed.code, 0, allowed.stderr);
  });
});
