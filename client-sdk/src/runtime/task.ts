/**
 * `task(fn, opts)`: a function whose calls inside a flow become task runs. The call order gives each
 * call a dynamic key, so a re-executed flow (after a suspend) meets the same task runs and reuses
 * their persisted results instead of running them again.
 */
import { NotFoundError, RunTimeoutError, UpstreamFailedError } from "../errors.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import { StateType, isFinalStateType, type TaskRun } from "../types.js";
import { sleep, withTimeout } from "./abortable.js";
import { resultToJson } from "./parameters.js";
import { currentContext, runInContext, type FlowRunContext } from "./run-context.js";
import { State } from "./state.js";
import { dependenciesCompleted, TaskFuture, type Waitable } from "./task-future.js";

export interface TaskOptions<A extends unknown[]> {
  /** The task key and run name; defaults to the function's name. */
  name?: string;
  /** How many times to retry after a failure (default 0). */
  retries?: number;
  /** Seconds between retries: one value, or one per retry (the last repeats). */
  retryDelaySeconds?: number | number[];
  /** Fail the attempt after this many seconds. */
  timeoutSeconds?: number;
  /** Store the result in the server, so a re-executed flow reuses it instead of running the task again. */
  persistResult?: boolean;
  /** Share persisted results between runs: same key → the stored result is returned without running. */
  cacheKey?: string | ((...args: A) => string);
}

export interface TaskCallOptions {
  /** Start only after these complete; a failed dependency fails this task without running it. */
  waitFor?: readonly Waitable[];
  signal?: AbortSignal;
}

export interface Task<A extends unknown[], R> {
  (...args: A): Promise<R>;
  /** Starts the task concurrently; the future tells its state and result. */
  submit(...args: A): TaskFuture<R>;
  /** The same task with other options; `returnState: true` makes calls return the final State. */
  with(options: TaskOptions<A> & TaskCallOptions & { returnState: true }): StateTask<A, R>;
  with(options: TaskOptions<A> & TaskCallOptions & { returnState?: false }): Task<A, R>;
  readonly taskName: string;
}

/** A task whose calls return the final State instead of throwing or returning the value. */
export interface StateTask<A extends unknown[], R> {
  (...args: A): Promise<State<R>>;
  submit(...args: A): Promise<State<R>>;
  readonly taskName: string;
}

type Options<A extends unknown[]> = TaskOptions<A> & TaskCallOptions;

export function task<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, options: TaskOptions<A> = {}): Task<A, R> {
  return makeTask(fn, options);
}

function makeTask<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, options: Options<A>): Task<A, R> {
  const taskName = options.name ?? (fn.name || "task");
  const submit = (...args: A): TaskFuture<R> => startTask(fn, taskName, options, args);
  const call = async (...args: A): Promise<R> => (await submit(...args).wait()).result();
  function withOptions(o: Options<A> & { returnState: true }): StateTask<A, R>;
  function withOptions(o: Options<A> & { returnState?: false }): Task<A, R>;
  function withOptions(o: Options<A> & { returnState?: boolean }): Task<A, R> | StateTask<A, R> {
    const { returnState, ...rest } = o;
    const next = makeTask(fn, { ...options, name: taskName, ...rest });
    if (!returnState) return next;
    return Object.assign((...args: A) => next.submit(...args).wait(), {
      submit: (...args: A) => next.submit(...args).wait(),
      taskName,
    });
  }
  return Object.assign(call, { submit, with: withOptions, taskName });
}

/** Allocates the dynamic key now (call order), then runs the task in the background. */
function startTask<A extends unknown[], R>(
  fn: (...args: A) => R | Promise<R>,
  taskKey: string,
  options: Options<A>,
  args: A,
): TaskFuture<R> {
  const ctx = currentContext();
  if (!ctx) {
    // Outside a flow a task is just a function (with retries and timeout), as in Prefect.
    return new TaskFuture<R>(async (onRunning) => {
      onRunning();
      return attempts(options, undefined, async () => fn(...args), options.signal).then(
        (v) => State.completed(v),
        (e: unknown) => State.failed<R>(e),
      );
    });
  }
  const dynamicKey = ctx.nextDynamicKey(taskKey);
  const future = new TaskFuture<R>((onRunning) => runTask(ctx, fn, taskKey, dynamicKey, options, args, onRunning));
  const done = future.wait();
  ctx.pending.add(done);
  void done.then(() => ctx.pending.delete(done));
  return future;
}

function cacheKeyOf<A extends unknown[]>(options: Options<A>, args: A): string {
  if (typeof options.cacheKey === "function") return options.cacheKey(...args);
  return options.cacheKey ?? "";
}

async function runTask<A extends unknown[], R>(
  ctx: FlowRunContext,
  fn: (...args: A) => R | Promise<R>,
  taskKey: string,
  dynamicKey: string,
  options: Options<A>,
  args: A,
  onRunning: () => void,
): Promise<State<R>> {
  const client = ctx.client;
  try {
    // Nested tasks skip the check: their parent task is still running and would wait on itself.
    if (!ctx.taskRun) await ctx.atTaskBoundary();
    const ready = await dependenciesCompleted(options.waitFor ?? [], options.signal);
    const cacheKey = cacheKeyOf(options, args);
    const { taskRun, created } = await client.createTaskRun({
      flowRunId: ctx.flowRun.id,
      taskKey,
      dynamicKey,
      name: `${taskKey}-${dynamicKey}`,
      cacheKey,
    });
    if (!created && taskRun.state?.type === StateType.COMPLETED && taskRun.hasResult) {
      // A re-execution: this call already completed and its result is stored.
      return State.completed(taskRun.result as R, "Cached");
    }
    const trackable = !taskRun.state || !isFinalStateType(taskRun.state.type);
    if (!ready) {
      const err = new UpstreamFailedError(`Task ${taskKey} did not run: an upstream task failed.`);
      if (trackable)
        await client.setTaskRunState(taskRun.id, { type: StateType.FAILED, name: "NotReady", message: err.message }, undefined);
      return State.failed(err);
    }
    if (cacheKey && trackable) {
      const cached = await cachedResult(client, cacheKey);
      if (cached) {
        await client.setTaskRunState(
          taskRun.id,
          { type: StateType.COMPLETED, name: "Cached" },
          { value: cached.result ?? null, persist: true },
        );
        return State.completed(cached.result as R, "Cached");
      }
    }
    onRunning();
    // A task run that finished without a stored result in an earlier execution cannot change state any
    // more: run the function again (its value is needed) without reporting states.
    const report = trackable ? taskRun : undefined;
    const value = await ctx.trackRunning(
      attempts(
        options,
        report && { client, taskRun: report },
        (signal) => runInContext({ ...ctx, taskRun, signal: signal ?? ctx.signal }, () => fn(...args)),
        options.signal,
      ),
    );
    if (report) {
      const persist = options.persistResult === true || cacheKey !== "";
      await client.setTaskRunState(
        report.id,
        { type: StateType.COMPLETED },
        persist ? { value: resultToJson(value), persist: true } : undefined,
      );
    }
    return State.completed(value);
  } catch (err) {
    return State.failed<R>(err);
  }
}

async function cachedResult(client: FlowgateClient, cacheKey: string): Promise<TaskRun | undefined> {
  try {
    return await client.getTaskRunByCacheKey(cacheKey);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

function retryDelayMs(options: { retryDelaySeconds?: number | number[] }, retry: number): number {
  const d = options.retryDelaySeconds;
  if (d === undefined) return 0;
  if (typeof d === "number") return d * 1000;
  return (d[Math.min(retry, d.length - 1)] ?? 0) * 1000;
}

/**
 * Runs `work` with the task's timeout and retries, reporting RUNNING / AwaitingRetry / FAILED when
 * `report` is given. Returns the value or throws the last error.
 */
export async function attempts<T>(
  options: { retries?: number; retryDelaySeconds?: number | number[]; timeoutSeconds?: number; name?: string },
  report: { client: FlowgateClient; taskRun: TaskRun } | undefined,
  work: (signal: AbortSignal | undefined) => T | Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  const retries = options.retries ?? 0;
  for (let attempt = 0; ; attempt++) {
    if (report) await report.client.setTaskRunState(report.taskRun.id, { type: StateType.RUNNING }, undefined);
    try {
      return await withTimeout(
        options.timeoutSeconds,
        signal,
        () => new RunTimeoutError(`Task run exceeded its timeout of ${options.timeoutSeconds} seconds.`),
        async (s) => work(s),
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (attempt >= retries) {
        if (report) await report.client.setTaskRunState(report.taskRun.id, { type: StateType.FAILED, message }, undefined);
        throw err;
      }
      if (report)
        await report.client.setTaskRunState(report.taskRun.id, { type: StateType.SCHEDULED, name: "AwaitingRetry", message }, undefined);
      await sleep(retryDelayMs(options, attempt), signal);
    }
  }
}
