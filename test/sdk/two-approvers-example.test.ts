// examples/two-approvers.ts, run as its header says (`npx tsx examples/two-approvers.ts` against a
// server; it imports "flowgate", the SDK's build) and driven as its approvers would: alice and bob
// approve with keys of their own → the payout is made; in another run carol rejects through the link
// the example printed for her, with no API key → the flow catches PauseRejectedError and says so.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { FlowgateClient, isFinalStateType } from "../../client-sdk/src/index.js";
import { runCli } from "../support/cli.js";
import { startRunnerProcess, type RunnerProcess } from "../support/runner-process.js";
import { runReaches, startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

describe("examples/two-approvers.ts", () => {
  let sdk: SdkServer;
  const secrets: Record<string, string> = {};
  before(async () => {
    assert.ok(
      existsSync(fileURLToPath(new URL("../../client-sdk/dist/index.js", import.meta.url))),
      "the examples import the SDK's build: run `npm run build` first",
    );
    sdk = await startSdkServer();
    for (const name of ["alice", "bob", "carol"]) {
      secrets[name] = (await sdk.client.createKey({ name, scopes: ["runs:read", "runs:resume"] })).secret;
    }
  });
  after(() => sdk.stop());

  /** The example's process (its key: the server's admin key, so the admin paused the run and may not approve it). */
  function startExample(): RunnerProcess {
    return startRunnerProcess("examples/two-approvers.ts", { FLOWGATE_API_ADDRESS: sdk.server.address });
  }

  /** The run id and the link per approver the example printed. */
  async function printed(example: RunnerProcess, signal: AbortSignal): Promise<{ id: string; links: Map<string, string> }> {
    const id = (await example.waitFor(/runs resume ([0-9a-f-]{36})/, signal))[1];
    assert.ok(id, "the example prints the run id");
    await example.waitFor(/link for carol: \S+/, signal);
    const links = new Map([...example.output().matchAll(/link for (\w+): (\S+)/g)].map((m) => [m[1]!, m[2]!]));
    return { id, links };
  }

  function exitCode(example: RunnerProcess, signal: AbortSignal): Promise<number | null> {
    const { child } = example;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(new Error(`the example did not exit: ${String(signal.reason)}\n${example.output()}`));
      signal.addEventListener("abort", onAbort, { once: true });
      child.once("exit", (code) => {
        signal.removeEventListener("abort", onAbort);
        resolve(code);
      });
    });
  }

  async function cleanUp(example: RunnerProcess, runId: string | undefined): Promise<void> {
    if (runId) {
      const type = (await sdk.client.getFlowRun(runId).catch(() => undefined))?.state?.type;
      if (type !== undefined && !isFinalStateType(type)) await sdk.client.cancelFlowRun(runId).catch(() => undefined);
    }
    const killer = setTimeout(() => example.child.kill("SIGKILL"), 10_000);
    try {
      await example.stop();
    } finally {
      clearTimeout(killer);
    }
  }

  test("prints a link per approver; alice's approval (CLI) is recorded as 1 of 2, bob's (SDK) completes the quorum and the payout is made", async () => {
    const signal = AbortSignal.timeout(90_000);
    const example = startExample();
    let id: string | undefined;
    try {
      const shown = await printed(example, signal);
      id = shown.id;
      assert.deepEqual([...shown.links.keys()].sort(), ["alice", "bob", "carol"]);
      for (const url of shown.links.values()) assert.match(url, /\/approve\/fgr_[A-Za-z0-9_-]{43}$/);
      const paused = await runReaches(sdk.client, id, StateType.PAUSED, signal);
      assert.equal(paused.pause?.approval?.required, 2);

      const alice = await runCli(sdk.server.address, ["runs", "resume", id, "--input", '{"note": "fine"}'], {
        env: { FLOWGATE_API_KEY: secrets["alice"]! },
        signal,
      });
      assert.equal(alice.code, 0, alice.stderr);
      assert.match(alice.stdout, /1 of 2 approvals \(alice\); the run stays PAUSED/);

      const bob = new FlowgateClient({ address: sdk.server.address, apiKey: secrets["bob"]!, retryUnavailableMs: 0 });
      try {
        assert.equal((await bob.resumeFlowRun(id, {})).resumed, true);
      } finally {
        bob.close();
      }
      assert.equal(await exitCode(example, signal), 0);
      assert.match(example.output(), /Paid 250 EUR to ACME, approved by alice, bob\./);
      assert.match(example.output(), /Notes: fine/);
      assert.equal((await sdk.client.getFlowRun(id)).state?.type, StateType.COMPLETED);
    } finally {
      await cleanUp(example, id);
    }
  });

  test("carol rejects through her printed link with no API key: the flow catches PauseRejectedError, pays nothing and completes", async () => {
    const signal = AbortSignal.timeout(90_000);
    const example = startExample();
    let id: string | undefined;
    try {
      const shown = await printed(example, signal);
      id = shown.id;
      const token = shown.links.get("carol")?.split("/approve/")[1];
      assert.ok(token, "carol's link carries her token");

      const holder = new FlowgateClient({ address: sdk.server.address, retryUnavailableMs: 0 });
      try {
        await holder.rejectFlowRun(id, "not budgeted", { resumeToken: token });
      } finally {
        holder.close();
      }
      assert.equal(await exitCode(example, signal), 0);
      assert.match(example.output(), /Payout to ACME not made: Rejected by carol: not budgeted/);
      assert.doesNotMatch(example.output(), /Paid 250 EUR/);
      assert.equal((await sdk.client.getFlowRun(id)).state?.type, StateType.COMPLETED, "the flow handled the reject");
    } finally {
      await cleanUp(example, id);
    }
  });
});
