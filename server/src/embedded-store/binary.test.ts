import assert from "node:assert/strict";
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { MongoClient } from "mongodb";
import { embeddedStoreCacheDir, ensureEmbeddedStoreBinary, flowgateCacheDir } from "./binary.js";
import { startEmbeddedStore } from "./launcher.js";

// The builds below start from an empty Flowgate cache but not from an empty Go build cache: the test
// runner built the same binary, with the same flags, before any test ran (tools/run-tests.mjs), so Go
// only links. Where Go's cache is cold the builds take minutes, hence the generous limit.
const BUILD_TIMEOUT_MS = 600_000;

test("the cache is $FLOWGATE_CACHE_DIR, else $XDG_CACHE_HOME/flowgate, else ~/.cache/flowgate", () => {
  const home = "/home/ada";
  const cases: [NodeJS.ProcessEnv, string][] = [
    [{ FLOWGATE_CACHE_DIR: "/ci/cache", XDG_CACHE_HOME: "/xdg" }, "/ci/cache"],
    [{ XDG_CACHE_HOME: "/xdg" }, "/xdg/flowgate"],
    [{}, "/home/ada/.cache/flowgate"],
    // The XDG spec ignores a relative XDG_CACHE_HOME; an empty variable is no variable.
    [{ XDG_CACHE_HOME: "relative/cache" }, "/home/ada/.cache/flowgate"],
    [{ FLOWGATE_CACHE_DIR: "", XDG_CACHE_HOME: "" }, "/home/ada/.cache/flowgate"],
  ];
  for (const [env, expected] of cases) assert.equal(flowgateCacheDir(env, home), expected, JSON.stringify(env));
  assert.equal(
    flowgateCacheDir({ FLOWGATE_CACHE_DIR: "rel" }, home),
    path.resolve("rel"),
    "a relative FLOWGATE_CACHE_DIR is from the working directory",
  );
});

test(
  "two clones starting at once on an empty cache end with one owner-only binary, which the next start reuses",
  { timeout: BUILD_TIMEOUT_MS },
  async () => {
    const cacheDir = await mkdtemp(path.join(tmpdir(), "flowgate-cache-"));
    const dataDir = await mkdtemp(path.join(tmpdir(), "flowgate-cache-store-"));
    const saved = process.env.FLOWGATE_CACHE_DIR;
    try {
      const [first, second] = await Promise.all([
        ensureEmbeddedStoreBinary({ cacheDir, onProgress: () => {} }),
        ensureEmbeddedStoreBinary({ cacheDir, onProgress: () => {} }),
      ]);
      assert.equal(first, second);
      const keyDir = path.dirname(first);
      assert.equal(path.dirname(keyDir), embeddedStoreCacheDir(cacheDir));
      assert.deepEqual(await readdir(keyDir), [path.basename(first)], "no build's temporary file is left behind");
      if (process.platform !== "win32") {
        for (const p of [embeddedStoreCacheDir(cacheDir), keyDir, first]) {
          assert.equal((await stat(p)).mode & 0o777, 0o700, `${p} is the user's only`);
        }
      }

      process.env.FLOWGATE_CACHE_DIR = cacheDir;
      const progress: string[] = [];
      const store = await startEmbeddedStore({ dataDir, onProgress: (l) => progress.push(l) });
      try {
        assert.deepEqual(progress, [], "the cached binary starts without a build");
        const client = new MongoClient(store.uri, { directConnection: true });
        try {
          const runs = client.db("flowgate_test").collection<{ _id: string; state: string }>("runs");
          await runs.insertOne({ _id: "cached", state: "paused" });
          assert.deepEqual(await runs.findOne({ _id: "cached" }), { _id: "cached", state: "paused" });
        } finally {
          await client.close();
        }
      } finally {
        await store.stop();
      }
    } finally {
      if (saved === undefined) delete process.env.FLOWGATE_CACHE_DIR;
      else process.env.FLOWGATE_CACHE_DIR = saved;
      await rm(cacheDir, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);

test(
  "a build stopped by its signal rejects with the signal's reason and leaves no binary in the cache",
  { timeout: BUILD_TIMEOUT_MS },
  async () => {
    const cacheDir = await mkdtemp(path.join(tmpdir(), "flowgate-cache-"));
    try {
      const controller = new AbortController();
      const reason = new Error("Ctrl-C");
      const build = ensureEmbeddedStoreBinary({
        cacheDir,
        signal: controller.signal,
        // The first line comes just before `go build` starts.
        onProgress: () => controller.abort(reason),
      });
      await assert.rejects(build, (err) => err === reason);
      const [key] = await readdir(embeddedStoreCacheDir(cacheDir));
      assert.ok(key !== undefined);
      assert.deepEqual(await readdir(path.join(embeddedStoreCacheDir(cacheDir), key)), []);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  },
);

test("without Go on PATH a start uses a build of the same store source by another Go, and with none it says to install Go", async () => {
  // The user's own cache, where the test runner's store came from: no build here.
  const built = await ensureEmbeddedStoreBinary({ onProgress: () => {} });
  const cacheDir = await mkdtemp(path.join(tmpdir(), "flowgate-cache-"));
  const noGo = await mkdtemp(path.join(tmpdir(), "flowgate-no-go-"));
  const savedPath = process.env.PATH;
  try {
    process.env.PATH = noGo;
    await assert.rejects(ensureEmbeddedStoreBinary({ cacheDir, onProgress: () => {} }), /`go`\) is not on PATH.*install Go/s);

    // The same source hash as the user's binary, under another toolchain's hash.
    const [source] = path.basename(path.dirname(built)).split("-");
    const otherGo = path.join(embeddedStoreCacheDir(cacheDir), `${source}-0ther0go`);
    await mkdir(otherGo, { recursive: true });
    await copyFile(built, path.join(otherGo, path.basename(built)));
    await chmod(path.join(otherGo, path.basename(built)), 0o700);
    assert.equal(await ensureEmbeddedStoreBinary({ cacheDir, onProgress: () => {} }), path.join(otherGo, path.basename(built)));
  } finally {
    process.env.PATH = savedPath;
    await rm(cacheDir, { recursive: true, force: true });
    await rm(noGo, { recursive: true, force: true });
  }
});

test("a cached binary that other users may replace is not run", async () => {
  const built = await ensureEmbeddedStoreBinary({ onProgress: () => {} });
  const cacheDir = await mkdtemp(path.join(tmpdir(), "flowgate-cache-"));
  try {
    // The user's binary copied under the same key into a cache whose key folder anybody may write to.
    const keyDir = path.join(embeddedStoreCacheDir(cacheDir), path.basename(path.dirname(built)));
    const binary = path.join(keyDir, path.basename(built));
    await mkdir(keyDir, { recursive: true, mode: 0o700 });
    await copyFile(built, binary);
    await chmod(binary, 0o700);
    await chmod(keyDir, 0o777);
    await assert.rejects(ensureEmbeddedStoreBinary({ cacheDir, onProgress: () => {} }), /others may write to it.*not run/);

    await chmod(keyDir, 0o700);
    assert.equal(await ensureEmbeddedStoreBinary({ cacheDir, onProgress: () => {} }), binary);
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
});
