/**
 * Runs one claimed run in its own child process (the runner's own entry script, see child-run.ts) and
 * reports how it ended. The process is a warm spare handed the run (warm-spares.ts) or one started for
 * it now (`spawnForRun`); from then on both are treated alike. A child that dies without reporting a
 * final state leaves the run CRASHED, so no run stays RUNNING with no process behind it. A run
 * cancelled while it runs (CANCELLING) has its process stopped, SIGTERM then SIGKILL, and ends CANCELLED.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import { StateType, isFinalStateType, type FlowRun } from "../types.js";
import { followCancellation } from "./cancellation.js";
import { FLOW_NAME_ENV, RUN_ID_ENV } from "./child-run.js";

/** How long a cancelled run's process has to end after SIGTERM before it is killed. */
const CANCEL_GRACE_MS = 10_000;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How a run's process ended: its exit, or the error that kept it from starting. */
export type ProcessEnd = ChildExit | { error: Error };

/** The process executing one run. */
export interface RunProcess {
  readonly pid: number | undefined;
  /** A spare started before the run was claimed (see warm-child.ts). */
  readonly warm: boolean;
  kill(signal: NodeJS.Signals): void;
  readonly ended: Promise<ProcessEnd>;
}

export interface EntryCommand {
  command: string;
  args: string[];
}

/** The command that loads the same entry script the same way (e.g. `node --import tsx main.ts`). */
export function entryCommand(): EntryCommand {
  const script = process.argv[1];
  if (!script) throw new Error("serve() must be called from a script: its child processes re-run that script.");
  return { command: process.execPath, args: [...process.execArgv, script, ...process.argv.slice(2)] };
}

/** How a child process ends, from the moment it is spawned (so that no early event is missed). */
export function endOf(child: ChildProcess): Promise<ProcessEnd> {
  return new Promise<ProcessEnd>((resolve) => {
    child.once("error", (error) => resolve({ error }));
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** A cold child: started for this run, which it finds in its environment. */
export function spawnForRun(entry: EntryCommand, env: NodeJS.ProcessEnv, run: FlowRun, flowName: string): RunProcess {
  const child = spawn(entry.command, entry.args, {
    env: { ...env, [RUN_ID_ENV]: run.id, [FLOW_NAME_ENV]: flowName },
    // The flow's prints belong with the runner's output, as with Prefect's runner.
    stdio: "inherit",
  });
  return { pid: child.pid, warm: false, kill: (signal) => void child.kill(signal), ended: endOf(child) };
}

export async function runInChild(
  client: FlowgateClient,
  start: () => Promise<RunProcess>,
  run: FlowRun,
  flowName: string,
  log: (line: string) => void,
): Promise<ChildExit> {
  const watching = new AbortController();
  let child: RunProcess | undefined;
  let cancelling = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (p: RunProcess): void => {
    log(`flow run ${run.id}: cancelling; stopping process ${p.pid ?? "?"}`);
    p.kill("SIGTERM");
    killTimer = setTimeout(() => p.kill("SIGKILL"), CANCEL_GRACE_MS);
  };
  void followCancellation(
    client,
    run.id,
    watching.signal,
    () => {
      cancelling = true;
      if (child) stop(child);
    },
    log,
  );
  try {
    child = await start();
  } catch (err) {
    child = undefined;
    const message = err instanceof Error ? err.message : String(err);
    watching.abort();
    log(`flow run ${run.id}: process could not start: ${message}`);
    await markCrashed(client, run.id, `The runner could not start a process: ${message}`, log);
    return { code: null, signal: null };
  }
  log(`flow run ${run.id} (${flowName}) started in ${child.warm ? "warm " : ""}process ${child.pid ?? "?"}`);
  if (cancelling) stop(child);
  const end = await child.ended;
  watching.abort();
  clearTimeout(killTimer);
  if ("error" in end) {
    log(`flow run ${run.id}: process could not start: ${end.error.message}`);
    await markCrashed(client, run.id, `The runner could not start a process: ${end.error.message}`, log);
    return { code: null, signal: null };
  }
  const { code, signal } = end;
  log(`flow run ${run.id} process ${child.pid ?? "?"} exited with code ${code ?? signal ?? "?"}`);
  if (cancelling) await markCancelled(client, run.id, log);
  else if (code !== 0) {
    await markCrashed(
      client,
      run.id,
      `The flow run's process exited with ${code === null ? `signal ${signal ?? "?"}` : `code ${code}`}.`,
      log,
    );
  }
  return end;
}

/** A run its process left behind (not final, not suspended, not rescheduled) becomes CRASHED. */
async function markCrashed(client: FlowgateClient, flowRunId: string, message: string, log: (line: string) => void): Promise<void> {
  try {
    const run = await client.getFlowRun(flowRunId);
    const state = run.state;
    if (!state || isFinalStateType(state.type) || state.type === StateType.SCHEDULED) return;
    if (state.type === StateType.PAUSED && state.details?.pauseReschedule) return;
    await client.setFlowRunState(flowRunId, { type: StateType.CRASHED, message });
  } catch (err) {
    log(`flow run ${flowRunId}: could not mark it crashed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The run whose process was stopped for its cancellation: CANCELLING becomes CANCELLED. */
async function markCancelled(client: FlowgateClient, flowRunId: string, log: (line: string) => void): Promise<void> {
  try {
    const run = await client.getFlowRun(flowRunId);
    // The flow may have finished on its own within the grace period; its own final state stands.
    if (run.state?.type !== StateType.CANCELLING) return;
    await client.setFlowRunState(flowRunId, {
      type: StateType.CANCELLED,
      message: "Cancelled: the runner stopped the flow run's process.",
    });
  } catch (err) {
    log(`flow run ${flowRunId}: could not mark it cancelled: ${err instanceof Error ? err.message : String(err)}`);
  }
}
