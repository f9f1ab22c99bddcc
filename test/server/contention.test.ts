/**
 * Contention on one run (issue 13, item 3): many clients change the same run at the same moment, on one
 * server and on two sharing a store. Every call is answered with its own outcome: every real change is
 * stored, and none fails INTERNAL or gives up ABORTED. Races of resumes against resumes, cancels,
 * suspends and expiry are in the fault suite (test/faults/races.test.ts). How fast it settles is
 * measured by `npm run bench:contention`, not here.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import { SetFlowRunStateRequest } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { getRun } from "../support/fixtures.js";
import { reasonOf } from "../support/status-details.js";
import { startServerProcess, startServersOnOneStore, stopServers, type ServerProcess } from "../support/test-server.js";

/** Generous: a loaded CI machine must not turn a slow answer into a failure. */
const CALL_DEADLINE_MS = 240_000;

type Answer = { ok: true; version: number } | { ok: false; code: number; reason: string | undefined; message: string };

/** Sends `n` calls at once and collects every answer. */
function concurrently(
  n: number,
  call: (i: number, deadline: Date, cb: (err: ServiceError | null, res?: { flowRun?: { version: number } }) => void) => void,
): Promise<Answer[]> {
  const deadline = new Date(Date.now() + CALL_DEADLINE_MS);
  return Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<Answer>((resolve) =>
          call(i, deadline, (err, res) =>
            resolve(
              err
                ? { ok: false, code: err.code, reason: reasonIfAny(err), message: err.details }
                : { ok: true, version: res!.flowRun!.version },
            ),
          ),
        ),
    ),
  );
}

/** The error's reason; none for an error the client made itself (a deadline), which the tally then shows by code. */
function reasonIfAny(err: ServiceError): string | undefined {
  return err.metadata?.get("grpc-status-details-bin").length ? reasonOf(err) : undefined;
}

function tally(answers: Answer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) {
    const k = a.ok ? "OK" : (a.reason ?? `code ${a.code}`);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

// Servers run in processes of their own, as in production: a thousand calls from this process must not
// starve the server's event loop, whose store-health ping would then time out and shut the gate.
describe("many writers on one run, one server", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess();
  });
  after(() => server?.stop());

  test("300 concurrent SetFlowRunState on one run are all answered and all stored, one version each", async () => {
    const { flowRun } = await server.runs.createFlowRun({ flowName: "contention", state: { type: StateType.STATE_TYPE_SCHEDULED } });
    const run = flowRun!;
    const answers = await concurrently(300, (_i, deadline, cb) =>
      server.rawRuns.setFlowRunState(
        SetFlowRunStateRequest.fromPartial({ flowRunId: run.id, state: { type: StateType.STATE_TYPE_SCHEDULED } }),
        new Metadata(),
        { deadline },
        cb,
      ),
    );
    assert.deepEqual(tally(answers), { OK: 300 });
    const versions = answers.map((a) => (a.ok ? a.version : 0)).sort((a, b) => a - b);
    assert.deepEqual(
      versions,
      Array.from({ length: 300 }, (_, i) => run.version + 1 + i),
      "each call stored a version of its own",
    );
    assert.equal((await getRun(server, run.id)).version, run.version + 300);
  });
});

describe("many writers on one run, two servers sharing a store", () => {
  let one: ServerProcess;
  let two: ServerProcess;
  before(async () => ({ one, two } = await startServersOnOneStore()));
  after(() => stopServers(two, one));

  test("60 SetFlowRunState split across two servers are all stored", async () => {
    const { flowRun } = await one.runs.createFlowRun({ flowName: "contention", state: { type: StateType.STATE_TYPE_SCHEDULED } });
    const writes = await concurrently(60, (i, deadline, cb) =>
      (i % 2 === 0 ? one : two).rawRuns.setFlowRunState(
        SetFlowRunStateRequest.fromPartial({ flowRunId: flowRun!.id, state: { type: StateType.STATE_TYPE_SCHEDULED } }),
        new Metadata(),
        { deadline },
        cb,
      ),
    );
    assert.deepEqual(tally(writes), { OK: 60 });
    assert.equal(new Set(writes.map((a) => (a.ok ? a.version : 0))).size, 60, "each call stored a version of its own");
  });
});
