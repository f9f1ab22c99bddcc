/**
 * Runs the embedded MongoDB-wire store (FerretDB v1 over SQLite, see tools/embedded-store) as a
 * child process. Its Go binary is built on first use into the per-user cache (binary.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdir, mkdtemp } from "node:fs/promises";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { ensureEmbeddedStoreBinary } from "./binary.js";
import { abortReason, defaultProgress, formatTail, LineTail } from "./child-output.js";

export { ensureEmbeddedStoreBinary, flowgateCacheDir, type EnsureBinaryOptions } from "./binary.js";

export interface EmbeddedStore {
  readonly uri: string;
  stop(): Promise<void>;
}

export interface EmbeddedStoreOptions {
  /** SQLite files go in `${dataDir}/store`. */
  dataDir: string;
  /** Human progress lines; defaults to writing them to process.stderr. */
  onProgress?: (line: string) => void;
  /** Aborts the build and startup; it does not govern a store that has already started. */
  signal?: AbortSignal;
  /**
   * SQLite durability: "normal" (default) survives crashes of any process but may lose the last
   * commits on power loss or an OS crash; "full" fsyncs every commit (30-50 ms per write here).
   */
  sync?: "normal" | "full";
  /**
   * "unix" (default): a Unix socket inside the owner-only data dir, so no other local user can reach
   * the store (it has no credentials of its own). "tcp": loopback TCP, reachable by every local process.
   */
  listen?: "unix" | "tcp";
  /** Restart the store's process, on the same data, whenever it dies before stop() (see startEmbeddedStore). */
  supervise?: boolean;
}

/** Socket paths longer than this do not fit sockaddr_un (108 bytes on Linux, 104 on macOS). */
const MAX_SOCKET_PATH = 100;

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const STDERR_TAIL_LINES = 50;

/** Pipes to a child are net.Sockets at runtime; unref() lets the parent exit while they are open. */
function setStdioRef(child: ChildProcess, ref: boolean): void {
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    if (stream instanceof Socket) {
      if (ref) stream.ref();
      else stream.unref();
    }
  }
  if (ref) child.ref();
  else child.unref();
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** One started store process. */
interface StoreProcess {
  child: ChildProcess;
  exited: Promise<void>;
  stderr: LineTail;
  uri: string;
}

/** Restarts of a supervised store wait this long at first, doubling up to RESTART_MAX_DELAY_MS. */
const RESTART_FIRST_DELAY_MS = 100;
const RESTART_MAX_DELAY_MS = 5_000;
/** A store that ran this long before dying is restarted from the first delay again. */
const RESTART_RESET_AFTER_MS = 30_000;

/**
 * Starts the store and resolves once it accepts connections.
 *
 * While running, the child does not keep the Node event loop alive: if the parent exits without
 * calling stop(), the child's stdin closes and it shuts itself down.
 *
 * With `supervise`, a store process that dies unexpectedly is started again on the same data and
 * the same socket (so the same URI: the driver reconnects by itself), with exponential backoff,
 * until stop().
 */
export async function startEmbeddedStore(opts: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const onProgress = opts.onProgress ?? defaultProgress;
  const { signal } = opts;
  const binary = await ensureEmbeddedStoreBinary({ onProgress, signal });
  if (signal?.aborted) throw abortReason(signal);

  const dataDir = path.resolve(opts.dataDir, "store");
  // The store's files hold every run and key hash: readable by this user only.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const listenArgs = (opts.listen ?? "unix") === "unix" ? ["--listen-unix", await socketPath(dataDir)] : ["--listen", "127.0.0.1:0"];
  const args = ["--data-dir", dataDir, ...listenArgs, "--log-level", "warn", "--sync", opts.sync ?? "normal"];

  let current = await launch(binary, args, signal);
  const uri = current.uri;
  let stopping: Promise<void> | undefined;
  // Aborts a restart in progress when stop() is called.
  const supervision = new AbortController();
  let restartTimer: NodeJS.Timeout | undefined;
  let delay = RESTART_FIRST_DELAY_MS;

  const restart = (attempt: number): void => {
    onProgress(`embedded store: restarting it on the same data in ${delay} ms (attempt ${attempt})`);
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (stopping) return;
      launch(binary, args, supervision.signal).then(
        async (next) => {
          if (stopping) {
            await stopProcess(next);
            return;
          }
          current = next;
          // TCP listens on a new free port each time; only a Unix socket keeps the URI the driver holds.
          const same = next.uri === uri ? "" : ` at a different address (${next.uri}); clients of ${uri} cannot reach it`;
          onProgress(`embedded store: restarted (attempt ${attempt})${same}`);
          watch(next);
        },
        (err: unknown) => {
          if (stopping) return;
          onProgress(`embedded store: restart attempt ${attempt} failed: ${err instanceof Error ? err.message : String(err)}`);
          delay = Math.min(delay * 2, RESTART_MAX_DELAY_MS);
          restart(attempt + 1);
        },
      );
    }, delay);
    // The restart alone must not keep a process alive whose servers have gone.
    restartTimer.unref();
  };

  const watch = (proc: StoreProcess): void => {
    const startedAt = Date.now();
    proc.child.once("exit", (code, sig) => {
      if (stopping) return;
      // Nobody awaits a running store, so an unexpected crash is only visible through this line.
      const how = sig ? `was killed by ${sig}` : `exited with code ${String(code)}`;
      onProgress(`embedded store: ${how} unexpectedly${formatTail(proc.stderr, "stderr")}`);
      if (!opts.supervise) return;
      if (Date.now() - startedAt >= RESTART_RESET_AFTER_MS) delay = RESTART_FIRST_DELAY_MS;
      else if (proc !== first) delay = Math.min(delay * 2, RESTART_MAX_DELAY_MS);
      restart(1);
    });
    setStdioRef(proc.child, false);
  };
  const first = current;
  watch(current);

  return {
    uri,
    stop(): Promise<void> {
      stopping ??= (async () => {
        clearTimeout(restartTimer);
        supervision.abort(new Error("the embedded store is stopping"));
        await stopProcess(current);
      })();
      return stopping;
    },
  };
}

/** Spawns the store and resolves once it printed its ready line. */
async function launch(binary: string, args: string[], signal: AbortSignal | undefined): Promise<StoreProcess> {
  const stderr = new LineTail(STDERR_TAIL_LINES);
  // stdin stays an open pipe for the child's lifetime: the child exits when it reaches EOF, which
  // is what ties its life to ours even if we die from SIGKILL.
  const child = spawn(binary, args, { stdio: ["pipe", "pipe", "pipe"] });
  // Both pipes are drained for the child's whole life so it can never block on a full pipe.
  if (child.stderr) createInterface({ input: child.stderr }).on("line", (l) => stderr.push(l));
  // An EPIPE on stdin only means the child is gone, which the exit handlers already report.
  child.stdin?.on("error", () => {});

  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      child.stdin?.destroy();
      resolve();
    });
    // A spawn failure emits 'error' but never 'exit'; a persistent listener also keeps a later
    // failed kill() from surfacing as an unhandled 'error' event.
    child.on("error", () => resolve());
  });

  const uri = await waitForReady(child, stderr, binary, signal);
  return { child, exited, stderr, uri };
}

async function stopProcess({ child, exited }: StoreProcess): Promise<void> {
  if (hasExited(child)) return;
  // Re-ref so the event loop stays alive until the exit event that this promise waits on.
  setStdioRef(child, true);
  child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
  });
  const graceful = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (graceful && !hasExited(child)) {
    child.kill("SIGKILL");
    await exited;
  }
}

/** In the owner-only store folder; where that path is too long, in a new owner-only temporary folder. */
async function socketPath(storeDir: string): Promise<string> {
  const inStore = path.join(storeDir, "store.sock");
  if (Buffer.byteLength(inStore) <= MAX_SOCKET_PATH) return inStore;
  const dir = await mkdtemp(path.join(tmpdir(), "flowgate-store-"));
  await chmod(dir, 0o700);
  return path.join(dir, "store.sock");
}

function waitForReady(child: ChildProcess, stderr: LineTail, binary: string, signal: AbortSignal | undefined): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      if (!hasExited(child)) child.kill("SIGKILL");
      reject(err);
    };
    const describe = (what: string): Error => new Error(`embedded store: ${what}${formatTail(stderr, "embedded-store stderr")}`);

    const onAbort = (): void => fail(abortReason(signal as AbortSignal));
    const onError = (err: Error): void => fail(describe(`cannot start ${binary}: ${err.message}`));
    // Waiting for stdout to close (not just 'exit') lets the stderr tail fill in first.
    const onClose = (code: number | null, sig: NodeJS.Signals | null): void => {
      const how = sig ? `was killed by ${sig}` : `exited with code ${String(code)}`;
      fail(describe(`${how} before it was ready`));
    };
    const timer = setTimeout(() => fail(describe(`not ready after ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);

    const lines = child.stdout ? createInterface({ input: child.stdout }) : undefined;
    const onLine = (line: string): void => {
      if (settled || !line.startsWith("ready ")) return;
      const uri = line.slice("ready ".length).trim();
      if (!uri.startsWith("mongodb://")) {
        fail(describe(`printed an unexpected ready line: ${line}`));
        return;
      }
      settled = true;
      cleanup();
      resolve(uri);
    };

    function cleanup(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      child.off("error", onError);
      child.off("close", onClose);
      // The interface is kept (not closed) so stdout continues to be drained after startup.
      lines?.off("line", onLine);
    }

    lines?.on("line", onLine);
    child.once("error", onError);
    child.once("close", onClose);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (!lines) fail(describe("has no stdout pipe"));
  });
}
