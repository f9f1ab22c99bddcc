/**
 * How soon a resumed suspend runs again: a runner serves a flow that suspends itself once; per round
 * the benchmark starts a run, waits for its suspend, resumes it and times, from the resume being sent,
 * (a) a runner claiming it (PENDING), (b) the run's new process reporting RUNNING and (c) the flow's
 * code after the suspend running (the flow prints the time; see the fixture). (a) and (b) are when this
 * process sees the events on WatchFlowRun, so they include the watch's delivery; (c) is the flow's clock.
 *
 * Three runners on one server, each serving its own deployment, their rounds alternating:
 *   warm child, spare ready   each resume waits until the runner's next spare is ready (as when a
 *                             person resumes a second or more after the last run started)
 *   warm child, back to back  each resume is sent as soon as the run has suspended, so the spare
 *                             started at the previous handover may still be starting
 *   warmChild: false          a process is started per run once it is claimed (before target 5)
 *
 *   npm run bench:runner        (FLOWGATE_BENCH_ROUNDS=20; FLOWGATE_BENCH_POLL_MS sets the runner's pollIntervalMs;
 *                                FLOWGATE_BENCH_MODES=ready,back-to-back,off picks the runners;
 *                                FLOWGATE_BENCH_SHOW_RUNNER=1 prints each runner's output at its end)
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { StateType } from "../client-sdk/src/index.js";
import { configure, resumeFlowRun, runDeployment } from "../client-sdk/src/index.js";
import { startRunnerProcess, type RunnerProcess } from "../test/support/runner-process.js";
import { benchServer, machine, summary } from "./support.js";

const ROUNDS = Number(process.env["FLOWGATE_BENCH_ROUNDS"] ?? 20);
const MODES = {
  ready: "warm child, spare ready",
  "back-to-back": "warm child, back to back",
  off: "warmChild: false",
} as const;
type Mode = keyof typeof MODES;
const modes = (process.env["FLOWGATE_BENCH_MODES"] ?? "ready,back-to-back,off").split(",") as Mode[];

const { server, stop, storeKind } = await benchServer();
const client = configure({ address: server.address, apiKey: server.apiKey });
const epochNow = (): number => performance.timeOrigin + performance.now();

/** Pids of the processes the runner handed a run to so far. */
function runPids(runner: RunnerProcess): string[] {
  return [...runner.output().matchAll(/started in (?:warm )?process (\d+)/g)].map((m) => m[1]!);
}

interface Timings {
  claimed: number[];
  running: number[];
  codeAfter: number[];
}

/** Resolves once the runner has a spare ready that no run has been handed yet: the one its next claim gets. */
async function spareReady(runner: RunnerProcess): Promise<void> {
  const used = runPids(runner).join("|");
  const notUsed = used ? `(?!(?:${used})\\b)` : "";
  await runner.waitFor(new RegExp(`warm process ${notUsed}\\d+ is ready`), AbortSignal.timeout(60_000));
}

/** One round on `mode`'s runner: a new run suspends, is resumed, and runs again. */
async function round(mode: Mode, runner: RunnerProcess, t: Timings): Promise<void> {
  const run = await runDeployment(`suspends-once/${mode}`, { timeout: 0 });
  const watch = client.watchFlowRun(run.id)[Symbol.asyncIterator]();
  const next = async (type: StateType, name?: string): Promise<number> => {
    for (;;) {
      const { value, done } = await watch.next();
      if (done) throw new Error(`the watch ended before ${type}`);
      if (value.flowRun.state?.type === type && (name === undefined || value.flowRun.state.name === name)) return performance.now();
    }
  };
  await next(StateType.PAUSED, "Suspended");
  if (mode === "ready") await spareReady(runner);
  const sentEpoch = epochNow();
  const sent = performance.now();
  await resumeFlowRun(run.id);
  t.claimed.push((await next(StateType.PENDING)) - sent);
  t.running.push((await next(StateType.RUNNING)) - sent);
  await next(StateType.COMPLETED);
  await watch.return?.();
  const printed = await runner.waitFor(new RegExp(`after-suspend:${run.id}:([\\d.]+)`), AbortSignal.timeout(60_000));
  t.codeAfter.push(Number(printed[1]) - sentEpoch);
}

// One runner per mode, each serving its own deployment ("suspends-once/<mode>"); rounds alternate
// between them, so that the machine's changing load falls on every mode alike. Each round starts once
// no runner's spare is still starting, which would otherwise slow whichever round came next.
const runners = new Map<Mode, RunnerProcess>();
try {
  for (const mode of modes) {
    runners.set(
      mode,
      startRunnerProcess("bench/fixtures/pickup-runner.ts", {
        FLOWGATE_API_ADDRESS: server.address,
        FLOWGATE_BENCH_NAME: mode,
        FLOWGATE_BENCH_WARM: mode === "off" ? "0" : "1",
      }),
    );
  }
  for (const runner of runners.values()) await runner.waitFor(/runner: serving/, AbortSignal.timeout(60_000));
  const timings = new Map<Mode, Timings>(modes.map((m) => [m, { claimed: [], running: [], codeAfter: [] }]));
  for (let i = 0; i < ROUNDS; i++) {
    for (const mode of modes) {
      // No runner's spare still starting: each round has the machine to itself, as far as runners go.
      for (const [m, r] of runners) if (m !== "off") await spareReady(r);
      await round(mode, runners.get(mode)!, timings.get(mode)!);
    }
  }
  console.log(`machine: ${machine()}; store: ${storeKind}; ${ROUNDS} runs per runner, each suspended once and resumed`);
  console.log(
    `load average (1/5/15 min) at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" / ")}`,
  );
  for (const mode of modes) {
    const t = timings.get(mode)!;
    console.log(`${MODES[mode]}:`);
    console.log(`  ${summary("resume sent → claimed by the runner (PENDING)", t.claimed)}`);
    console.log(`  ${summary("resume sent → the run's process RUNNING", t.running)}`);
    console.log(`  ${summary("resume sent → the flow's code after the suspend runs", t.codeAfter)}`);
  }
} finally {
  for (const [mode, runner] of runners) {
    await runner.stop();
    if (process.env["FLOWGATE_BENCH_SHOW_RUNNER"] === "1") process.stderr.write(`--- ${mode} runner:\n${runner.output()}`);
  }
  client.close();
  await stop();
}
