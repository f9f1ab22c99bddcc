/**
 * `flow(fn, opts)`: calling the result creates a flow run and drives it PENDING → RUNNING →
 * COMPLETED/FAILED around `fn`. A flow called inside another flow is a subflow: it is linked to its
 * parent through a task run in the parent, which also stores its result for a re-executed parent.
 */
import type { z } from "zod";
import { getClient } from "../client.js";
import { FlowPauseTimeout, PauseRejectedError, RefusedError, RunTimeoutError } from "../errors.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import { StateType, isFinalStateType, type FlowRun, type JsonObject, type TaskRun } from "../types.js";
import { sleep, withTimeout } from "./abortable.js";
import { endSuspendedProcess } from "./end-process.js";
import { installLogPrints } from "./log-prints.js";
import { shipRunLog } from "../logs/run-logger.js";
import { flushRunLogs } from "../logs/shippers.js";
import { checkParameters, parameterJsonSchema } from "./parameter-schema.js";
import { parametersOf, resultToJson } from "./parameters.js";
import { currentContext, newFlowRunContext, runInContext, type FlowRunContext } from "./run-context.js";
import { State } from "./state.js";
import { watchForSuspend } from "./suspend-watch.js";

export interface FlowOptions {
  /** The flow name runs are recorded under; defaults to the function's name. */
  name?: string;
  /**
   * Re-run the flow this many times after a failure (default 0). A pause that timed out or was
   * rejected (an uncaught PauseRejectedError) is not retried: a person decided.
   */
  retries?: number;
  retryDelaySeconds?: number;
  /** Fail the run after this many seconds (pauses included). */
  timeoutSeconds?: number;
  /** console.log inside the run also goes to the run's log. */
  logPrints?: boolean;
  /** Subflows: store the result in the parent, so a re-executed parent does not run the subflow again. */
  persistResult?: boolean;
  description?: string;
  /**
   * The flow's parameters, for a flow taking one object argument: a zod object schema. Deployments
   * served from this flow carry it as JSON Schema, so the server refuses runs of them (RunDeployment,
   * the web UI's Run form, `flowgate deployments run --params`) whose parameters it refuses; a direct
   * call is checked here, before its run is created.
   */
  parameters?: z.ZodType;
}

export interface Flow<A extends unknown[], R> {
  (...args: A): Promise<R>;
  /** The same flow with other options; `returnState: true` makes calls return the final State. */
  with(options: FlowOptions & { returnState: true }): StateFlow<A, R>;
  with(options: FlowOptions & { returnState?: false }): Flow<A, R>;
  readonly flowName: string;
  readonly options: FlowOptions;
  /** `options.parameters` as the JSON Schema (draft 2020-12) sent with CreateDeployment; undefined when none. */
  readonly parameterSchema: JsonObject | undefined;
  /** Runs `fn` for a run that already exists (created by a deployment, claimed by a runner). */
  executeRun(flowRun: FlowRun, args: A, client?: FlowgateClient): Promise<State<R>>;
}

export interface StateFlow<A extends unknown[], R> {
  (...args: A): Promise<State<R>>;
  readonly flowName: string;
}

type FlowFn<A extends unknown[], R> = (...args: A) => R | Promise<R>;

export function flow<A extends unknown[], R>(fn: FlowFn<A, R>, options: FlowOptions = {}): Flow<A, R> {
  const flowName = options.name ?? (fn.name || "flow");
  const resolved: FlowOptions = { ...options, name: flowName };
  // Derived now, so a schema that cannot be a run's parameters fails where the flow is declared.
  const parameterSchema = options.parameters ? parameterJsonSchema(options.parameters) : undefined;
  const call = async (...args: A): Promise<R> => (await startFlow(fn, resolved, args)).result();
  function withOptions(o: FlowOptions & { returnState: true }): StateFlow<A, R>;
  function withOptions(o: FlowOptions & { returnState?: false }): Flow<A, R>;
  function withOptions(o: FlowOptions & { returnState?: boolean }): Flow<A, R> | StateFlow<A, R> {
    const { returnState, ...rest } = o;
    const next = flow(fn, { ...resolved, ...rest });
    if (!returnState) return next;
    return Object.assign((...args: A) => startFlow(fn, { ...resolved, ...rest }, args), { flowName });
  }
  return Object.assign(call, {
    with: withOptions,
    flowName,
    options: resolved,
    parameterSchema,
    executeRun: (run: FlowRun, args: A, client?: FlowgateClient) => driveRun(fn, resolved, args, client ?? getClient(), run, undefined),
  });
}

/** Creates the run (a subflow when called inside a flow) and drives it. Never rejects: failures are States. */
function startFlow<A extends unknown[], R>(fn: FlowFn<A, R>, options: FlowOptions, args: A): Promise<State<R>> {
  const parent = currentContext();
  const flowName = options.name ?? "flow";
  // Allocated before any await, so the parent's call order (not timing) decides the key.
  const dynamicKey = parent?.nextDynamicKey(`subflow/${flowName}`);
  return (async () => {
    const client = parent?.client ?? getClient();
    let link: TaskRun | undefined;
    try {
      if (parent && dynamicKey !== undefined) {
        if (!parent.taskRun) await parent.atTaskBoundary();
        const { taskRun, created } = await client.createTaskRun({
          flowRunId: parent.flowRun.id,
          taskKey: `subflow/${flowName}`,
          dynamicKey,
          name: flowName,
        });
        if (!created && taskRun.state?.type === StateType.COMPLETED && taskRun.hasResult)
          return State.completed(taskRun.result as R, "Cached");
        if (!taskRun.state || !isFinalStateType(taskRun.state.type)) link = taskRun;
      }
      const parameters = parametersOf(args);
      if (options.parameters) checkParameters(options.parameters, parameters);
      const run = await client.createFlowRun({
        flowName,
        parameters,
        state: { type: StateType.PENDING },
        ...(parent ? { parentFlowRunId: parent.flowRun.id } : {}),
        ...(link ? { parentTaskRunId: link.id } : {}),
      });
      return await driveRun(fn, options, args, client, run, link);
    } catch (err) {
      return State.failed<R>(err);
    }
  })();
}

async function settle(ctx: FlowRunContext): Promise<void> {
  // Submitted tasks may submit more; wait until none is left.
  while (ctx.pending.size > 0) await Promise.allSettled([...ctx.pending]);
}

/** Proposes a final state; a refusal means the server already ended the run (e.g. a pause timed out). */
async function finish(client: FlowgateClient, flowRunId: string, type: StateType, message = ""): Promise<void> {
  try {
    await client.setFlowRunState(flowRunId, { type, message });
  } catch (err) {
    if (!(err instanceof RefusedError)) throw err;
  }
}

async function driveRun<A extends unknown[], R>(
  fn: FlowFn<A, R>,
  options: FlowOptions,
  args: A,
  client: FlowgateClient,
  created: FlowRun,
  link: TaskRun | undefined,
): Promise<State<R>> {
  if (options.logPrints) installLogPrints();
  if (link) await client.setTaskRunState(link.id, { type: StateType.RUNNING }, undefined);
  const retries = options.retries ?? 0;
  for (let attempt = 0; ; attempt++) {
    const run = await client.setFlowRunState(created.id, { type: StateType.RUNNING });
    const controller = new AbortController();
    // A fresh context per attempt: pause keys and task keys restart, so a retry meets persisted results.
    const ctx = newFlowRunContext(client, run, { logPrints: options.logPrints === true, signal: controller.signal });
    // Only runs with a deployment and no parent can be suspended by someone else.
    if (run.deploymentId && !run.parentTaskRunId) watchForSuspend(client, run.id, ctx, controller.signal);
    try {
      const value = await withTimeout(
        options.timeoutSeconds,
        undefined,
        () => new RunTimeoutError(`Flow run exceeded its timeout of ${options.timeoutSeconds} seconds.`),
        () =>
          runInContext(ctx, async () => {
            const v = await fn(...args);
            await settle(ctx);
            return v;
          }),
      );
      // The run's log lines are stored before it ends: a watch that sees the end has them all.
      await flushRunLogs(client);
      if (ctx.suspendedElsewhere) endSuspendedProcess();
      await client.setFlowRunState(run.id, { type: StateType.COMPLETED });
      if (link) {
        const persist = options.persistResult === true;
        await client.setTaskRunState(link.id, { type: StateType.COMPLETED }, persist ? { value: resultToJson(value), persist } : undefined);
      }
      return State.completed(value);
    } catch (err) {
      await settle(ctx);
      const message = err instanceof Error ? err.message : String(err);
      shipRunLog(ctx, "error", `Encountered exception during execution: ${(err instanceof Error && err.stack) || message}`);
      await flushRunLogs(client);
      // An uncaught rejection ends the run FAILED with its message, "Rejected by alice: <reason>".
      if (attempt < retries && !(err instanceof FlowPauseTimeout) && !(err instanceof PauseRejectedError)) {
        await client.setFlowRunState(run.id, { type: StateType.SCHEDULED, name: "AwaitingRetry", message });
        await sleep((options.retryDelaySeconds ?? 0) * 1000);
        continue;
      }
      await finish(client, run.id, StateType.FAILED, message);
      if (link) await client.setTaskRunState(link.id, { type: StateType.FAILED, message }, undefined).catch(() => undefined);
      return State.failed<R>(err);
    } finally {
      controller.abort();
    }
  }
}
