/**
 * Flowgate's side of `npm run bench:peers`, on its embedded store: the scenarios of
 * bench/sdk-resume-latency.ts (one flow pausing in a loop, resumed as soon as the SDK holds the pause),
 * a new run each, bench/held-streams.ts's memory per held WaitForResume stream (counted here from an
 * idle server, the runs' creation included, as the peers' figures are), and bench/runner-pickup.ts's
 * suspend → running again.
 */
import { performance } from "node:perf_hooks";
import { WaitForResumeRequest, type WaitForResumeResponse } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType as WireStateType } from "@flowgate/contract/flowgate/v1/types.js";
import { configure, flow, pauseFlowRun, resumeFlowRun, runDeployment, StateType } from "../../client-sdk/src/index.js";
import type { FlowgateClient } from "../../client-sdk/src/index.js";
import { StreamReader } from "../../test/support/grpc-client.js";
import { startRunnerProcess } from "../../test/support/runner-process.js";
import { startDistServer } from "../dist-server.js";
import { benchServer } from "../support.js";
import { descendantsNamed, totalRss } from "./peer-servers.js";
import { attempt, type PeerResult } from "./peer-result.js";

export interface FlowgateOptions {
  rounds: number;
  waiting: number;
  suspendRounds: number;
}

let held: (runId: string) => void = () => undefined;
let woke: () => void = () => undefined;
const nextHeld = (): Promise<string> => new Promise((r) => (held = r));
const nextWake = (): Promise<number> => new Promise((r) => (woke = () => r(performance.now())));
/** The SDK's first heartbeat on a pause: the flow is held on WaitForResume. */
const pause = (): Promise<unknown> => pauseFlowRun({ heartbeatSeconds: 300, onHeartbeat: (e) => held(e.flowRun?.id ?? "") });

const pausesInALoop = flow(
  async (count: number) => {
    for (let i = 0; i < count; i++) {
      await pause();
      woke();
    }
  },
  { name: "pauses-in-a-loop" },
);

async function resumeLoop(client: FlowgateClient, rounds: number): Promise<{ samples: number[]; cyclesPerSecond: number }> {
  let isHeld = nextHeld();
  const done = pausesInALoop(rounds);
  const samples: number[] = [];
  let started = 0;
  for (let i = 0; i < rounds; i++) {
    const id = await isHeld;
    isHeld = nextHeld();
    const ran = nextWake();
    const sent = performance.now();
    if (i === 0) started = sent;
    await client.resumeFlowRun(id);
    samples.push((await ran) - sent);
  }
  const elapsed = performance.now() - started;
  await done;
  return { samples, cyclesPerSecond: (rounds / elapsed) * 1000 };
}

async function newRunEach(client: FlowgateClient, rounds: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const isHeld = nextHeld();
    const done = pausesInALoop(1);
    await client.resumeFlowRun(await isHeld);
    await done;
  }
  return (rounds / (performance.now() - started)) * 1000;
}

/**
 * N runs created, paused and held on WaitForResume by a server from the compiled build (tsx's
 * transform inflates memory, see bench/dist-server.ts), measured with its store from idle.
 */
async function memoryPerWaiting(server: { database: string; dataDir: string; apiKey: string }, waiting: number): Promise<number> {
  const dist = await startDistServer(server);
  const pids = (): number[] => [dist.child.pid!, ...descendantsNamed(process.pid, "embedded-store")];
  const streams: StreamReader<WaitForResumeResponse>[] = [];
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const before = totalRss(pids());
    for (let i = 0; i < waiting; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, waiting - i) }, async () => {
          const { flowRun } = await dist.runs.createFlowRun({ flowName: "waits", state: { type: WireStateType.STATE_TYPE_RUNNING } });
          await dist.runs.pauseFlowRun({ flowRunId: flowRun!.id, key: "1" });
          const request = WaitForResumeRequest.fromPartial({ flowRunId: flowRun!.id, key: "1", heartbeatSeconds: 60 });
          const stream = new StreamReader(dist.rawRuns.waitForResume(request));
          await stream.next(60_000); // the first heartbeat: held
          return stream;
        }),
      );
      streams.push(...batch);
    }
    await new Promise((r) => setTimeout(r, 2000));
    return (totalRss(pids()) - before) / waiting;
  } finally {
    for (const s of streams) s.cancel();
    await dist.stop();
  }
}

/** Per round a new run of a served deployment suspends, is resumed, and its code after the suspend runs again. */
async function suspendToRunning(client: FlowgateClient, address: string, rounds: number): Promise<number[]> {
  // The runner of bench:runner, with serve()'s defaults (warm child on) and the deployment named "peers".
  const runner = startRunnerProcess("bench/fixtures/pickup-runner.ts", { FLOWGATE_API_ADDRESS: address, FLOWGATE_BENCH_NAME: "peers" });
  try {
    await runner.waitFor(/runner: serving/, AbortSignal.timeout(60_000));
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const run = await runDeployment("suspends-once/peers", { timeout: 0 });
      const watch = client.watchFlowRun(run.id)[Symbol.asyncIterator]();
      for (;;) {
        const { value, done } = await watch.next();
        if (done) throw new Error("the watch ended before the run suspended");
        if (value.flowRun.state?.type === StateType.PAUSED && value.flowRun.state.name === "Suspended") break;
      }
      await watch.return?.();
      const sent = performance.timeOrigin + performance.now();
      await resumeFlowRun(run.id);
      const printed = await runner.waitFor(new RegExp(`after-suspend:${run.id}:([\\d.]+)`), AbortSignal.timeout(60_000));
      samples.push(Number(printed[1]) - sent);
    }
    return samples;
  } finally {
    await runner.stop();
  }
}

export async function runFlowgate(opts: FlowgateOptions): Promise<PeerResult> {
  const errors: Record<string, string> = {};
  const { server, stop, storeKind } = await benchServer();
  const client = configure({ address: server.address, apiKey: server.apiKey });
  try {
    const progress = (line: string): void => console.error(`  Flowgate: ${line}`);
    await resumeLoop(client, 20); // warm-up
    progress(`${opts.rounds} resumes of one flow pausing in a loop (SDK)`);
    const loop = await attempt(errors, "resume", () => resumeLoop(client, opts.rounds));
    progress(`${opts.rounds} new runs, each pausing once`);
    const newRun = await attempt(errors, "newRun", () => newRunEach(client, opts.rounds));
    progress(`${opts.waiting} runs paused and held at once`);
    const memory = await attempt(errors, "memory", () => memoryPerWaiting(server, opts.waiting));
    progress(`${opts.suspendRounds} resumes of a suspended run of a served deployment`);
    const suspend = await attempt(errors, "suspend", () => suspendToRunning(client, server.address, opts.suspendRounds));
    return {
      resumeMs: loop?.samples,
      loopCyclesPerSecond: loop?.cyclesPerSecond,
      newRunCyclesPerSecond: newRun,
      bytesPerWaiting: memory,
      suspendMs: suspend,
      versions: `Flowgate ${storeKind}`,
      errors,
    };
  } finally {
    client.close();
    await stop();
  }
}
