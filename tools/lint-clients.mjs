// Lint for the Python and Go clients, run by `npm run lint` (or `node tools/lint-clients.mjs`).
// - Python (clients/python, src and tests; the generated flowgate/gen excluded in pyproject.toml):
//   ruff check, ruff format --check, mypy --strict. ruff and mypy come pinned into .venv through
//   tools/python-env.mjs (clients/python/constraints.txt).
// - Go (clients/go, every package but the generated gen/...): go vet and staticcheck, installed at a
//   pinned version into .tools/bin (gitignored) when missing or at another version.
// Every check runs even when an earlier one failed, so one run shows every finding; the exit status
// is non-zero when any check found something.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensurePythonEnv } from "./python-env.mjs";

export const STATICCHECK_VERSION = "v0.8.2";

const root = resolve(import.meta.dirname, "..");
const toolsBin = join(root, ".tools", "bin");
const staticcheck = join(toolsBin, "staticcheck");
const pythonDir = join(root, "clients", "python");
const goDir = join(root, "clients", "go");

/** Installs staticcheck into .tools/bin unless the pinned version is there. */
function ensureStaticcheck() {
  // "staticcheck 2026.2.2 (0.8.2)"
  const have = existsSync(staticcheck)
    ? spawnSync(staticcheck, ["-version"], { encoding: "utf8" }).stdout?.match(/\((v?[\d.]+)\)/)?.[1]
    : undefined;
  if (have?.replace(/^v/, "") === STATICCHECK_VERSION.replace(/^v/, "")) return;
  console.error(`lint: installing staticcheck@${STATICCHECK_VERSION} into .tools/bin`);
  mkdirSync(toolsBin, { recursive: true });
  execFileSync("go", ["install", `honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}`], {
    stdio: "inherit",
    env: { ...process.env, GOBIN: toolsBin, GOFLAGS: "" },
  });
}

/** The Go client's packages, without the generated ones. */
function goPackages() {
  const out = execFileSync("go", ["list", "./..."], { cwd: goDir, encoding: "utf8" });
  return out.split("\n").filter((p) => p && !p.includes("/gen/"));
}

function check(name, cmd, args, cwd) {
  console.error(`lint: ${name}`);
  const { status, error } = spawnSync(cmd, args, { cwd, stdio: "inherit" });
  if (error) console.error(`lint: ${name}: ${error.message}`);
  return status === 0 && !error;
}

/** Runs every check; true when none found anything. */
export function lintClients() {
  const python = ensurePythonEnv();
  const venvBin = join(python, "..");
  ensureStaticcheck();
  const packages = goPackages();
  const results = [
    check("ruff check (clients/python)", join(venvBin, "ruff"), ["check", "--no-cache", "."], pythonDir),
    check("ruff format --check (clients/python)", join(venvBin, "ruff"), ["format", "--check", "--no-cache", "."], pythonDir),
    check("mypy --strict (clients/python)", python, ["-m", "mypy", "--strict"], pythonDir),
    check("go vet (clients/go)", "go", ["vet", ...packages], goDir),
    check(`staticcheck ${STATICCHECK_VERSION} (clients/go)`, staticcheck, packages, goDir),
  ];
  return results.every(Boolean);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!lintClients()) {
    console.error("lint: the clients have findings (above)");
    process.exit(1);
  }
}
