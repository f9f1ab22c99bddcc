// The repo-local Python environment (.venv) the Python client's tests and lint run in: created and
// filled with the client, its pinned test dependencies and its lint tools (ruff, mypy and the type
// stubs) when missing, so `npm test` and `npm run lint` work on a fresh machine with nothing but
// Python 3 installed. A stamp records what was installed; a change re-installs.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const venv = join(root, ".venv");
export const venvPython = join(venv, "bin", "python");
const stamp = join(venv, ".flowgate-python-client");
const client = join(root, "clients", "python");
const constraints = join(client, "constraints.txt");
const inputs = [constraints, join(client, "pyproject.toml")];

function wanted() {
  const hash = createHash("sha256");
  for (const f of inputs) hash.update(readFileSync(f));
  return hash.digest("hex");
}

export function ensurePythonEnv(log = (line) => console.error(line)) {
  const want = wanted();
  if (existsSync(venvPython) && existsSync(stamp) && readFileSync(stamp, "utf8") === want) return venvPython;
  const started = Date.now();
  if (!existsSync(venvPython)) {
    log("python env: creating .venv");
    execFileSync("python3", ["-m", "venv", venv], { stdio: "inherit" });
  }
  log("python env: installing the Python client and its pinned test and lint dependencies into .venv");
  execFileSync(
    venvPython,
    ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c", constraints, "-e", `${client}[test,lint]`],
    { stdio: "inherit" },
  );
  writeFileSync(stamp, want);
  log(`python env: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return venvPython;
}

if (import.meta.url === `file://${process.argv[1]}`) ensurePythonEnv();
