/**
 * `npm run bench:peers`: Flowgate side by side with Temporal and Prefect, in one sitting, on this
 * machine. Sets the peers up on first use (bench/peers/setup.ts), runs the same scenarios against
 * each, and prints one table with Flowgate/peer ratios, the machine and the command.
 *
 *   FLOWGATE_PEERS=temporal,prefect   which peers (default both; Flowgate always runs)
 *   FLOWGATE_PEERS_ROUNDS=100         resumes per loop and new runs, Flowgate and Temporal
 *   FLOWGATE_PEERS_WAITING=1000       workflows waiting at once for the memory figure, Flowgate and Temporal
 *   FLOWGATE_PEERS_SUSPEND_ROUNDS=10  suspend → running again rounds, Flowgate
 *   FLOWGATE_PEERS_PREFECT_ROUNDS=5, FLOWGATE_PEERS_PREFECT_WAITING=50, FLOWGATE_PEERS_PREFECT_SUSPEND_ROUNDS=3
 *   FLOWGATE_PEERS_PREFECT_POLL_S=10  pause_flow_run's poll_interval (Prefect's default is 10 s)
 */
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { machine } from "../support.js";
import { runFlowgate } from "./flowgate-peer.js";
import { PeerResult } from "./peer-result.js";
import { runPythonPeer, startPrefect, startTemporal, type PeerServer } from "./peer-servers.js";
import { ensureTemporal, ensureVenv, TEMPORAL_BIN, TEMPORAL_CLI, VENV_PYTHON } from "./setup.js";
import { table, type Outcome } from "./table.js";

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const rounds = env("FLOWGATE_PEERS_ROUNDS", 100);
const waiting = env("FLOWGATE_PEERS_WAITING", 1000);
const suspendRounds = env("FLOWGATE_PEERS_SUSPEND_ROUNDS", 10);
const prefect = {
  rounds: env("FLOWGATE_PEERS_PREFECT_ROUNDS", 5),
  waiting: env("FLOWGATE_PEERS_PREFECT_WAITING", 50),
  suspendRounds: env("FLOWGATE_PEERS_PREFECT_SUSPEND_ROUNDS", 3),
  pollSeconds: env("FLOWGATE_PEERS_PREFECT_POLL_S", 10),
};
/** A peer that hangs is reported as such, not waited for. */
const PEER_TIMEOUT_MS = 20 * 60_000;
const which = (process.env["FLOWGATE_PEERS"] ?? "temporal,prefect").split(",").map((s) => s.trim());

const reasonOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
const loadBefore = load();

/** Starts a peer's server, runs its Python driver, stops the server; any failure becomes the reason. */
async function runPeer(start: () => Promise<PeerServer>, script: string, args: (s: PeerServer) => string[]): Promise<Outcome> {
  let server: PeerServer | undefined;
  try {
    server = await start();
    const output = await Promise.race([runPythonPeer(script, args(server), server.env, PEER_TIMEOUT_MS), server.exited]);
    const result = PeerResult.parse(output);
    return { ok: true, result };
  } catch (e) {
    return { ok: false, reason: reasonOf(e) };
  } finally {
    await server?.stop();
  }
}

const setupOf = (s: { ok: true } | { ok: false; reason: string }): Outcome | undefined =>
  s.ok ? undefined : { ok: false, reason: s.reason };

// Set-up first (a cold Temporal build takes minutes), then the runs one after the other, never at once.
const venv = which.length > 0 ? ensureVenv() : { ok: true as const };
let temporal: Outcome | undefined;
let prefectOutcome: Outcome | undefined;
if (which.includes("temporal")) temporal = setupOf(venv) ?? setupOf(ensureTemporal());
if (which.includes("prefect")) prefectOutcome = setupOf(venv);

console.error("peers: Flowgate");
const flowgate: Outcome = await runFlowgate({ rounds, waiting, suspendRounds }).then(
  (result) => ({ ok: true as const, result }),
  (e: unknown) => ({ ok: false as const, reason: reasonOf(e) }),
);
if (which.includes("temporal") && !temporal) {
  console.error("peers: Temporal (dev server)");
  temporal = await runPeer(startTemporal, "temporal_peer.py", (s) => [s.address, String(s.pid), String(rounds), String(waiting)]);
}
if (which.includes("prefect") && !prefectOutcome) {
  console.error("peers: Prefect (server start, SQLite)");
  prefectOutcome = await runPeer(startPrefect, "prefect_peer.py", (s) =>
    [s.pid, prefect.rounds, prefect.waiting, prefect.pollSeconds, prefect.suspendRounds].map(String),
  );
}

const versionOf = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: "utf8" }).trim().split("\n")[0]!;
  } catch {
    return "unknown";
  }
};
const versions = [
  flowgate.ok ? `${flowgate.result.versions} at ${versionOf("git", ["rev-parse", "--short", "HEAD"])}` : "Flowgate",
  temporal?.ok
    ? `Temporal dev server ${TEMPORAL_CLI.split("@")[1]} (${versionOf(TEMPORAL_BIN, ["--version"])}), ${temporal.result.versions}`
    : undefined,
  prefectOutcome?.ok ? `${prefectOutcome.result.versions} (server start, SQLite; pause poll_interval ${prefect.pollSeconds} s)` : undefined,
  prefectOutcome?.ok || temporal?.ok ? versionOf(VENV_PYTHON, ["--version"]) : undefined,
].filter(Boolean);

console.log(table({ flowgate, temporal, prefect: prefectOutcome }));
console.log();
console.log(`machine: ${machine()}, ${cpus().length} cores (nproc), load average ${loadBefore} before and ${load()} after`);
console.log(`versions: ${versions.join("; ")}`);
console.log(
  `rounds: Flowgate and Temporal ${rounds} resumes and ${rounds} new runs, ${waiting} waiting, Flowgate ${suspendRounds} suspends; ` +
    `Prefect ${prefect.rounds} resumes and ${prefect.rounds} new runs, ${prefect.waiting} waiting, ${prefect.suspendRounds} suspends`,
);
const setEnv = Object.entries(process.env)
  .filter(([k]) => k.startsWith("FLOWGATE_PEERS"))
  .map(([k, v]) => `${k}=${v} `)
  .join("");
console.log(`command: ${setEnv}npm run bench:peers`);
