/** Runs the `flowgate` CLI from source (tsx) in a child process, as a user would. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ScriptResult } from "./sdk-process.js";
import { withApiKey } from "./api-keys.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = "client-sdk/src/cli/main.ts";

export interface CliRun {
  /** Resolves when the CLI exits. */
  done: Promise<ScriptResult>;
  /** Resolves with stdout so far once it contains `text`. */
  stdoutIncludes(text: string): Promise<string>;
}

/** Starts `flowgate ...args` against `address`; the signal kills it (a test's deadline). */
export function startCli(address: string, args: string[], opts: { env?: Record<string, string>; signal?: AbortSignal } = {}): CliRun {
  const env: NodeJS.ProcessEnv = withApiKey({ ...process.env, FLOWGATE_API_ADDRESS: address, ...opts.env });
  // Colours are tested explicitly; the test runner's own FORCE_COLOR must not leak in.
  if (!opts.env?.["FORCE_COLOR"]) delete env["FORCE_COLOR"];
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: REPO,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  let stdout = "";
  let stderr = "";
  const waiters: Array<{ text: string; resolve: (s: string) => void }> = [];
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    for (const w of waiters.filter((w) => stdout.includes(w.text))) w.resolve(stdout);
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<ScriptResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    done,
    stdoutIncludes: (text) =>
      stdout.includes(text)
        ? Promise.resolve(stdout)
        : Promise.race([
            new Promise<string>((resolve) => waiters.push({ text, resolve })),
            done.then((r) => Promise.reject(new Error(`the CLI exited (${r.code}) before printing "${text}":\n${r.stdout}\n${r.stderr}`))),
          ]),
  };
}

/** Runs `flowgate ...args` to its end. */
export function runCli(
  address: string,
  args: string[],
  opts: { env?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<ScriptResult> {
  return startCli(address, args, opts).done;
}
