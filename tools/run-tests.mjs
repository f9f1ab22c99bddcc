// `npm test`: every test of the repository against one store. Unless FLOWGATE_MONGODB_URI names a
// MongoDB, it builds (first time only) and starts the embedded store, shares it with every test file,
// and stops it at the end. Test files: server/src/**/*.test.ts and test/**/*.test.ts; then, with no files
// named, the Go and Python clients' tests (go test in clients/go, pytest from .venv in clients/python).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ensurePythonEnv } from "./python-env.mjs";

const roots = ["server/src", "test"];
const only = process.argv.slice(2);

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === "node_modules" || name === "gen") continue;
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const files = only.length > 0 ? only : roots.flatMap(findTests).sort();
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}

// Before any test: the cross-language tests (C04) run Python from .venv too.
ensurePythonEnv();

let store;
let dataDir;
const env = { ...process.env };
if (!env.FLOWGATE_MONGODB_URI) {
  // tsx lets this plain .mjs runner reuse the server's TypeScript launcher.
  const { register } = await import("tsx/esm/api");
  register();
  const { startEmbeddedStore } = await import("../server/src/embedded-store/launcher.ts");
  dataDir = mkdtempSync(join(tmpdir(), "flowgate-test-store-"));
  const started = Date.now();
  store = await startEmbeddedStore({ dataDir, onProgress: (line) => console.error(line) });
  console.error(`test store: embedded FerretDB at ${store.uri} (ready in ${Date.now() - started} ms)`);
  env.FLOWGATE_MONGODB_URI = `${store.uri}?directConnection=true`;
} else {
  console.error("test store: FLOWGATE_MONGODB_URI");
}

// A per-test timeout and --test-force-exit: a failing test that leaves a handle open must fail the
// run, not hang it until CI's time limit.
console.error(`running ${files.length} test files: ${files.map((f) => relative(".", f)).join(", ")}`);
const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", "--test-concurrency=2", "--test-timeout=300000", "--test-force-exit", ...files], {
  stdio: "inherit",
  env,
});
const exitCode = (c) =>
  new Promise((resolve) => {
    c.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    c.on("error", () => resolve(1)); // e.g. the command is missing
  });
let code = await exitCode(child);
// The Python and Go clients' suites (C01-C03), on the same store, when no test files were named.
// Each starts its own server; pytest runs from the repo's .venv (see .ci/run for how it is installed).
if (only.length === 0) {
  const clientSuites = [
    { name: "go test (clients/go)", cwd: join("clients", "go"), cmd: "go", args: ["test", "-count=1", "./..."] },
    { name: "pytest (clients/python)", cwd: join("clients", "python"), cmd: join(process.cwd(), ".venv", "bin", "python"), args: ["-m", "pytest", "-q"] },
  ];
  for (const suite of clientSuites) {
    console.error(`running ${suite.name}`);
    const c = spawn(suite.cmd, suite.args, { cwd: suite.cwd, stdio: "inherit", env });
    c.on("error", (err) => console.error(`${suite.name}: ${err.message} (see .ci/run for the install steps)`));
    const suiteCode = await exitCode(c);
    if (suiteCode !== 0) console.error(`${suite.name} failed (exit ${suiteCode})`);
    code ||= suiteCode;
  }
}
await store?.stop();
if (dataDir) rmSync(dataDir, { recursive: true, force: true });
process.exit(code);
