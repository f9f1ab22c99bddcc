/**
 * runDeployment(name, { parameters, asSubflow = true, timeout }): creates a SCHEDULED run of a
 * deployment (a runner executes it) and waits for its final state on the WatchFlowRun stream.
 * Called inside a flow with `asSubflow` (the default), the new run is linked to the calling run as a
 * subflow — and, like Prefect, a subflow cannot be suspended on its own ("Cannot suspend subflows.").
 */
import { getClient } from "../client.js";
import { currentContext, type FlowRunContext } from "../runtime/run-context.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import { StateType, isFinalStateType, type FlowRun, type JsonObject } from "../types.js";
import { waitForFinalState } from "./wait-final-state.js";

export interface RunDeploymentOptions {
  parameters?: JsonObject;
  /** Link the run to the calling flow run (only inside a flow; default true). */
  asSubflow?: boolean;
  /** Seconds to wait for a final state; 0: return at once; unset or null: wait as long as it takes. */
  timeout?: number | null;
  flowRunName?: string;
  /** Stops the waiting (not the run). */
  signal?: AbortSignal;
  client?: FlowgateClient;
}

/**
 * @param name "flow-name/deployment-name", or a deployment id
 * @returns the run in its final state, or (timeout reached, or `timeout: 0`) as last seen
 * @throws NotFoundError for an unknown deployment; the signal's reason when it aborts
 */
export async function runDeployment(name: string, options: RunDeploymentOptions = {}): Promise<FlowRun> {
  const ctx = currentContext();
  const recordKey = `run-deployment/${name}`;
  // Allocated before any await, so the caller's call order (not timing) decides the key.
  const dynamicKey = ctx?.nextDynamicKey(recordKey);
  const client = options.client ?? ctx?.client ?? getClient();
  // The server refuses as_subflow without a parent, so outside a flow the flag simply does not apply.
  const link = (options.asSubflow ?? true) && ctx ? { asSubflow: true, parentFlowRunId: ctx.flowRun.id } : { asSubflow: false };
  const create = (requestId: string | undefined): Promise<FlowRun> =>
    client.runDeployment(
      {
        ...(name.includes("/") ? { fullName: name } : { deploymentId: name }),
        ...(options.parameters ? { parameters: options.parameters } : {}),
        ...(options.flowRunName ? { flowRunName: options.flowRunName } : {}),
        ...(requestId ? { requestId } : {}),
        ...link,
      },
      { signal: options.signal },
    );
  const run =
    ctx && dynamicKey !== undefined
      ? await createOnce(client, ctx, recordKey, dynamicKey, create, options.signal)
      : await create(undefined);
  if (options.timeout === 0) return run;
  return waitForFinalState(client, run, options.timeout ?? undefined, options.signal);
}

/**
 * Inside a flow, the run created is remembered as a persisted task-run result of the caller, so a
 * re-executed caller (after a suspend or a retry) waits for the run it already started instead of
 * starting another. The request id, derived from that task run, covers a crash between the two calls.
 */
async function createOnce(
  client: FlowgateClient,
  ctx: FlowRunContext,
  taskKey: string,
  dynamicKey: string,
  create: (requestId: string) => Promise<FlowRun>,
  signal: AbortSignal | undefined,
): Promise<FlowRun> {
  const { taskRun, created } = await client.createTaskRun({ flowRunId: ctx.flowRun.id, taskKey, dynamicKey, name: taskKey }, { signal });
  if (!created && taskRun.state?.type === StateType.COMPLETED && taskRun.hasResult && typeof taskRun.result === "string") {
    return client.getFlowRun(taskRun.result, { signal });
  }
  const run = await create(`run-deployment:${taskRun.id}`);
  if (!taskRun.state || !isFinalStateType(taskRun.state.type)) {
    await client.setTaskRunState(taskRun.id, { type: StateType.COMPLETED }, { value: run.id, persist: true }, { signal });
  }
  return run;
}
