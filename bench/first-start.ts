/**
 * A newcomer's first start, from nothing: a fresh clone of this repository's HEAD, then
 * `npm ci && npm start` with every cache empty (npm's, Go's module and build caches, Flowgate's store
 * cache), until the server prints its web UI address. Prints the seconds of each step as
 * `npm start` reports them, and the total. Your own caches are left alone: each run uses new
 * temporary folders and deletes them after.
 *
 *   npm run bench:first-start        (FLOWGATE_BENCH_ROUNDS=1 by default; one round is 1–3 minutes)
 *
 * Measure on an idle machine: the Go build of SQLite takes one core for about a minute, so anything
 * else running shows in the figure.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { machine } from "./support.js";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const ROUNDS = Number(process.env["FLOWGATE_BENCH_ROUNDS"] ?? 1);
/** Longer than any first start measured here (326 s on a machine loaded to 17). */
const GIVE_UP_MS = 15 * 60_000;

interface Round {
  npmCiS: number;
  startS: number;
  buildS?: number;
  storeS?: number;
  load: string;
}

const rounds: Round[] = [];
for (let i = 0; i < ROUNDS; i++) rounds.push(await oneRound(i + 1));

console.log(`\nmachine: ${machine()}; ${spawnSync("go", ["version"]).stdout.toString().trim()}`);
console.log("| round | load (1 min) before → after | npm ci | npm start → web UI | of which `npm run build` | store | **total** |");
console.log("|---|---|---|---|---|---|---|");
rounds.forEach((r, i) => {
  const s = (v: number | undefined): string => (v === undefined ? "?" : `${v.toFixed(0)} s`);
  console.log(
    `| ${i + 1} | ${r.load} | ${s(r.npmCiS)} | ${s(r.startS)} | ${s(r.buildS)} | ${s(r.storeS)} | **${(r.npmCiS + r.startS).toFixed(1)} s** |`,
  );
});
console.log("\nreproduce: npm run bench:first-start   (FLOWGATE_BENCH_ROUNDS=N for more rounds)");

async function oneRound(n: number): Promise<Round> {
  const temp = mkdtempSync(join(tmpdir(), "flowgate-first-start-"));
  const clone = join(temp, "clone");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_cache: mkdir(temp, "npm-cache"),
    GOCACHE: mkdir(temp, "go-build"),
    GOMODCACHE: mkdir(temp, "go-mod"),
    FLOWGATE_CACHE_DIR: mkdir(temp, "flowgate-cache"),
    // Ports of its own, so a server already running here is not in the way.
    FLOWGATE_GRPC_ADDRESS: "127.0.0.1:0",
    FLOWGATE_HTTP_ADDRESS: "127.0.0.1:0",
  };
  for (const name of Object.keys(env)) if (name.startsWith("npm_") && name !== "npm_config_cache") delete env[name];
  delete env["FLOWGATE_MONGODB_URI"];
  const load = loadavg()[0]!.toFixed(1);
  try {
    run("git", ["clone", "-q", REPO, clone], temp, env);
    console.error(`round ${n}: npm ci in a fresh clone (${clone}), every cache empty…`);
    const t0 = performance.now();
    run("npm", ["ci", "--no-audit", "--no-fund"], clone, env);
    const npmCiS = (performance.now() - t0) / 1000;
    console.error(`round ${n}: npm ci took ${npmCiS.toFixed(1)} s; npm start…`);
    const started = await startUntilReady(clone, env);
    return { npmCiS, ...started, load: `${load} → ${loadavg()[0]!.toFixed(1)}` };
  } finally {
    // Go makes its module cache read-only; it has to be made writable again to be deleted.
    makeWritable(join(temp, "go-mod"));
    rmSync(temp, { recursive: true, force: true });
  }
}

/** `npm start` until the web UI line, then Ctrl-C; the step times are read from its own lines. */
function startUntilReady(cwd: string, env: NodeJS.ProcessEnv): Promise<Omit<Round, "npmCiS" | "load">> {
  const t0 = performance.now();
  // Its own process group, so that Ctrl-C reaches npm, the start script and the server, as in a terminal.
  const child = spawn("npm", ["start"], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const giveUp = setTimeout(() => finish(new Error(`no web UI after ${GIVE_UP_MS / 1000} s:\n${output}`)), GIVE_UP_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/web UI on /.test(output)) finish();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => finish(new Error(`npm start exited (${code}) before the web UI was up:\n${output}`)));
    let done = false;
    function finish(err?: Error): void {
      if (done) return;
      done = true;
      const startS = (performance.now() - t0) / 1000;
      clearTimeout(giveUp);
      try {
        process.kill(-child.pid!, "SIGINT");
      } catch {
        // Already gone.
      }
      child.once("exit", () => {
        if (err) return reject(err);
        resolve({
          startS,
          buildS: secondsOf(/build: done in (\d+) s/, output),
          storeS: secondsOf(/embedded store: ready in (\d+) s/, output),
        });
      });
      if (child.exitCode !== null) child.emit("exit", child.exitCode);
    }
  });
}

function secondsOf(pattern: RegExp, output: string): number | undefined {
  const m = pattern.exec(output);
  return m ? Number(m[1]) : undefined;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync(command, args, { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.status}): ${r.stderr.toString()}`);
}

function mkdir(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  return dir;
}

function makeWritable(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  chmodSync(dir, 0o755);
  for (const entry of entries) {
    const path = join(dir, entry);
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) makeWritable(path);
  }
}
