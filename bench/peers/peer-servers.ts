/**
 * The peers' servers as child processes of this one (Temporal's dev server on a SQLite file, Prefect's
 * `server start` on its SQLite default), and the Python scripts that drive them. Each script prints
 * its progress on stderr and its raw samples as JSON on stdout's last line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { rssBytes } from "../support.js";
import { TEMPORAL_BIN, VENV_PYTHON } from "./setup.js";

export interface PeerServer {
  pid: number;
  /** Temporal: the gRPC "host:port"; Prefect: the API URL. */
  address: string;
  /** Environment for the Python peer (Prefect's API URL and home). */
  env: Record<string, string>;
  /** Rejects, with the server's last lines, if it exits before stop(). */
  exited: Promise<never>;
  stop(): Promise<void>;
}

/** Process ids of `pid`'s children, from /proc (Linux). */
function childPids(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
    readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").split(" ").filter(Boolean).map(Number),
  );
}

/** The descendants of `pid` whose command name is `comm`. */
export function descendantsNamed(pid: number, comm: string): number[] {
  const found: number[] = [];
  for (const child of childPids(pid)) {
    if (readFileSync(`/proc/${child}/comm`, "utf8").trim() === comm) found.push(child);
    found.push(...descendantsNamed(child, comm));
  }
  return found;
}

export function totalRss(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once("exit", () => r())));
  return async () => {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
}

function exitReason(child: ChildProcess, output: () => string): Promise<never> {
  return new Promise((_, reject) =>
    child.once("exit", (code) => reject(new Error(`the server exited with ${code}: ${output().trim().split("\n").slice(-3).join(" | ")}`))),
  );
}

export async function startTemporal(): Promise<PeerServer> {
  const dir = mkdtempSync(join(tmpdir(), "flowgate-peers-temporal-"));
  const port = await freePort();
  const args = [
    "server",
    "start-dev",
    "--headless",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--db-filename",
    join(dir, "temporal.db"),
  ];
  const child = spawn(TEMPORAL_BIN, args, { stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = exitReason(child, () => output);
  exited.catch(() => undefined);
  // The Python peer retries its connection until the server takes workflows.
  return { pid: child.pid!, address: `127.0.0.1:${port}`, env: {}, exited, stop: stopper(child, dir) };
}

export async function startPrefect(): Promise<PeerServer> {
  const dir = mkdtempSync(join(tmpdir(), "flowgate-peers-prefect-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/api`;
  const env = {
    PREFECT_HOME: dir,
    PREFECT_API_URL: url,
    PREFECT_SERVER_ANALYTICS_ENABLED: "false",
    PREFECT_UI_ENABLED: "false",
    PREFECT_LOGGING_LEVEL: "WARNING",
  };
  const prefect = join(VENV_PYTHON, "..", "prefect");
  const child = spawn(prefect, ["server", "start", "--host", "127.0.0.1", "--port", String(port)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  for (const s of [child.stdout, child.stderr]) s.on("data", (d: Buffer) => (output += d.toString()));
  const exited = exitReason(child, () => output);
  exited.catch(() => undefined);
  const stop = stopper(child, dir);
  const healthy = (async () => {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const ok = await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error("no answer on /api/health within 120 s");
  })();
  try {
    await Promise.race([healthy, exited]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { pid: child.pid!, address: url, env, exited, stop };
}

/** Runs a Python peer script to its end (killed after `timeoutMs`); its JSON result, or an error with its last lines. */
export async function runPythonPeer(script: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<unknown> {
  const child = spawn(VENV_PYTHON, [join(import.meta.dirname, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const timer = setTimeout(() => {
    stderr.push(`killed after ${timeoutMs / 60_000} min`);
    child.kill("SIGKILL");
  }, timeoutMs);
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on("line", (line) => {
    stderr.push(line);
    if (line.startsWith("  ")) console.error(line); // the script's progress lines; the rest only on failure
  });
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((r) => child.once("close", r));
  clearTimeout(timer);
  const last = stdout.trim().split("\n").at(-1) ?? "";
  if (code !== 0 || !last.startsWith("{")) {
    const why = stderr
      .filter((l) => l.trim())
      .slice(-3)
      .join(" | ");
    throw new Error(`${script} exited with ${code}: ${why}`);
  }
  return JSON.parse(last);
}
