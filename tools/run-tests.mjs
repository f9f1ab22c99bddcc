// `npm test`: every test of the repository against one store. Unless FLOWGATE_MONGODB_URI names a
// MongoDB, it builds (first time only) and starts the embedded store, shares it with every test file,
// and stops it at the end. Test files: server/src/**/*.test.ts and test/**/*.test.ts; then, with no files
// named, the Go and Python clients' tests (go test in clients/go, pytest from .venv in clients/python).
// FLOWGATE_STORE_COMPAT=mongodb|ferretdb forces the store strategy of every server the run starts.
// `--fuzz` runs only the fuzz suite (test/fuzz), without a per-test time limit, and `--runs N` sets its
// number of cases (FLOWGATE_FUZZ_RUNS; about 2,000 otherwise): `npm run test:fuzz -- --runs 100000`.
// `--faults` runs only the fault suite (test/faults), and `--long` runs it at the issue's figures (1,000
// paused runs, 1,000-way races; FLOWGATE_FAULTS_LONG=1) without a per-test time limit:
// `npm run test:faults -- --long`. `npm test` runs the fault suite at its bounded size.
// Where a container runtime is found (tools/container-runtime.ts) and no FLOWGATE_MONGODB_URI is given,
// the store, server and fault suites (test/server, test/faults) then run again against a MongoDB replica
// set started with @testcontainers/mongodb, under the mongodb strategy; without one, a line says so.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { ensurePythonEnv } from "./python-env.mjs";

const roots = ["server/src", "test"]; // test/ holds test/fuzz too: npm test runs its bounded amount
const FUZZ_ROOT = join("test", "fuzz");
const FAULTS_ROOT = join("test", "faults");
/** The MongoDB the container path runs: a current major, started by testcontainers as a one-member replica set. */
const MONGODB_IMAGE = "mongo:8.0";
const args = process.argv.slice(2);
const fuzz = takeFlag(args, "--fuzz");
const fuzzRuns = takeOption(args, "--runs");
const faults = takeFlag(args, "--faults");
const long = takeFlag(args, "--long");
if (long) process.env.FLOWGATE_FAULTS_LONG = "1";
if (fuzzRuns !== undefined && !/^[1-9]\d*$/.test(fuzzRuns)) {
  console.error(`--runs takes a positive number of cases, not "${fuzzRuns}"`);
  process.exit(2);
}
if (fuzzRuns !== undefined) process.env.FLOWGATE_FUZZ_RUNS = fuzzRuns;
const only = args.length > 0 ? args : fuzz ? findTests(FUZZ_ROOT) : faults ? findTests(FAULTS_ROOT) : [];
const runClientSuites = args.length === 0 && !fuzz && !faults;

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

const COMPATS = ["mongodb", "ferretdb"];
if (process.env.FLOWGATE_STORE_COMPAT && !COMPATS.includes(process.env.FLOWGATE_STORE_COMPAT)) {
  console.error(`FLOWGATE_STORE_COMPAT must be one of ${COMPATS.join(", ")}, not "${process.env.FLOWGATE_STORE_COMPAT}"`);
  process.exit(2);
}

// tsx lets this plain .mjs runner reuse the server's TypeScript launcher and tools/*.ts.
const { register } = await import("tsx/esm/api");
register();

// Before any test: the cross-language tests (C04) run Python from .venv too.
ensurePythonEnv();

let store;
let dataDir;
const env = { ...process.env };
const userStore = Boolean(env.FLOWGATE_MONGODB_URI);
if (!userStore) {
  const { startEmbeddedStore } = await import("../server/src/embedded-store/launcher.ts");
  dataDir = mkdtempSync(join(tmpdir(), "flowgate-test-store-"));
  const started = Date.now();
  store = await startEmbeddedStore({ dataDir, onProgress: (line) => console.error(line) });
  console.error(`test store: embedded FerretDB at ${store.uri} (ready in ${Date.now() - started} ms)`);
  env.FLOWGATE_MONGODB_URI = `${store.uri}?directConnection=true`;
  env.FLOWGATE_TEST_STORE = "embedded";
} else {
  console.error("test store: FLOWGATE_MONGODB_URI");
}
console.error(
  `store strategy: ${env.FLOWGATE_STORE_COMPAT ? `${env.FLOWGATE_STORE_COMPAT} (FLOWGATE_STORE_COMPAT)` : "as each server detects it"}`,
);
if (!userStore && env.FLOWGATE_STORE_COMPAT === "mongodb") {
  // The limit the store-strategies test documents: FerretDB v1 does not apply a filtered update atomically.
  console.error(
    "store strategy: mongodb on the embedded FerretDB, whose filtered updates are not atomic: tests of concurrent writers are expected to fail",
  );
}

// A per-test timeout and --test-force-exit: a failing test that leaves a handle open must fail the
// run, not hang it until CI's time limit.
console.error(`running ${files.length} test files: ${files.map((f) => relative(".", f)).join(", ")}`);
const NODE_TEST_ARGS = [
  "--import",
  "tsx",
  "--test",
  "--test-reporter=spec",
  "--test-concurrency=2",
  // A long fuzz or fault run takes as long as its cases do.
  ...(fuzz || long ? [] : ["--test-timeout=300000"]),
  "--test-force-exit",
];
const child = spawn(process.execPath, [...NODE_TEST_ARGS, ...files], {
  stdio: "inherit",
  env,
});
const exitCode = (c) =>
  new Promise((resolve) => {
    c.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    c.on("error", () => resolve(1)); // e.g. the command is missing
  });
let code = await exitCode(child);

// The store, server and fault suites again, on a real MongoDB replica set, where a container runtime is present.
if (!userStore && !fuzz && !faults) {
  const serverSuites = files.filter((f) => [join("test", "server"), FAULTS_ROOT].some((root) => relative(".", f).startsWith(root + sep)));
  const { findContainerRuntime } = await import("./container-runtime.ts");
  const runtime = findContainerRuntime();
  if (!runtime.found) console.error(runtime.message);
  else if (serverSuites.length > 0) code ||= await runOnMongoContainer(runtime, serverSuites);
}
// The Python and Go clients' suites (C01-C03), on the same store, when no test files were named.
// Each starts its own server; pytest runs from the repo's .venv (see .ci/run for how it is installed).
if (runClientSuites) {
  const clientSuites = [
    { name: "go test (clients/go)", cwd: join("clients", "go"), cmd: "go", args: ["test", "-count=1", "./..."] },
    {
      name: "pytest (clients/python)",
      cwd: join("clients", "python"),
      cmd: join(process.cwd(), ".venv", "bin", "python"),
      args: ["-m", "pytest", "-q"],
    },
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

function takeFlag(list, name) {
  const i = list.indexOf(name);
  if (i >= 0) list.splice(i, 1);
  return i >= 0;
}

function takeOption(list, name) {
  const i = list.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  const [arg] = list.splice(i, 1);
  if (arg.includes("=")) return arg.slice(name.length + 1);
  return list.splice(i, 1)[0] ?? "";
}

async function runOnMongoContainer(runtime, suites) {
  // testcontainers reads DOCKER_HOST when it loads; a socket found elsewhere (Podman, Colima) is named here.
  process.env.DOCKER_HOST ??= runtime.dockerHost;
  const { MongoDBContainer } = await import("@testcontainers/mongodb");
  const started = Date.now();
  let container;
  try {
    container = await new MongoDBContainer(MONGODB_IMAGE).start();
  } catch (err) {
    console.error(
      `container runtime at ${runtime.via}: could not start ${MONGODB_IMAGE}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return 1;
  }
  try {
    // A one-member replica set whose member is known by a name inside the container: connect directly.
    const base = container.getConnectionString().split("?")[0].replace(/\/$/, "");
    const uri = `${base}/?directConnection=true`;
    console.error(
      `test store: MongoDB replica set (${MONGODB_IMAGE}, testcontainers via ${runtime.via}) at ${uri}, ready in ${Date.now() - started} ms`,
    );
    console.error(`running ${suites.length} test files on it under the mongodb strategy`);
    const c = spawn(process.execPath, [...NODE_TEST_ARGS, ...suites], {
      stdio: "inherit",
      env: { ...env, FLOWGATE_MONGODB_URI: uri, FLOWGATE_STORE_COMPAT: "mongodb", FLOWGATE_TEST_STORE: "mongodb-container" },
    });
    const suiteCode = await exitCode(c);
    if (suiteCode !== 0) console.error(`the suites on the MongoDB replica set failed (exit ${suiteCode})`);
    return suiteCode;
  } finally {
    await container.stop();
  }
}
