/** Runs an SDK script in a child process (tsx), for behaviour that ends or outlives a process. */
import { spawn } from "node:child_process";
import { withApiKey } from "./api-keys.js";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

export interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` (a path relative to the repository) to its end. */
export function runScript(script: string, env: Record<string, string>, signal?: AbortSignal): Promise<ScriptResult> {
  return runProcess(process.execPath, ["--import", "tsx", script], { cwd: REPO, env: withApiKey({ ...process.env, ...env }), signal });
}

/** Runs `file` with `args` to its end, collecting what it prints. */
export function runProcess(
  file: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal | undefined },
): Promise<ScriptResult> {
  const child = spawn(file, [...args], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, sig) => resolve({ code, signal: sig, stdout, stderr }));
  });
}
