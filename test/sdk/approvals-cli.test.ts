// Approvals from the command line: `flowgate runs resume` says whether it resumed the run or recorded
// an approval below the quorum ("1 of 2 approvals"), `runs reject --reason`, `runs ls --awaiting-me`,
// `runs inspect` with the policy and its progress, `runs links` and `runs revoke-link`, and
// `runs resume --token` with no API key at all; refusals exit with their codes (7, 8, 5).
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { flow, pauseFlowRun, PauseRejectedError, type PausedInfo } from "../../client-sdk/src/index.js";
import { runCli } from "../support/cli.js";
import { runProcess, type ScriptResult } from "../support/sdk-process.js";
import { startSdkServer, StateType, type SdkServer } from "../support/sdk.js";
import { z } from "zod";

const CLI_MAIN = fileURLToPath(new URL("../../client-sdk/src/cli/main.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

/** `flowgate ...args` with no API key anywhere: none in the environment, none in the working directory. */
function runCliWithoutKey(address: string, args: string[]): Promise<ScriptResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, FLOWGATE_API_ADDRESS: address };
  delete env["FLOWGATE_API_KEY"];
  delete env["FORCE_COLOR"];
  const cwd = mkdtempSync(join(tmpdir(), "flowgate-no-key-"));
  return runProcess(process.execPath, ["--import", TSX, CLI_MAIN, ...args], { cwd, env });
}

/** A promise and its resolve (Node 20 has no Promise.withResolvers). */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("flowgate runs: approvals from the command line", () => {
  let sdk: SdkServer;
  const secrets: Record<string, string> = {};
  /** The CLI as `name` (its own key in FLOWGATE_API_KEY). */
  const as = (name: string, args: string[]): Promise<ScriptResult> =>
    runCli(sdk.server.address, args, { env: { FLOWGATE_API_KEY: secrets[name] ?? "" } });

  before(async () => {
    sdk = await startSdkServer();
    secrets["admin"] = sdk.server.apiKey;
    for (const name of ["alice", "bob", "carol", "dave"]) {
      secrets[name] = (await sdk.client.createKey({ name, scopes: ["runs:read", "runs:resume"] })).secret;
    }
  });
  after(() => sdk.stop());

  test(
    "a quorum of two from the CLI: awaiting-me, inspect, an approval recorded (1 of 2), links listed and one revoked, and a link's token resumes with no API key",
    { timeout: 120_000 },
    async () => {
      const paused = deferred<PausedInfo>();
      const f = flow(
        () =>
          pauseFlowRun({
            waitForInput: z.object({ amount: z.number() }),
            approval: { approvers: ["alice", "bob", "carol"], required: 2, links: "per-approver" },
            onPaused: paused.resolve,
          }),
        { name: "cli-quorum" },
      );
      const result = f();
      const { flowRun: run, links } = await paused.promise;
      const token = (who: string): string => links.find((l) => l.approver === who)?.token ?? assert.fail(`no link for ${who}`);

      const awaitingAlice = await as("alice", ["runs", "ls", "--awaiting-me"]);
      assert.equal(awaitingAlice.code, 0, awaitingAlice.stderr);
      assert.match(awaitingAlice.stdout, new RegExp(`${run.id}\\s+${run.name}\\s+cli-quorum\\s+PAUSED`));
      const awaitingDave = await as("dave", ["runs", "ls", "--awaiting-me"]);
      assert.equal(awaitingDave.code, 0, awaitingDave.stderr);
      assert.doesNotMatch(awaitingDave.stdout, new RegExp(run.id), "dave is not an approver");

      const inspect = await as("alice", ["runs", "inspect", run.id]);
      assert.equal(inspect.code, 0, inspect.stderr);
      assert.match(inspect.stdout, /Approvers: {3}alice, bob, carol; not admin \(no self-approval\)/);
      assert.match(inspect.stdout, /Approvals: {3}no approvals yet \(2 needed\)/);

      const first = await as("alice", ["runs", "resume", run.id, "--input", '{"amount": 1}']);
      assert.equal(first.code, 0, first.stderr);
      assert.match(
        first.stdout,
        new RegExp(`^Recorded an approval of ${run.name} \\(${run.id}\\): 1 of 2 approvals \\(alice\\); the run stays PAUSED`),
      );
      const again = await as("alice", ["runs", "resume", run.id, "--input", '{"amount": 1}', "--json"]);
      assert.equal(again.code, 0, again.stderr);
      const json = JSON.parse(again.stdout) as { id: string; resumed: boolean; pause: { approvals: unknown[] } };
      assert.equal(json.id, run.id);
      assert.equal(json.resumed, false);
      assert.equal(json.pause.approvals.length, 1, "the same approver counts once");

      const refused = await as("dave", ["runs", "resume", run.id, "--input", '{"amount": 1}']);
      assert.equal(refused.code, 8, "not an approver: permission denied");
      assert.match(refused.stderr, /^error: .*alice/);

      const listed = await as("admin", ["runs", "links", run.id]);
      assert.equal(listed.code, 0, listed.stderr);
      for (const who of ["alice", "bob", "carol"]) assert.match(listed.stdout, new RegExp(`\\s${who}\\s+1\\s+\\S+\\s+unused`));
      assert.doesNotMatch(listed.stdout, /fgr_/, "never a token");

      const carolsLink = links.find((l) => l.approver === "carol")!;
      const revoke = await as("admin", ["runs", "revoke-link", carolsLink.id]);
      assert.equal(revoke.code, 0, revoke.stderr);
      assert.match(revoke.stdout, new RegExp(`Revoked resume link ${carolsLink.id} \\(for carol\\) of run ${run.id}`));
      const revoked = await runCliWithoutKey(sdk.server.address, [
        "runs",
        "resume",
        run.id,
        "--token",
        token("carol"),
        "--input",
        '{"amount": 3}',
      ]);
      assert.equal(revoked.code, 7, `a revoked link is not a credential: ${revoked.stderr}`);

      const viaLink = await runCliWithoutKey(sdk.server.address, [
        "runs",
        "resume",
        run.id,
        "--token",
        token("bob"),
        "--input",
        '{"amount": 2}',
      ]);
      assert.equal(viaLink.code, 0, viaLink.stderr);
      assert.match(viaLink.stdout, new RegExp(`^Resumed ${run.name} \\(${run.id}\\): RUNNING`));
      assert.deepEqual(await result, { amount: 2 });

      const spent = await runCliWithoutKey(sdk.server.address, ["runs", "resume", run.id, "--token", token("bob")]);
      assert.equal(spent.code, 5, `the link's pause has ended: refused: ${spent.stderr}`);
      const afterwards = await as("admin", ["runs", "links", run.id, "--json"]);
      const infos = JSON.parse(afterwards.stdout) as { approver: string; usedAt?: string; revokedAt?: string }[];
      assert.deepEqual(infos.map((l) => [l.approver, Boolean(l.usedAt), Boolean(l.revokedAt)]).sort(), [
        ["alice", false, false],
        ["bob", true, false],
        ["carol", false, true],
      ]);
    },
  );

  test('`runs reject --reason`: the waiting flow gets PauseRejectedError and the CLI prints the run "Rejected by alice: <reason>"; without --reason it is a usage error', async () => {
    const paused = deferred<PausedInfo>();
    const f = flow(
      async () => {
        try {
          await pauseFlowRun({ approval: { approvers: ["alice"] }, onPaused: paused.resolve });
          return "approved";
        } catch (err) {
          return err instanceof PauseRejectedError ? `rejected by ${err.principal}: ${err.reason}` : String(err);
        }
      },
      { name: "cli-reject" },
    );
    const result = f();
    const { flowRun: run } = await paused.promise;

    const usage = await as("alice", ["runs", "reject", run.id]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--reason/);

    const notApprover = await as("bob", ["runs", "reject", run.id, "--reason", "no"]);
    assert.equal(notApprover.code, 8, notApprover.stderr);

    const rejected = await as("alice", ["runs", "reject", run.id, "--reason", "too risky"]);
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.match(rejected.stdout, new RegExp(`^Rejected ${run.name} \\(${run.id}\\): RUNNING - Rejected by alice: too risky`));
    assert.equal(await result, "rejected by alice: too risky");
    assert.equal((await sdk.client.getFlowRun(run.id)).state?.type, StateType.COMPLETED);

    const late = await as("alice", ["runs", "reject", run.id, "--reason", "again"]);
    assert.equal(late.code, 5, "not paused any more");
  });
});
