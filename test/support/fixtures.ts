import assert from "node:assert/strict";
import type { ServiceError } from "@grpc/grpc-js";
import type { FlowRun } from "@flowgate/contract/flowgate/v1/types.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { setTimeout as delay } from "node:timers/promises";
import { MongoClient, type Db } from "mongodb";
import {
  WaitEventType,
  WaitForResumeRequest,
  WatchFlowRunRequest,
  type WaitForResumeResponse,
  type WatchFlowRunResponse,
} from "@flowgate/contract/flowgate/v1/run_service.js";
import { StreamReader, type TestClients } from "./grpc-client.js";
import { reasonOf, statusDetails } from "./status-details.js";
import { storeUri } from "./test-server.js";

/** A new flow run already RUNNING, optionally with a deployment (needed to suspend). */
export async function runningRun(c: Pick<TestClients, "runs" | "deployments">, opts: { withDeployment?: boolean } = {}): Promise<FlowRun> {
  let deploymentId = "";
  if (opts.withDeployment) {
    const { deployment } = await c.deployments.createDeployment({
      name: `d-${Math.random().toString(36).slice(2, 8)}`,
      flowName: "test-flow",
    });
    deploymentId = deployment!.id;
  }
  const { flowRun } = await c.runs.createFlowRun({
    flowName: "test-flow",
    deploymentId,
    state: { type: StateType.STATE_TYPE_RUNNING },
  });
  return flowRun!;
}

/** Asserts a gRPC call fails with `code` and, when given, a message containing `message`. */
/**
 * Awaits a call that must fail with `code` (and, when given, a message containing `message` and the
 * ErrorInfo reason `reason`). Every error must carry an ErrorInfo reason, whichever the test expects.
 */
export async function expectGrpcError(p: Promise<unknown>, code: number, message?: string, reason?: string): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    const e = err as ServiceError;
    assert.equal(e.code, code, `expected code ${code}, got ${e.code}: ${e.details}`);
    if (message !== undefined) assert.ok(e.details.includes(message), `"${e.details}" does not contain "${message}"`);
    const actual = reasonOf(e);
    if (reason !== undefined) assert.equal(actual, reason, `reason of "${e.details}"`);
    return e;
  }
  assert.fail(`expected gRPC error ${code}, but the call succeeded`);
}

type PauseOptions = Omit<Parameters<TestClients["runs"]["pauseFlowRun"]>[0], "flowRunId">;

/**
 * A new RUNNING run, then paused with `pause` (any PauseFlowRun fields but the run id; the key defaults
 * to the server's counter, "1" for a new run); returns the PAUSED run.
 */
export async function pausedRun(
  c: Pick<TestClients, "runs" | "deployments">,
  pause: PauseOptions = {},
  opts: { withDeployment?: boolean } = {},
): Promise<FlowRun> {
  const run = await runningRun(c, opts);
  const { flowRun } = await c.runs.pauseFlowRun({ ...pause, flowRunId: run.id });
  assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_PAUSED, "the run should be PAUSED");
  return flowRun!;
}

/** Reads a WaitForResume stream up to its first non-heartbeat event: the heartbeats seen, and that final event. */
export async function readUntilFinal(
  reader: StreamReader<WaitForResumeResponse>,
  timeoutMs = 10_000,
): Promise<{ heartbeats: WaitForResumeResponse[]; final: WaitForResumeResponse }> {
  const heartbeats: WaitForResumeResponse[] = [];
  for (;;) {
    const m = await reader.next(timeoutMs);
    if (m.type !== WaitEventType.WAIT_EVENT_TYPE_HEARTBEAT) return { heartbeats, final: m };
    heartbeats.push(m);
  }
}

/** Asserts the server ended the stream normally (status OK) and sent nothing after what was read. */
export async function expectStreamEnded<T>(reader: StreamReader<T>, timeoutMs = 10_000): Promise<void> {
  const failure = await reader.closed(timeoutMs);
  assert.equal(failure, undefined, `the stream failed instead of ending: ${failure?.message}`);
  await assert.rejects(reader.next(0), /stream ended/, "a message arrived after the final one");
}

/** The run as the server has it now. */
export async function getRun(c: Pick<TestClients, "runs">, flowRunId: string): Promise<FlowRun> {
  return (await c.runs.getFlowRun({ flowRunId })).flowRun!;
}

/** Asserts that a run is still in exactly the given state: same state id, type and version. */
export async function assertUnchanged(c: Pick<TestClients, "runs">, expected: FlowRun): Promise<FlowRun> {
  const now = await getRun(c, expected.id);
  assert.equal(now.state?.type, expected.state?.type, "state type changed");
  assert.equal(now.state?.id, expected.state?.id, "state id changed");
  assert.equal(now.version, expected.version, "version changed");
  return now;
}

/** WatchFlowRun as a StreamReader (cancel it, or let it end after a final state). */
export function watchRun(c: Pick<TestClients, "rawRuns">, flowRunId: string): StreamReader<WatchFlowRunResponse> {
  return new StreamReader(c.rawRuns.watchFlowRun(WatchFlowRunRequest.fromPartial({ flowRunId })));
}

/** WaitForResume as a StreamReader. */
export function waitForResume(
  c: Pick<TestClients, "rawRuns">,
  flowRunId: string,
  opts: { key?: string; heartbeatSeconds?: number } = {},
): StreamReader<WaitForResumeResponse> {
  return new StreamReader(c.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId, ...opts })));
}

/** Reads messages until one matches; returns every message read, the match last. */
export async function readUntil<T>(reader: StreamReader<T>, matches: (m: T) => boolean, timeoutMs = 10_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  const seen: T[] = [];
  for (;;) {
    const m = await reader.next(Math.max(deadline - Date.now(), 1));
    seen.push(m);
    if (matches(m)) return seen;
  }
}

/** Reads every remaining message until the stream ends normally (fails if it errors or outlives the timeout). */
export async function readToEnd<T>(reader: StreamReader<T>, timeoutMs = 10_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  const seen: T[] = [];
  for (;;) {
    try {
      seen.push(await reader.next(Math.max(deadline - Date.now(), 1)));
    } catch (err) {
      if (reader.ended) return seen;
      throw err;
    }
  }
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await delay(everyMs);
  }
}

/** The field violations (google.rpc.BadRequest) of an INVALID_ARGUMENT error. */
export function fieldViolations(err: ServiceError): { field: string; description: string }[] {
  return statusDetails(err).violations;
}

/**
 * Direct access to a test server's database, for what the API cannot arrange (e.g. a pause whose
 * expiry passed while no server was watching it). Closes the connection afterwards.
 */
export async function withDatabase<T>(database: string, work: (db: Db) => Promise<T>): Promise<T> {
  const client = new MongoClient(await storeUri(), { directConnection: true, serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  try {
    return await work(client.db(database));
  } finally {
    await client.close();
  }
}

/**
 * Moves a pending pause's expiry into the past in the store only: no state change and no event, so no
 * server's expiry timer knows about it. The next request that reads the run is the first to meet the
 * expired pause, as when a resume arrives at the very moment of expiry. The version goes up, as with
 * any change of a run: a server deciding from the copy it last saw finds it stale and reads this one.
 */
export async function backdatePauseExpiry(database: string, flowRunId: string, key: string, to = new Date(Date.now() - 1)): Promise<void> {
  await withDatabase(database, async (db) => {
    const result = await db
      .collection<{ _id: string }>("flow_runs")
      .updateOne(
        { _id: flowRunId, "state.type": "PAUSED" },
        { $set: { [`pauses.${key}.expiresAt`]: to, "state.details.pauseExpiresAt": to }, $inc: { version: 1 } },
      );
    assert.equal(result.modifiedCount, 1, "the paused run should be in the store");
  });
}

/**
 * The state changes of a run as the servers published them to the shared event feed (one entry per
 * applied transition, whichever server applied it), oldest first.
 */
export async function publishedTransitions(
  database: string,
  flowRunId: string,
): Promise<{ version: number; stateType: string | undefined; stateId: string | undefined }[]> {
  return withDatabase(database, async (db) => {
    const docs = await db
      .collection<{ run: { _id: string; version: number; state?: { type: string; id: string } } }>("events")
      .find({ "run._id": flowRunId })
      .toArray();
    return docs
      .map((d) => ({ version: d.run.version, stateType: d.run.state?.type, stateId: d.run.state?.id }))
      .sort((a, b) => a.version - b.version);
  });
}
