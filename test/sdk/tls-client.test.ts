/**
 * The SDK and the CLI over TLS (issue 10 items 5 and 8): the CA to trust and a client certificate for
 * mTLS come from the `tls` option, the CLI's --tls* flags or FLOWGATE_TLS* variables, in that order;
 * a client that trusts no CA of the server's, or talks plaintext to it, or has no certificate for a
 * server requiring one, fails UNAVAILABLE with a message that says how it connected and what to set;
 * a runner passes its TLS settings to the flow processes it starts.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { FlowgateClient, StateType, TlsSettingsError, UnavailableError, type ClientConfig } from "../../client-sdk/src/index.js";
import { resolveTls, tlsChildEnv } from "../../client-sdk/src/tls.js";
import { makeCertificates } from "../support/certificates.js";
import { runCli } from "../support/cli.js";
import { startRunnerProcess } from "../support/runner-process.js";
import { runReaches } from "../support/sdk.js";
import { runProcess, type ScriptResult } from "../support/sdk-process.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const certs = makeCertificates();
const CLI_MAIN = fileURLToPath(new URL("../../client-sdk/src/cli/main.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");
const NO_RUN = "00000000-0000-4000-8000-000000000000";

/** A client for `server` that fails at once when it cannot connect, instead of retrying for 30 s. */
function clientFor(server: TestServer, config: ClientConfig): FlowgateClient {
  return new FlowgateClient({ address: server.address, apiKey: server.apiKey, retryUnavailableMs: 0, ...config });
}

/** Creates a run and reads it back: the whole path works. */
async function roundTrip(client: FlowgateClient): Promise<void> {
  try {
    const run = await client.createFlowRun({ flowName: "over-tls", state: { type: StateType.RUNNING } });
    assert.equal((await client.getFlowRun(run.id)).state?.type, StateType.RUNNING);
  } finally {
    client.close();
  }
}

/** The error a call fails with. */
async function failure(client: FlowgateClient): Promise<unknown> {
  try {
    await client.getFlowRun(NO_RUN);
  } catch (err) {
    return err;
  } finally {
    client.close();
  }
  assert.fail("the call went through");
}

/** `flowgate ...args` in `cwd` with exactly the FLOWGATE_API_KEY and FLOWGATE_TLS* variables of `env`. */
function cliIn(cwd: string, address: string, args: string[], env: Record<string, string> = {}): Promise<ScriptResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, FLOWGATE_API_ADDRESS: address };
  for (const name of Object.keys(childEnv)) if (name === "FLOWGATE_API_KEY" || name.startsWith("FLOWGATE_TLS")) delete childEnv[name];
  delete childEnv["FORCE_COLOR"];
  return runProcess(process.execPath, ["--import", TSX, CLI_MAIN, ...args], { cwd, env: { ...childEnv, ...env } });
}

function emptyDir(): string {
  return mkdtempSync(join(tmpdir(), "flowgate-cwd-"));
}

describe("TLS: a client trusting the server's CA gets through; others fail UNAVAILABLE saying why", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { FLOWGATE_TLS_CERT: certs.cert, FLOWGATE_TLS_KEY: certs.key } });
  });
  after(() => server.stop());

  test("the CA as a file or as a Buffer: calls work", async () => {
    await roundTrip(clientFor(server, { tls: { ca: certs.ca } }));
    await roundTrip(clientFor(server, { tls: { ca: readFileSync(certs.ca) } }));
  });

  test("without the CA (the system's CAs) the handshake fails: UnavailableError naming the CAs it trusted", async () => {
    const err = await failure(clientFor(server, { tls: true }));
    assert.ok(err instanceof UnavailableError, String(err));
    assert.equal(err.reason, undefined, "grpc-js's own failure: no reason from a server");
    assert.match(err.message, /Tried over TLS, trusting the system's CAs, without a client certificate; set FLOWGATE_TLS_CA/);
  });

  test("plaintext to a TLS server: UnavailableError saying it connected without TLS and what to set", async () => {
    const err = await failure(clientFor(server, { tls: false }));
    assert.ok(err instanceof UnavailableError, String(err));
    assert.match(err.message, /\. Tried without TLS; if the server uses TLS, set FLOWGATE_TLS_CA to its CA's certificate/);
    assert.doesNotMatch(err.message, /Resolution note|\n/, "one line");
  });

  test("the CLI: runs ls --tls-ca works; FLOWGATE_TLS_CA works; without either it exits 6 saying it connected without TLS", async () => {
    const client = clientFor(server, { tls: { ca: certs.ca } });
    const run = await client.createFlowRun({ flowName: "cli-over-tls", state: { type: StateType.RUNNING } });
    client.close();
    const flagged = await runCli(server.address, ["--tls-ca", certs.ca, "runs", "ls", "--flow", "cli-over-tls", "--json"]);
    assert.equal(flagged.code, 0, flagged.stderr);
    assert.deepEqual(
      (JSON.parse(flagged.stdout) as Array<{ id: string }>).map((r) => r.id),
      [run.id],
    );
    assert.equal(flagged.stderr, "", "no warning either (grpc-js's IP address as server name)");

    const fromEnv = await runCli(server.address, ["runs", "ls", "--flow", "cli-over-tls"], { env: { FLOWGATE_TLS_CA: certs.ca } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.match(fromEnv.stdout, new RegExp(run.id));

    const plain = await runCli(server.address, ["runs", "ls"]);
    assert.equal(plain.code, 6, plain.stderr);
    assert.match(plain.stderr, /^error: cannot reach the Flowgate server at 127\.0\.0\.1:\d+: .*Tried without TLS.*FLOWGATE_TLS_CA/m);

    const untrusting = await runCli(server.address, ["--tls", "runs", "ls"]);
    assert.equal(untrusting.code, 6, untrusting.stderr);
    assert.match(untrusting.stderr, /^error: cannot reach .*trusting the system's CAs/m);
  });

  test("over TLS, .flowgate/admin-key of the working directory still reaches a server on a loopback address", async () => {
    const dir = emptyDir();
    mkdirSync(join(dir, ".flowgate"), { mode: 0o700 });
    writeFileSync(join(dir, ".flowgate", "admin-key"), `${server.apiKey}\n`, { mode: 0o600 });
    // By name: the server's certificate holds localhost as well as 127.0.0.1.
    const port = server.address.slice(server.address.lastIndexOf(":") + 1);
    const who = await cliIn(dir, `localhost:${port}`, ["whoami"], { FLOWGATE_TLS_CA: certs.ca });
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /^Name:\s+admin$/m);
  });

  test("an unreadable CA file or a certificate without its key stop the CLI with exit 2 before any call", async () => {
    const missing = await runCli(server.address, ["--tls-ca", join(certs.dir, "missing.pem"), "runs", "ls"]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /^error: Cannot read the CA certificate \(FLOWGATE_TLS_CA\) .*missing\.pem/m);
    const half = await runCli(server.address, ["--tls-ca", certs.ca, "--tls-cert", certs.clientCert, "runs", "ls"]);
    assert.equal(half.code, 2, half.stderr);
    assert.match(half.stderr, /^error: A client certificate needs its key/m);
  });
});

describe("mTLS: a server with FLOWGATE_TLS_CLIENT_CA takes clients with a certificate its CA signed", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      env: { FLOWGATE_TLS_CERT: certs.cert, FLOWGATE_TLS_KEY: certs.key, FLOWGATE_TLS_CLIENT_CA: certs.ca },
    });
  });
  after(() => server.stop());

  test("with the client certificate and key calls work; without them the handshake fails, saying so", async () => {
    await roundTrip(clientFor(server, { tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } }));
    const err = await failure(clientFor(server, { tls: { ca: certs.ca } }));
    assert.ok(err instanceof UnavailableError, String(err));
    assert.match(
      err.message,
      /\. Tried over TLS, trusting the CA in \S+ca\.pem, without a client certificate; set .*FLOWGATE_TLS_CLIENT_CERT and FLOWGATE_TLS_CLIENT_KEY/,
    );
  });

  test("the CLI: --tls-cert and --tls-key, or FLOWGATE_TLS_CLIENT_CERT and _KEY; without them exit 6", async () => {
    const flags = await runCli(server.address, [
      "--tls-ca",
      certs.ca,
      "--tls-cert",
      certs.clientCert,
      "--tls-key",
      certs.clientKey,
      "whoami",
    ]);
    assert.equal(flags.code, 0, flags.stderr);
    assert.match(flags.stdout, /^Name:\s+admin$/m);
    const fromEnv = await runCli(server.address, ["whoami"], {
      env: { FLOWGATE_TLS_CA: certs.ca, FLOWGATE_TLS_CLIENT_CERT: certs.clientCert, FLOWGATE_TLS_CLIENT_KEY: certs.clientKey },
    });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const without = await runCli(server.address, ["--tls-ca", certs.ca, "whoami"]);
    assert.equal(without.code, 6, without.stderr);
    assert.match(without.stderr, /^error: cannot reach .*without a client certificate/m);
  });

  test("a runner given its TLS settings as options passes them on to the flow processes it starts", { timeout: 60_000 }, async () => {
    const signal = AbortSignal.timeout(60_000);
    const runner = startRunnerProcess("test/sdk/fixtures/runner-tls-option.ts", {
      FLOWGATE_API_ADDRESS: server.address,
      RUNNER_TEST_TLS_CA: certs.ca,
      RUNNER_TEST_TLS_CERT: certs.clientCert,
      RUNNER_TEST_TLS_KEY: certs.clientKey,
    });
    const client = clientFor(server, { tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } });
    try {
      await runner.ready(signal);
      const run = await client.runDeployment({ fullName: "tls-option/sdk-runner" });
      await runReaches(client, run.id, StateType.COMPLETED, signal);
      await runner.waitFor(/tls-option:ran:\d+/, signal);
    } finally {
      client.close();
      await runner.stop();
    }
  });
});

describe("which TLS settings a client uses", () => {
  const ca = { FLOWGATE_TLS_CA: certs.ca };

  test("plaintext by default; FLOWGATE_TLS=true, or any certificate setting, turns TLS on", () => {
    assert.equal(resolveTls(undefined, {}), undefined);
    assert.deepEqual(resolveTls(undefined, { FLOWGATE_TLS: "true" }), { ca: undefined, client: undefined });
    assert.equal(resolveTls(undefined, ca)?.ca?.file, certs.ca);
    const mtls = resolveTls(undefined, { FLOWGATE_TLS_CLIENT_CERT: certs.clientCert, FLOWGATE_TLS_CLIENT_KEY: certs.clientKey });
    assert.deepEqual([mtls?.ca, mtls?.client?.cert.file, mtls?.client?.key.file], [undefined, certs.clientCert, certs.clientKey]);
  });

  test("the option comes first, then the environment, setting by setting", () => {
    assert.equal(resolveTls(false, ca), undefined, "tls: false is plaintext whatever the environment says");
    assert.equal(resolveTls(undefined, { ...ca, FLOWGATE_TLS: "false" }), undefined, "so is FLOWGATE_TLS=false");
    assert.ok(resolveTls(true, { FLOWGATE_TLS: "false" }), "the option wins over FLOWGATE_TLS");
    assert.equal(resolveTls(true, ca)?.ca?.file, certs.ca, "tls: true names no CA: FLOWGATE_TLS_CA's");
    assert.equal(resolveTls({ ca: certs.clientCert }, ca)?.ca?.file, certs.clientCert, "the option's CA over the variable's");
    const pem = readFileSync(certs.ca, "utf8");
    assert.deepEqual(resolveTls(undefined, { FLOWGATE_TLS_CA: pem })?.ca, { file: undefined, pem: Buffer.from(pem) }, "PEM text itself");
    assert.equal(resolveTls({ ca: "ca.pem" }, {}, certs.dir)?.ca?.file, certs.ca, "a relative path from the working directory");
  });

  test("contradictions and unreadable files are refused with a message naming the setting", () => {
    assert.throws(() => resolveTls(undefined, { FLOWGATE_TLS: "yes" }), TlsSettingsError);
    assert.throws(
      () => resolveTls({ cert: certs.clientCert }, {}),
      /needs its key: set both FLOWGATE_TLS_CLIENT_CERT and FLOWGATE_TLS_CLIENT_KEY/,
    );
    assert.throws(
      () => resolveTls(undefined, { FLOWGATE_TLS_CA: join(certs.dir, "nope.pem") }),
      /Cannot read the CA certificate \(FLOWGATE_TLS_CA\)/,
    );
  });

  test("a child process given tlsChildEnv resolves the same settings, files by path and Buffers as PEM text", () => {
    const cases: Array<[Parameters<typeof resolveTls>[0], NodeJS.ProcessEnv]> = [
      [undefined, {}],
      [false, ca],
      [true, {}],
      [true, ca],
      [{ ca: readFileSync(certs.ca), cert: certs.clientCert, key: readFileSync(certs.clientKey) }, ca],
    ];
    for (const [i, [option, env]] of cases.entries()) {
      const parent = resolveTls(option, env);
      // The child inherits the parent's environment, with tlsChildEnv over it.
      assert.deepEqual(resolveTls(undefined, { ...env, ...tlsChildEnv(parent) }), parent, `case ${i}`);
    }
  });
});
