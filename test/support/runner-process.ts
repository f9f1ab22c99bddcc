/**
 * A runner (a script calling serve()) in a child process, whose output — its own lines and those of
 * the flow processes it starts, which inherit its stdout/stderr — tests read. That it serves is not
 * read from a line: the script reports serve()'s `onReady` over the IPC channel (see RunnerReady).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { withApiKey } from "./api-keys.js";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** What a runner script sends (process.send) once serve() is ready. */
export interface RunnerReady {
  type: "runner-ready";
  /** "flow/deployment" names. */
  deployments: string[];
}

function isRunnerReady(message: unknown): message is RunnerReady {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === "runner-ready";
}

/** For runner scripts: serve()'s `onReady` option, reporting readiness to the test that started it. */
export function reportReady(ready: { deployments: { flowName: string; name: string }[] }): void {
  const message: RunnerReady = { type: "runner-ready", deployments: ready.deployments.map((d) => `${d.flowName}/${d.name}`) };
  process.send?.(message);
}

export interface RunnerProcess {
  child: ChildProcess;
  /** Resolves with the served deployments once serve() in the script is ready (see reportReady). */
  ready(signal?: AbortSignal): Promise<string[]>;
  /** Everything printed so far (stdout and stderr, interleaved as received). */
  output(): string;
  /** Resolves with the first match of `pattern` in the output, now or once it is printed. */
  waitFor(pattern: RegExp, signal?: AbortSignal): Promise<RegExpMatchArray>;
  /** SIGTERM (a graceful stop), then the exit code. */
  stop(): Promise<number | null>;
}

export function startRunnerProcess(script: string, env: Record<string, string>): RunnerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: REPO,
    env: withApiKey({ ...process.env, ...env }),
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let out = "";
  const ready = new Promise<string[]>((resolve, reject) => {
    child.on("message", (m: unknown) => {
      if (isRunnerReady(m)) resolve(m.deployments);
    });
    child.once("exit", (code) => reject(new Error(`runner exited (code ${code ?? "?"}) before it was ready:\n${out}`)));
  });
  ready.catch(() => undefined);
  const listeners = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const l of [...listeners]) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => {
    for (const l of [...listeners]) l();
  });
  return {
    child,
    ready: (signal) =>
      new Promise<string[]>((resolve, reject) => {
        const onAbort = (): void => reject(new Error(`runner not ready: ${String(signal?.reason)}\n${out}`));
        signal?.addEventListener("abort", onAbort, { once: true });
        ready.then(resolve, reject).finally(() => signal?.removeEventListener("abort", onAbort));
      }),
    output: () => out,
    waitFor: (pattern, signal) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const m = out.match(pattern);
          if (m) {
            done();
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`runner exited before printing ${pattern}:\n${out}`));
          }
        };
        const onAbort = (): void => {
          done();
          reject(new Error(`${pattern} not printed: ${String(signal?.reason)}\n${out}`));
        };
        const done = (): void => {
          listeners.delete(check);
          signal?.removeEventListener("abort", onAbort);
        };
        listeners.add(check);
        signal?.addEventListener("abort", onAbort, { once: true });
        check();
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/**
 * Runs `body`; if it throws, the error also carries the end of the runner's output (the runner's and its
 * flows' lines), without which a wait that timed out says nothing of why. Bounded: a report holding a
 * whole output once kept node's test runner formatting it for over an hour.
 */
export async function showingOutputOnFailure<T>(runner: RunnerProcess, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const tail = runner.output().slice(-4_000);
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}\n--- the runner's output, last ${tail.length} characters:\n${tail}`, { cause: err });
  }
}

/** Whether a process with this pid still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
