/**
 * How long `flowgate runs ls` takes, wall clock, from starting the process to its exit, against a
 * server with 20 runs (one page). Each round runs every way of calling it once, in turn, so load on
 * the machine affects all alike:
 *   - `node -e ""`: Node's own start on this machine, the floor under every other line;
 *   - `node client-sdk/bin/flowgate.js`: the bin, running the bundle with its code cache;
 *   - `node_modules/.bin/flowgate`: the same through npm's link (its `#!/usr/bin/env node`);
 *   - `node client-sdk/dist/cli/main.js`: tsc's output unbundled (~190 modules), as the bin ran before;
 *   - `npx flowgate`: npm's own start on top.
 * The first rounds (not counted) also leave the bundle's code cache, as a user's first call does.
 *
 *   npm run build && npm run bench:cli          (FLOWGATE_BENCH_ROUNDS=30 rounds by default)
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { benchServer, machine, percentile } from "./support.js";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const ROUNDS = Number(process.env["FLOWGATE_BENCH_ROUNDS"] ?? 30);
const WARMUP = 3;
const ARGS = ["runs", "ls"];

const ways: Array<{ label: string; argv: string[] }> = [
  { label: 'node -e ""  (Node alone)', argv: [process.execPath, "-e", ""] },
  { label: "node client-sdk/bin/flowgate.js runs ls", argv: [process.execPath, "client-sdk/bin/flowgate.js", ...ARGS] },
  { label: "node_modules/.bin/flowgate runs ls", argv: [`${REPO}node_modules/.bin/flowgate`, ...ARGS] },
  { label: "node client-sdk/dist/cli/main.js runs ls  (unbundled)", argv: [process.execPath, "client-sdk/dist/cli/main.js", ...ARGS] },
  { label: "npx flowgate runs ls", argv: ["npx", "--no-install", "flowgate", ...ARGS] },
];

if (!existsSync(`${REPO}client-sdk/dist/cli/flowgate.cjs`)) {
  console.error("no CLI bundle: run `npm run build` first");
  process.exit(1);
}

const { server, stop, storeKind } = await benchServer();
try {
  for (let i = 0; i < 20; i++) {
    await server.runs.createFlowRun({ flowName: "bench-cli", state: { type: StateType.STATE_TYPE_RUNNING } });
  }
  const env = { ...process.env, FLOWGATE_API_ADDRESS: server.address, FLOWGATE_API_KEY: server.apiKey, NO_COLOR: "1" };
  const wall = ways.map((): number[] => []);
  const loadBefore = loadavg()[0]!;
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    ways.forEach((way, i) => {
      const t0 = performance.now();
      const r = spawnSync(way.argv[0]!, way.argv.slice(1), { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
      const ms = performance.now() - t0;
      if (r.status !== 0) throw new Error(`${way.label} exited ${r.status}: ${r.stderr.toString()}`);
      if (way.argv.includes("ls") && !r.stdout.toString().includes("bench-cli"))
        throw new Error(`${way.label} listed no runs:\n${r.stdout.toString()}`);
      if (round >= WARMUP) wall[i]!.push(ms);
    });
  }
  console.log(
    `machine: ${machine()}; store: ${storeKind}; load average (1 min) ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`,
  );
  console.log(`flowgate runs ls, wall clock from spawn to exit, ${ROUNDS} rounds (20 runs listed):`);
  ways.forEach((way, i) => {
    const s = [...wall[i]!].sort((a, b) => a - b);
    const f = (v: number): string => `${v.toFixed(0).padStart(4)} ms`;
    console.log(`  ${way.label.padEnd(56)} p50=${f(percentile(s, 50))} p95=${f(percentile(s, 95))} min=${f(s[0]!)}`);
  });
  console.log("reproduce: npm run build && npm run bench:cli   (FLOWGATE_BENCH_ROUNDS=30)");
} finally {
  await stop();
}
