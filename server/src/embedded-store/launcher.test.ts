import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { MongoClient } from "mongodb";
import { startEmbeddedStore } from "./launcher.js";

// Where the per-user cache has no binary yet, the first start builds it (minutes with Go's build cache
// empty), so the timeout is kept generous rather than failing on a slow machine.
const BUILD_TIMEOUT_MS = 300_000;

let dataDir = "";

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "flowgate-embedded-store-"));
});

after(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Resolves true if something accepts a connection on host:port or on a Unix socket, false if it is refused. */
function acceptsConnections(target: { host: string; port: number } | { path: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(target);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

for (const listen of ["unix", "tcp"] as const) {
  test(`starts, stores and reads a document, then stops (${listen})`, { timeout: BUILD_TIMEOUT_MS }, async () => {
    const progress: string[] = [];
    const store = await startEmbeddedStore({ dataDir, listen, onProgress: (l) => progress.push(l) });
    const { hostname, port } = new URL(store.uri);
    const socket = decodeURIComponent(hostname);
    try {
      if (listen === "unix") assert.equal(socket, path.join(dataDir, "store", "store.sock"), "a socket in the owner-only store folder");
      else assert.match(store.uri, /^mongodb:\/\/127\.0\.0\.1:\d+\/$/);

      const client = new MongoClient(store.uri, { directConnection: true });
      try {
        const runs = client.db("flowgate_test").collection<{ _id: string; state: string }>("runs");
        await runs.insertOne({ _id: `run-${listen}`, state: "paused" });
        assert.deepEqual(await runs.findOne({ _id: `run-${listen}` }), { _id: `run-${listen}`, state: "paused" });
      } finally {
        await client.close();
      }
    } finally {
      await store.stop();
    }

    assert.equal(await acceptsConnections(listen === "unix" ? { path: socket } : { host: hostname, port: Number(port) }), false);
    // stop() must be safe to call again, e.g. from both a test and a shutdown hook.
    await store.stop();
  });
}

test("an already-aborted signal rejects with its reason", async () => {
  const reason = new Error("shutting down");
  await assert.rejects(startEmbeddedStore({ dataDir, signal: AbortSignal.abort(reason), onProgress: () => {} }), (err) => err === reason);
});
