// `npm test`: every test of the repository against one store. Unless FLOWGATE_MONGODB_URI names a
// MongoDB, it builds (first time only) and starts the embedded store, shares it with every test file,
// and stops it at the end. Test files: server/src/**/*.test.ts and test/**/*.test.ts.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

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

let store;
let dataDir;
const env = { ...process.env };
if (!env.FLOWGATE_MONGODB_URI) {
  // tsx lets this plain .mjs runner reuse the server's TypeScript launcher.
  const { register } = await import("tsx/esm/api");
  register();
  const { startEmbeddedStore } = await import("../server/src/store/embedded-store.ts");
  dataDir = mkdtempSync(join(tmpdir(), "flowgate-test-store-"));
  const started = Date.now();
  store = await startEmbeddedStore({ dataDir, onProgress: (line) => console.error(line) });
  console.error(`test store: embedded FerretDB at ${store.uri} (ready in ${Date.now() - started} ms)`);
  env.FLOWGATE_MONGODB_URI = `${store.uri}?directConnection=true`;
} else {
  console.error("test store: FLOWGATE_MONGODB_URI");
}

console.error(`running ${files.length} test files: ${files.map((f) => relative(".", f)).join(", ")}`);
const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", "--test-concurrency=2", ...files], {
  stdio: "inherit",
  env,
});
const code = await new Promise((resolve) => child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await store?.stop();
if (dataDir) rmSync(dataDir, { recursive: true, force: true });
process.exit(code);
