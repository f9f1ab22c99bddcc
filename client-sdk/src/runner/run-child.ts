/**
 * Starts one child process for a claimed run (the runner's own entry script, see child-run.ts) and
 * reports how it ended. A child that dies without reporting a final state leaves the run CRASHED, so
 * no run stays RUNNING with no process behind it. A run cancelled while it runs (CANCELLING) has its
 * process stopped, SIGTERM then SIGKILL, and ends CANCELLED.
 */
import { spawn } from "node:child_process";
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

/** The command that loads the same entry script the same way (e.g. `node --import tsx main.ts`). */
export function entryCommand(): { command: string; args: string[] } {
  const script = process.argv[1];
  if (!script) throw new Error("serve() must be called from a script: its child processes re-run that script.");
  return { command: process.execPath, args: [...process.execArgv, script, ...process.argv.slice(2)] };
}

export function runInChild(
  client: FlowgateClient,
  entry: { command: string; args: string[] },
  run: FlowRun,
  flowName: string,
  log: (line: string) => void,
): Promise<ChildExit> {
  const { command, args } = entry;
  const child = spawn(command, args, {
    // The child reaches the same server with the same key, also when they were options, not env.
    env: { ...process.env, ...client.childEnv(), [RUN_ID_ENV]: run.id, [FLOW_NAME_ENV]: flowName },
    // The flow's prints belong with the runner's output, as with Prefect's runner.
    stdio: "inherit",
  });
  log(`flow run ${run.id} (${flowName}) started in process ${child.pid ?? "?"}`);
  const watching = new AbortController();
  let cancelling = false;
  let killTimer: NodeJS.Timeout | undefined;
  void followCancellation(
    client,
    run.id,
    watching.signal,
    () => {
      cancelling = true;
      log(`flow run ${run.id}: cancelling; stopping process ${child.pid ?? "?"}`);
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), CANCEL_GRACE_MS);
    },
    log,
  );
  return new Promise<ChildExit>((resolve) => {
    child.once("error", (err) => {
      watching.abort();
      log(`flow run ${run.id}: process could not start: ${err.message}`);
      void markCrashed(client, run.id, `The runner could not start a process: ${err.message}`, log).then(() =>
        resolve({ code: null, signal: null }),
      );
    });
    child.once("exit", (code, signal) => {
      watching.abort();
      clearTimeout(killTimer);
      log(`flow run ${run.id} process ${child.pid ?? "?"} exited with code ${code ?? signal ?? "?"}`);
      if (cancelling) return void markCancelled(client, run.id, log).then(() => resolve({ code, signal }));
      if (code === 0) return resolve({ code, signal });
      void markCrashed(
        client,
        run.id,
        `The flow run's process exited with ${code === null ? `signal ${signal ?? "?"}` : `code ${code}`}.`,
        log,
      ).then(() => resolve({ code, signal }));
    });
  });
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
