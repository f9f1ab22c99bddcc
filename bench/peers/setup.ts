/**
 * Sets the peers up on first use and says so: a venv with Prefect and Temporal's Python SDK
 * (requirements.txt), and Temporal's dev server built with `go install`, both in a per-user cache
 * (~/.cache/flowgate/peers) that every clone and later run reuse. The venv stays out of the checkout
 * because eslint, tsc and prettier walk the repository and its thousands of files would reach them.
 * A peer that cannot be set up comes back as a reason.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const HERE = import.meta.dirname;
/** `@latest` (v1.9.1) refuses `go install` because of a replace directive; v1.5.1 installs (Server 1.29.1). */
export const TEMPORAL_CLI = "github.com/temporalio/cli/cmd/temporal@v1.5.1";
const CACHE = join(process.env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"), "flowgate", "peers");
const VENV = join(CACHE, "venv");
export const VENV_PYTHON = join(VENV, "bin", "python");
export const TEMPORAL_BIN = join(CACHE, "bin", "temporal");

export type Setup = { ok: true } | { ok: false; reason: string };

const progress = (line: string): void => console.error(`peers: ${line}`);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { ok: boolean; output: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", env, maxBuffer: 64 * 1024 * 1024 });
  const output = `${r.error?.message ?? ""}${r.stdout ?? ""}${r.stderr ?? ""}`;
  return { ok: r.status === 0 && !r.error, output };
}

const lastLine = (text: string): string => text.trim().split("\n").at(-1) ?? "";

/** The venv both Python peers run in, reinstalled when requirements.txt changes. */
export function ensureVenv(): Setup {
  const wanted = readFileSync(join(HERE, "requirements.txt"), "utf8");
  const stamp = join(VENV, "installed-requirements.txt");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) return { ok: true };
  const python = process.env["FLOWGATE_PEERS_PYTHON"] ?? "python3";
  const v = run(python, ["-c", "import sys; assert sys.version_info >= (3, 10), sys.version"]);
  if (!v.ok) return { ok: false, reason: `no Python ≥ 3.10 as ${python} (${lastLine(v.output)})` };
  progress(
    `installing ${wanted
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .join(", ")} into ${VENV} (a minute or two, once)`,
  );
  const t0 = performance.now();
  if (!existsSync(VENV_PYTHON)) {
    const made = run(python, ["-m", "venv", VENV]);
    if (!made.ok) return { ok: false, reason: `python -m venv failed: ${lastLine(made.output)}` };
  }
  const pip = run("nice", ["-n", "10", VENV_PYTHON, "-m", "pip", "install", "-q", "-r", join(HERE, "requirements.txt")]);
  if (!pip.ok) return { ok: false, reason: `pip install failed: ${lastLine(pip.output)}` };
  writeFileSync(stamp, wanted);
  progress(`venv ready in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return { ok: true };
}

/** Temporal's dev server, built once with `go install` (about 25 minutes on a 2-core machine with a cold module cache). */
export function ensureTemporal(): Setup {
  if (existsSync(TEMPORAL_BIN)) return { ok: true };
  const go = run("go", ["version"]);
  if (!go.ok) return { ok: false, reason: `Temporal's dev server is built with go install, and there is no Go (${lastLine(go.output)})` };
  progress(`building Temporal's dev server: go install ${TEMPORAL_CLI} into ${join(CACHE, "bin")}`);
  progress("this takes about 25 minutes on a 2-core machine with an empty Go module cache (once: every clone reuses it)");
  mkdirSync(join(CACHE, "bin"), { recursive: true });
  const t0 = performance.now();
  const built = run("nice", ["-n", "10", "go", "install", TEMPORAL_CLI], { ...process.env, GOBIN: join(CACHE, "bin"), GOFLAGS: "" });
  if (!built.ok) return { ok: false, reason: `go install ${TEMPORAL_CLI} failed: ${lastLine(built.output)}` };
  progress(`Temporal's dev server built in ${((performance.now() - t0) / 60_000).toFixed(1)} min`);
  return { ok: true };
}
