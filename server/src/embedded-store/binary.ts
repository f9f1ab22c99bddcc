/**
 * The embedded store's Go binary (tools/embedded-store), built with `go build` on first use.
 *
 * It is built from source rather than shipped so the repository stays free of platform-specific
 * artefacts, and kept in a per-user cache that every clone, worktree and CI run of the user shares
 * (see docs/first-start.md): `<cache>/embedded-store/<source>-<toolchain>/embedded-store`, where <cache>
 * is flowgateCacheDir(), <source> hashes the tool's Go sources, the build flags and the platform, and
 * <toolchain> the Go version and target. So a user pays for the build once per store source and Go
 * version, not once per clone.
 */
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import { access, chmod, link, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { abortReason, defaultProgress, formatTail, LineTail } from "./child-output.js";

export interface EnsureBinaryOptions {
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
  /** The Flowgate cache folder; flowgateCacheDir() when absent. */
  cacheDir?: string;
}

// Both server/src/embedded-store/*.ts (tsx) and server/dist/embedded-store/*.js (tsc) sit three
// levels below the repository root, so one relative URL serves both layouts.
const TOOL_DIR = fileURLToPath(new URL("../../../tools/embedded-store", import.meta.url));
/** The binary is rebuilt when any of these change: go.mod, go.sum and every .go file of the tool. */
const MODULE_FILES = ["go.mod", "go.sum"] as const;
/** Part of the key: a change to how the binary is built or laid out gives it a new key. */
const CACHE_FORMAT = "flowgate-embedded-store/2";

/**
 * -trimpath and -buildvcs=false keep clone paths and commits out of the build, so Go's own build cache
 * serves every clone; -s -w drop the symbol table and DWARF, which only a debugger reads (panics keep
 * their stack traces), and shorten the link; ferretdb_no_postgresql leaves FerretDB's PostgreSQL
 * backend and pgx out (FerretDB v1 honours it, see its cmd/ferretdb/main_postgresql.go): the store only
 * uses SQLite. HANA is already left out unless ferretdb_hana is set; MySQL has no tag in v1.
 */
export const GO_BUILD_FLAGS = ["-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-tags=ferretdb_no_postgresql"] as const;

const BUILD_PROGRESS_INTERVAL_MS = 10_000;
const STOP_GRACE_MS = 5_000;
const STDERR_TAIL_LINES = 50;
/** `go build -v` names each package it compiles on a line of its own; `go` announces each module it downloads. */
const PACKAGE_LINE = /^[\w.~-]+(\/[\w.~-]+)*$/;
const DOWNLOAD_LINE = /^go: downloading /;

const GO_MISSING =
  "embedded store: cannot build FerretDB because the Go toolchain (`go`) is not on PATH and the cache has no build of this store source; install Go 1.22 or newer from https://go.dev/dl/";

/**
 * The per-user Flowgate cache: $FLOWGATE_CACHE_DIR if set, else $XDG_CACHE_HOME/flowgate (an absolute
 * XDG_CACHE_HOME only, as the XDG spec says), else ~/.cache/flowgate.
 */
export function flowgateCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env.FLOWGATE_CACHE_DIR) return path.resolve(env.FLOWGATE_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, "flowgate");
  return path.join(home, ".cache", "flowgate");
}

/** The folder that holds one cached build per key. */
export function embeddedStoreCacheDir(cacheDir: string = flowgateCacheDir()): string {
  return path.join(cacheDir, "embedded-store");
}

/**
 * Returns the path of the store binary for the current sources, Go version and platform, building it
 * with `go build` when the cache has none.
 *
 * Safe when several processes (clones, test runs) ask at once: each builds into a private file and
 * links it into place; the first one wins and the others use its binary.
 */
export async function ensureEmbeddedStoreBinary(opts: EnsureBinaryOptions = {}): Promise<string> {
  const onProgress = opts.onProgress ?? defaultProgress;
  const { signal } = opts;
  if (signal?.aborted) throw abortReason(signal);

  const exe = process.platform === "win32" ? ".exe" : "";
  const storeCache = embeddedStoreCacheDir(opts.cacheDir);
  const source = await sourceKey();
  const toolchain = await toolchainKey(signal);
  if (toolchain === undefined) {
    // Without Go nothing can be built, but a binary built from this source by another Go version runs.
    const built = await anyBuildOf(storeCache, source, exe);
    if (built === undefined) throw new Error(GO_MISSING);
    await assertPrivate([storeCache, path.dirname(built), built]);
    return built;
  }
  const keyDir = path.join(storeCache, `${source}-${toolchain}`);
  const binary = path.join(keyDir, `embedded-store${exe}`);
  if (await isExecutable(binary)) {
    await assertPrivate([storeCache, keyDir, binary]);
    return binary;
  }

  await makePrivateDirs(storeCache, keyDir);
  const tmp = path.join(keyDir, `.tmp-${process.pid}-${randomBytes(4).toString("hex")}${exe}`);

  onProgress(`embedded store: building FerretDB into ${keyDir} (once per user, store source and Go version)…`);
  const started = Date.now();
  // go leaves its work folder behind when interrupted (golang/go#25808), so it gets one we remove.
  const workDir = await mkdtemp(path.join(tmpdir(), "flowgate-store-build-"));
  try {
    await runGoBuild(tmp, workDir, onProgress, started, signal);
    await chmod(tmp, 0o700);
    await installNoReplace(tmp, binary);
  } finally {
    await rm(tmp, { force: true });
    await rm(workDir, { recursive: true, force: true });
  }
  onProgress(`embedded store: built in ${Math.round((Date.now() - started) / 1000)} s`);
  return binary;
}

/** Go's names for this platform, for a key that must be known without asking `go`. */
const GOOS: Partial<Record<NodeJS.Platform, string>> = { win32: "windows" };
const GOARCH: Partial<Record<string, string>> = { x64: "amd64", ia32: "386" };

/** What the binary is built from: the store's source, the build flags and the platform it runs on. */
async function sourceKey(): Promise<string> {
  const hash = createHash("sha256");
  const platform = `${GOOS[process.platform] ?? process.platform}/${GOARCH[process.arch] ?? process.arch}`;
  hash.update(`${CACHE_FORMAT}\0${GO_BUILD_FLAGS.join("\0")}\0${platform}\0`);
  const goFiles = (await readdir(TOOL_DIR)).filter((f) => f.endsWith(".go")).sort();
  for (const name of [...MODULE_FILES, ...goFiles]) {
    hash.update(`\0${name}\0`);
    hash.update(await readFile(path.join(TOOL_DIR, name)));
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * What builds it: the Go version and target, from `go env` in the tool's folder (so a go.mod asking for
 * a newer toolchain reports the one that builds). A new Go (a security fix, say) builds a new binary.
 * Undefined when `go` is not on PATH.
 */
async function toolchainKey(signal: AbortSignal | undefined): Promise<string | undefined> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)("go", ["env", "GOVERSION", "GOOS", "GOARCH", "CGO_ENABLED"], { cwd: TOOL_DIR, signal }));
  } catch (err) {
    if (signal?.aborted) throw abortReason(signal);
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`embedded store: \`go env\` failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return createHash("sha256").update(stdout).digest("hex").slice(0, 8);
}

/** The newest binary in the cache built from this source, by whichever Go. */
async function anyBuildOf(storeCache: string, source: string, exe: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(storeCache);
  } catch {
    return undefined;
  }
  let newest: { binary: string; mtimeMs: number } | undefined;
  for (const name of names.filter((n) => n.startsWith(`${source}-`))) {
    const binary = path.join(storeCache, name, `embedded-store${exe}`);
    if (!(await isExecutable(binary))) continue;
    const { mtimeMs } = await stat(binary);
    if (newest === undefined || mtimeMs > newest.mtimeMs) newest = { binary, mtimeMs };
  }
  return newest?.binary;
}

/** The cache's store folder and the key's folder, owner-only: the binary found there is executed as this user. */
async function makePrivateDirs(storeCache: string, keyDir: string): Promise<void> {
  await mkdir(storeCache, { recursive: true, mode: 0o700 });
  await chmod(storeCache, 0o700);
  await mkdir(keyDir, { recursive: true, mode: 0o700 });
  await chmod(keyDir, 0o700);
}

/**
 * A cached binary runs as this user, so it is run only if nobody else can have put it there: each of
 * the paths must be this user's and not writable by others (a FLOWGATE_CACHE_DIR in a shared folder,
 * say). Windows has no such mode bits; its per-user cache folders are private.
 */
async function assertPrivate(paths: string[]): Promise<void> {
  if (process.platform === "win32") return;
  const uid = process.getuid?.();
  for (const p of paths) {
    const { uid: owner, mode } = await stat(p);
    if ((uid !== undefined && owner !== uid) || (mode & 0o022) !== 0) {
      throw new Error(
        `embedded store: ${p} belongs to another user or others may write to it, so the store binary there is not run; remove it (or chmod go-w it), and it is built again`,
      );
    }
  }
}

/** link() fails rather than replaces when the name exists: a concurrent build that finished first wins. */
async function installNoReplace(tmp: string, binary: string): Promise<void> {
  try {
    await link(tmp, binary);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    // File systems without hard links: rename() is atomic too, and replaces an equal build at worst.
    if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS") await rename(tmp, binary);
    else throw err;
  }
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function runGoBuild(
  output: string,
  workDir: string,
  onProgress: (line: string) => void,
  started: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const stderr = new LineTail(STDERR_TAIL_LINES);
    let packages = 0;
    let downloads = 0;
    // Its own process group lets an abort reach the compile/link processes go spawns; signalling
    // only `go` would orphan them and leak go's temporary work folder.
    const ownGroup = process.platform !== "win32";
    const child = spawn("go", ["build", "-v", ...GO_BUILD_FLAGS, "-o", output, "."], {
      cwd: TOOL_DIR,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, GOTMPDIR: workDir },
      detached: ownGroup,
    });
    if (child.stderr) {
      createInterface({ input: child.stderr }).on("line", (l) => {
        if (DOWNLOAD_LINE.test(l)) downloads++;
        else if (PACKAGE_LINE.test(l)) packages++;
        else stderr.push(l);
      });
    }

    const signalBuild = (sig: NodeJS.Signals): void => {
      try {
        if (ownGroup && child.pid !== undefined) process.kill(-child.pid, sig);
        else child.kill(sig);
      } catch {
        // The group is already gone.
      }
    };

    const timer = setInterval(() => {
      // go announces a download when it starts one, so the count is of modules fetched or being fetched.
      const fetched = downloads > 0 ? `; Go modules fetched: ${downloads}` : "";
      onProgress(
        `embedded store: …still building (${Math.round((Date.now() - started) / 1000)} s${fetched}; packages compiled: ${packages})`,
      );
    }, BUILD_PROGRESS_INTERVAL_MS);
    let killTimer: NodeJS.Timeout | undefined;

    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      clearTimeout(killTimer);
      signal?.removeEventListener("abort", onAbort);
      if (err === undefined) resolve();
      else reject(err);
    };
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      clearInterval(timer);
      // SIGINT is go's Ctrl-C path, which removes its work folder; rejection waits for the exit so
      // the caller's cleanup of the output file cannot race a still-running linker.
      signalBuild("SIGINT");
      killTimer = setTimeout(() => signalBuild("SIGKILL"), STOP_GRACE_MS);
    };
    signal?.addEventListener("abort", onAbort, { once: true });

    child.once("error", (err: NodeJS.ErrnoException) => {
      finish(new Error(err.code === "ENOENT" ? GO_MISSING : `embedded store: cannot run \`go build\`: ${err.message}`));
    });
    // 'close' rather than 'exit' so the stderr tail is complete before it goes into the message.
    child.once("close", (code, sig) => {
      if (aborted && signal) {
        finish(abortReason(signal));
        return;
      }
      if (code === 0) {
        finish();
        return;
      }
      const how = sig ? `was killed by ${sig}` : `exited with code ${String(code)}`;
      finish(new Error(`embedded store: \`go build\` in ${TOOL_DIR} ${how}${formatTail(stderr, "go build stderr")}`));
    });
  });
}
