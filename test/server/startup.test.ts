import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { connect } from "../support/grpc-client.js";
import { readAdminKey } from "../support/test-server.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

function startMain(env: Record<string, string>) {
  const { FLOWGATE_MONGODB_URI: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", join(REPO, "server/src/main.ts")], {
    cwd: REPO,
    env: { ...inherited, FLOWGATE_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  const stdout: string[] = [];
  createInterface({ input: child.stderr }).on("line", (l) => stderr.push(l));
  createInterface({ input: child.stdout }).on("line", (l) => stdout.push(l));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, stderr, stdout, exited };
}

async function until<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The store's Unix socket path from its URI ("mongodb://%2F…%2Fstore.sock/"), or undefined for TCP. */
function socketOf(uri: string): string | undefined {
  const host = decodeURIComponent(uri.replace("mongodb://", "").replace(/\/.*$/, ""));
  return host.startsWith("/") ? host : undefined;
}

function portIsClosed(uri: string): Promise<boolean> {
  const path = socketOf(uri);
  const [host, port] = uri.replace("mongodb://", "").replace(/\/.*$/, "").split(":");
  return new Promise((resolve) => {
    const socket = path ? netConnect({ path }) : netConnect({ host: host!, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

describe("starting and stopping the server", () => {
  test("npm start's entry point starts the embedded store itself, serves, and on SIGTERM drains and stops the store", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "flowgate-startup-"));
    const server = startMain({
      FLOWGATE_GRPC_ADDRESS: "127.0.0.1:0",
      FLOWGATE_HTTP_ADDRESS: "127.0.0.1:0",
      FLOWGATE_DATA_DIR: dataDir,
    });
    try {
      const address = await until("the gRPC address is printed", 120_000, () =>
        server.stderr.map((l) => /gRPC on (\S+)/.exec(l)?.[1]).find((a) => a !== undefined),
      );
      // A03: the first start wrote an admin key, readable by this user only, and said where.
      const keyFile = join(dataDir, "admin-key");
      assert.equal(statSync(keyFile).mode & 0o777, 0o600, "the admin key file is owner-only");
      assert.equal(statSync(dataDir).mode & 0o077, 0, "the data dir is owner-only");
      assert.ok(
        server.stderr.some((l) => l.includes(keyFile)),
        `the key file's path is printed: ${server.stderr.join("\n")}`,
      );
      const clients = connect(address, readAdminKey(dataDir));
      const { flowRun } = await clients.runs.createFlowRun({ flowName: "startup" });
      assert.ok(flowRun!.id);
      clients.close();
      const storeUri = server.stdout.map((l) => /"uri":"(mongodb:\/\/[^"]+)"/.exec(l)?.[1]).find((u) => u !== undefined);

      server.child.kill("SIGTERM");
      assert.equal(await server.exited, 0, "exits cleanly on SIGTERM");
      assert.ok(server.stdout.some((l) => l.includes("shutting down")));
      assert.ok(storeUri, "the embedded store's address is logged");
      // A08: the store has no credentials of its own, so only this user may reach it: a Unix socket
      // in a folder only this user may enter, and no TCP port at all.
      const socket = socketOf(storeUri);
      assert.ok(socket, `the embedded store listens on a Unix socket, not TCP: ${storeUri}`);
      assert.equal(statSync(dirname(socket)).mode & 0o077, 0, "the socket's folder is owner-only");
      assert.equal(statSync(dirname(socket)).uid, process.getuid!(), "and owned by the server's user");
      assert.equal(await portIsClosed(storeUri), true, "the embedded store stopped too");
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  test("an invalid configuration stops the server at start with a one-line reason naming the variable", async () => {
    const server = startMain({ FLOWGATE_GRPC_ADDRESS: "not an address" });
    assert.equal(await server.exited, 2);
    const reasons = server.stderr.filter((l) => l.trim() !== "");
    assert.equal(reasons.length, 1, reasons.join("\n"));
    assert.match(reasons[0]!, /^flowgate: invalid configuration: FLOWGATE_GRPC_ADDRESS /);
  });
});
