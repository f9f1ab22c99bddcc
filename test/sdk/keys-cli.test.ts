/**
 * API keys from the command line and the SDK: `flowgate keys create|ls|revoke` and `whoami`, the exit
 * codes of a refused call (7 unauthenticated, 8 permission denied), and how the SDK and the CLI find
 * their key — `--api-key`/`apiKey`, else FLOWGATE_API_KEY, else `.flowgate/admin-key` of the working
 * directory for a loopback server only — including a runner passing its key to its flows' processes.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { FlowgateClient, StateType, UnauthenticatedError } from "../../client-sdk/src/index.js";
import { resolveApiKey } from "../../client-sdk/src/config.js";
import { runCli } from "../support/cli.js";
import { startRunnerProcess } from "../support/runner-process.js";
import { runReaches } from "../support/sdk.js";
import { runProcess, type ScriptResult } from "../support/sdk-process.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const CLI_MAIN = fileURLToPath(new URL("../../client-sdk/src/cli/main.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");

/** `flowgate ...args` in `cwd`, with no FLOWGATE_API_KEY unless `env` gives one. */
function runCliIn(cwd: string, address: string, args: string[], env: Record<string, string> = {}): Promise<ScriptResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, FLOWGATE_API_ADDRESS: address, ...env };
  if (env["FLOWGATE_API_KEY"] === undefined) delete childEnv["FLOWGATE_API_KEY"];
  return runProcess(process.execPath, ["--import", TSX, CLI_MAIN, ...args], { cwd, env: childEnv });
}

/** A working directory with no key file (or with `secret` in .flowgate/admin-key). */
function workDir(secret?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "flowgate-cwd-"));
  if (secret !== undefined) {
    mkdirSync(join(dir, ".flowgate"), { mode: 0o700 });
    writeFileSync(join(dir, ".flowgate", "admin-key"), `${secret}\n`, { mode: 0o600 });
  }
  return dir;
}

interface CreatedKey {
  id: string;
  name: string;
  secret: string;
}

describe("flowgate keys and whoami", () => {
  let server: TestServer;
  let admin: FlowgateClient;
  /** The CLI as the admin (the server's first key). */
  const asAdmin = (args: string[]): Promise<ScriptResult> => runCli(server.address, args, { env: { FLOWGATE_API_KEY: server.apiKey } });
  const as = (secret: string, args: string[]): Promise<ScriptResult> => runCli(server.address, args, { env: { FLOWGATE_API_KEY: secret } });

  before(async () => {
    server = await startTestServer();
    admin = new FlowgateClient({ address: server.address, apiKey: server.apiKey });
  });
  after(async () => {
    admin.close();
    await server.stop();
  });

  test(
    "a runs:read key lists runs, is refused a resume (exit 8), is listed, and once revoked is refused (exit 7)",
    { timeout: 60_000 },
    async () => {
      const created = await asAdmin(["keys", "create", "--name", "cli-reader", "--scopes", "runs:read", "--json"]);
      assert.equal(created.code, 0, created.stderr);
      const key = JSON.parse(created.stdout) as CreatedKey;
      assert.deepEqual(Object.keys(key).sort(), ["id", "name", "secret"]);
      assert.equal(key.name, "cli-reader");
      assert.match(key.secret, /^fgk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);

      const run = await admin.createFlowRun({ flowName: "cli-keys", state: { type: StateType.RUNNING } });
      await admin.pauseFlowRun({ flowRunId: run.id, key: "1", timeoutSeconds: 600, reschedule: false });

      const listed = await as(key.secret, ["runs", "ls", "--flow", "cli-keys", "--json"]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(
        (JSON.parse(listed.stdout) as Array<{ id: string }>).map((r) => r.id),
        [run.id],
      );

      const refused = await as(key.secret, ["runs", "resume", run.id]);
      assert.equal(refused.code, 8, refused.stderr);
      assert.match(refused.stderr, /^error: .*runs:resume/m);
      assert.equal((await admin.getFlowRun(run.id)).state?.type, StateType.PAUSED, "the refused resume changed nothing");

      const table = await asAdmin(["keys", "ls"]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^ID\s+NAME\s+GROUPS\s+SCOPES\s+CREATED\s+EXPIRES\s+REVOKED$/m);
      assert.match(table.stdout, new RegExp(`^${key.id}\\s+cli-reader\\s+-\\s+runs:read\\s+\\S+\\s+never\\s+-$`, "m"));
      assert.ok(!table.stdout.includes(key.secret), "keys ls never shows a secret");

      const revoked = await asAdmin(["keys", "revoke", key.id]);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.match(revoked.stdout, new RegExp(`Revoked API key ${key.id} of cli-reader`));

      const afterRevoke = await as(key.secret, ["runs", "ls"]);
      assert.equal(afterRevoke.code, 7, afterRevoke.stderr);
      assert.match(afterRevoke.stderr, /^error: .*revoked/m);

      const current = JSON.parse((await asAdmin(["keys", "ls", "--json"])).stdout) as Array<{ id: string }>;
      assert.ok(!current.some((k) => k.id === key.id), "keys ls leaves revoked keys out");
      const all = JSON.parse((await asAdmin(["keys", "ls", "--all", "--json"])).stdout) as Array<{ id: string; revokedAt?: string }>;
      assert.ok(all.find((k) => k.id === key.id)?.revokedAt, "keys ls --all shows it revoked");
    },
  );

  test(
    "keys create prints the secret alone on stdout, once, with a warning; --groups and --expires are kept",
    { timeout: 60_000 },
    async () => {
      const created = await asAdmin([
        "keys",
        "create",
        "--name",
        "ci-bot",
        "--scopes",
        "runs:read,runs:resume",
        "--groups",
        "ci,ops",
        "--expires",
        "30d",
      ]);
      assert.equal(created.code, 0, created.stderr);
      const secret = created.stdout.trim();
      assert.match(secret, /^fgk_\S+$/, "stdout is the secret alone");
      assert.match(created.stderr, /will not be shown again/);

      const who = await as(secret, ["whoami", "--json"]);
      assert.equal(who.code, 0, who.stderr);
      const caller = JSON.parse(who.stdout) as { name: string; keyId: string; groups: string[]; scopes: string[] };
      assert.deepEqual([caller.name, caller.groups, caller.scopes], ["ci-bot", ["ci", "ops"], ["runs:read", "runs:resume"]]);

      const keys = JSON.parse((await asAdmin(["keys", "ls", "--json"])).stdout) as Array<{ id: string; expiresAt?: string }>;
      const expiresAt = Date.parse(keys.find((k) => k.id === caller.keyId)?.expiresAt ?? "");
      const days = (expiresAt - Date.now()) / 86_400_000;
      assert.ok(days > 29 && days <= 30, `expires in 30 days, not ${days}`);
      assert.ok(!JSON.stringify(keys).includes(secret));

      const badDuration = await asAdmin(["keys", "create", "--name", "x", "--scopes", "runs:read", "--expires", "30"]);
      assert.equal(badDuration.code, 2);
      assert.match(badDuration.stderr, /--expires must be a positive duration such as 30d/);
      const badScope = await asAdmin(["keys", "create", "--name", "x", "--scopes", "runs:everything"]);
      assert.equal(badScope.code, 4, badScope.stderr);
    },
  );

  test("whoami prints the caller's name; --api-key wins over FLOWGATE_API_KEY", { timeout: 60_000 }, async () => {
    const { secret } = await admin.createKey({ name: "alice", scopes: ["runs:read"], groups: ["approvers"] });
    const whoAdmin = await asAdmin(["whoami"]);
    assert.equal(whoAdmin.code, 0, whoAdmin.stderr);
    assert.match(whoAdmin.stdout, /^Name:\s+admin$/m);

    const whoAlice = await asAdmin(["--api-key", secret, "whoami"]);
    assert.equal(whoAlice.code, 0, whoAlice.stderr);
    assert.match(whoAlice.stdout, /^Name:\s+alice$/m);
    assert.match(whoAlice.stdout, /^Groups:\s+approvers$/m);
    assert.ok(!whoAlice.stdout.includes(secret) && !whoAlice.stderr.includes(secret), "the secret is never printed");

    // A key without admin may not manage keys.
    const denied = await as(secret, ["keys", "ls"]);
    assert.equal(denied.code, 8, denied.stderr);
  });
});

describe("how the SDK and the CLI find their API key", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test(
    "without a key, or with an unknown one, a call fails unauthenticated: the CLI exits 7 with the server's message",
    { timeout: 60_000 },
    async () => {
      const out = await runCliIn(workDir(), server.address, ["runs", "ls"]);
      assert.equal(out.code, 7, out.stderr);
      assert.match(out.stderr, /^error: This call needs an API key/m);

      const client = new FlowgateClient({ address: server.address, headers: { authorization: "Bearer fgk_not_a_key" } });
      try {
        await assert.rejects(client.listFlowRuns(), (err) => err instanceof UnauthenticatedError && err.reason === "UNAUTHENTICATED");
      } finally {
        client.close();
      }
    },
  );

  test("the key in .flowgate/admin-key of the working directory reaches a server on a loopback address", { timeout: 60_000 }, async () => {
    const out = await runCliIn(workDir(server.apiKey), server.address, ["whoami"]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^Name:\s+admin$/m);
  });

  test("FLOWGATE_API_KEY reaches the server, and wins over the key file", { timeout: 60_000 }, async () => {
    const client = new FlowgateClient({ address: server.address, apiKey: server.apiKey });
    const { secret } = await client.createKey({ name: "from-env", scopes: ["runs:read"] });
    client.close();
    const out = await runCliIn(workDir(server.apiKey), server.address, ["whoami"], { FLOWGATE_API_KEY: secret });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^Name:\s+from-env$/m);
  });

  test("the option comes first, then FLOWGATE_API_KEY, then the key file, which is never sent off this machine", () => {
    const dir = workDir("from-file");
    const env = { FLOWGATE_API_KEY: "from-env" };
    assert.equal(resolveApiKey({ apiKey: "explicit" }, "127.0.0.1:50051", env, dir), "explicit");
    assert.equal(resolveApiKey({}, "127.0.0.1:50051", env, dir), "from-env");
    for (const loopback of ["127.0.0.1:50051", "127.1.2.3:1", "localhost:50051", "[::1]:50051"]) {
      assert.equal(resolveApiKey({}, loopback, {}, dir), "from-file", loopback);
    }
    for (const remote of ["flowgate.example.com:50051", "10.0.0.5:50051", "[2001:db8::1]:50051", "0.0.0.0:50051"]) {
      assert.equal(resolveApiKey({}, remote, {}, dir), undefined, remote);
    }
    assert.equal(resolveApiKey({}, "127.0.0.1:50051", {}, workDir()), undefined);
  });

  test("a runner passes a key given as an option on to the flow processes it starts", { timeout: 60_000 }, async () => {
    const signal = AbortSignal.timeout(60_000);
    const runner = startRunnerProcess("test/sdk/fixtures/runner-key-option.ts", {
      FLOWGATE_API_ADDRESS: server.address,
      FLOWGATE_API_KEY: "", // nothing in the environment: the runner has its key as an option only
      RUNNER_TEST_API_KEY: server.apiKey,
    });
    const client = new FlowgateClient({ address: server.address, apiKey: server.apiKey });
    try {
      await runner.ready(signal);
      const run = await client.runDeployment({ fullName: "key-option/sdk-runner" });
      await runReaches(client, run.id, StateType.COMPLETED, signal);
      await runner.waitFor(/key-option:ran:\d+/, signal);
    } finally {
      client.close();
      await runner.stop();
    }
  });
});
