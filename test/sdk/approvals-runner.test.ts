// Approvals of suspended runs, with a runner executing them (fixtures/approval-flows.ts): a suspend
// hands its links to onPaused before its process ends and, approved by a quorum, is re-executed with
// the input and the approvals; a rejected suspend ends FAILED and is never executed again; a
// re-executed run meets an earlier pause's rejection again instead of carrying on as if approved.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FlowgateClient, runDeployment, waitForPauseEnd } from "../../client-sdk/src/index.js";
import { startRunnerProcess, type RunnerProcess } from "../support/runner-process.js";
import { runReaches, startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

describe("approvals of suspended runs, with a runner", () => {
  let sdk: SdkServer;
  let runner: RunnerProcess;
  let alice: FlowgateClient;
  let bob: FlowgateClient;
  before(async () => {
    sdk = await startSdkServer();
    const key = async (name: string): Promise<FlowgateClient> => {
      const { secret } = await sdk.client.createKey({ name, scopes: ["runs:read", "runs:resume"] });
      return new FlowgateClient({ address: sdk.server.address, apiKey: secret, retryUnavailableMs: 0 });
    };
    alice = await key("alice");
    bob = await key("bob");
    runner = startRunnerProcess("test/sdk/fixtures/approval-flows.ts", { FLOWGATE_API_ADDRESS: sdk.server.address });
    await runner.ready(AbortSignal.timeout(30_000));
  });
  after(async () => {
    alice.close();
    bob.close();
    await runner.stop();
    await sdk.stop();
  });

  /** The times `marker` (followed by the run id) was printed. */
  const count = (marker: string, id: string): number => runner.output().split(`${marker}:${id}`).length - 1;
  const processExited = (id: string, signal: AbortSignal) =>
    runner.waitFor(new RegExp(`flow run ${id} process \\d+ exited with code 0`), signal);

  test("a suspend that two must approve: onPaused has the links before the process ends; after the second approval the re-executed run gets the input and both approvals", async () => {
    const signal = AbortSignal.timeout(60_000);
    const run = await runDeployment("suspend-approval/approvals-runner", { timeout: 0 });
    const suspended = await runReaches(sdk.client, run.id, StateType.PAUSED, signal);
    assert.equal(suspended.state?.name, "Suspended");
    await processExited(run.id, signal);
    const [, approvers] = (await runner.waitFor(new RegExp(`suspend-approval:links:${run.id}:(\\S+)`), signal)) as string[];
    assert.deepEqual(approvers?.split(",").sort(), ["alice", "bob"]);

    const first = await alice.resumeFlowRun(run.id, { ok: true });
    assert.equal(first.resumed, false);
    assert.equal(first.state?.name, "Suspended", "below the quorum the run stays suspended");
    const second = await bob.resumeFlowRun(run.id, { ok: true });
    assert.equal(second.resumed, true);

    await runReaches(sdk.client, run.id, StateType.COMPLETED, signal);
    assert.equal(count("suspend-approval:resumed", run.id), 1);
    assert.match(runner.output(), new RegExp(`suspend-approval:resumed:${run.id}:true:alice,bob`));
    assert.equal(count("suspend-approval:start", run.id), 2, "executed, then re-executed once approved");
    assert.equal(count("suspend-approval:links", run.id), 1, "the re-executed run does not pause again");
  });

  test('a rejected suspend ends FAILED "Rejected by alice: <reason>", its waiters get REJECTED, and no runner executes it again', async () => {
    const signal = AbortSignal.timeout(60_000);
    const run = await runDeployment("suspend-approval/approvals-runner", { timeout: 0 });
    await runReaches(sdk.client, run.id, StateType.PAUSED, signal);
    await processExited(run.id, signal);

    const rejected = await alice.rejectFlowRun(run.id, "not needed after all");
    assert.equal(rejected.state?.type, StateType.FAILED);
    assert.equal(rejected.state?.message, "Rejected by alice: not needed after all");

    const end = await waitForPauseEnd(sdk.client, run.id, "1", { signal });
    assert.equal(end.type, "REJECTED");
    assert.equal(end.rejection?.by.principal, "alice");
    assert.equal(end.rejection?.reason, "not needed after all");

    // The runner goes on claiming: a run started after the reject completes…
    const later = await runDeployment("completes/approvals-runner", { timeout: 0 });
    await runReaches(sdk.client, later.id, StateType.COMPLETED, signal);
    // …and the rejected one was executed once, never resumed, and is still FAILED.
    assert.equal(count("suspend-approval:start", run.id), 1);
    assert.equal(count("suspend-approval:resumed", run.id), 0);
    const final = await sdk.client.getFlowRun(run.id);
    assert.equal(final.state?.type, StateType.FAILED);
    assert.equal(final.state?.message, "Rejected by alice: not needed after all");
    assert.equal(final.runCount, 1);
  });

  test("a re-executed run meets an earlier pause's rejection again: the flow takes the path it took the first time", async () => {
    const signal = AbortSignal.timeout(60_000);
    const run = await runDeployment("replays-rejection/approvals-runner", { timeout: 0 });
    await runReaches(sdk.client, run.id, StateType.PAUSED, signal);
    await alice.rejectFlowRun(run.id, "no");
    await runner.waitFor(new RegExp(`replay:rejected:${run.id}:alice:no`), signal);
    await processExited(run.id, signal);
    assert.equal((await sdk.client.getFlowRun(run.id)).state?.name, "Suspended");

    await sdk.client.resumeFlowRun(run.id);
    await runReaches(sdk.client, run.id, StateType.COMPLETED, signal);
    assert.equal(count("replay:rejected", run.id), 2, "the re-execution met the rejection again");
    assert.equal(count("replay:approved", run.id), 0);
    assert.equal(count("replay:done", run.id), 1);
  });
});
