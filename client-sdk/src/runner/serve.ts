/**
 * serve(...flows, { name }): a long-lived runner. It registers one deployment per flow, claims the
 * deployments' SCHEDULED runs as the server announces them (polling as a net) and executes each in a
 * child process. Suspended runs end their child,
 * so a suspended run holds nothing; once resumed (SCHEDULED again) any runner serving the deployment
 * claims it and executes it from the start.
 *
 * How a child finds the flow: the runner re-runs its own entry script (same node flags and
 * arguments) with FLOWGATE_RUNNER_FLOW_RUN_ID set; `serve()` in that process executes the run
 * instead of serving (see child-run.ts). So `serve()` should be what the entry script does.
 *
 * Warm children (on unless `warmChild: false` or FLOWGATE_RUNNER_WARM_CHILD=0): the runner keeps one
 * such process started before any run is claimed, waiting for its run over IPC (warm-child.ts,
 * warm-spares.ts), so a claimed run does not wait for Node and the script to start.
 *
 * The handle `serve()` returns is the serving itself (await it to wait until it stopped) and tells
 * when runs of the deployments can be started: `handle.ready`, or the `onReady` option.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { pathToFileURL } from "node:url";
import { getClient } from "../client.js";
import { backoffMs, sleep } from "../runtime/abortable.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import type { Deployment, JsonObject } from "../types.js";
import { childAssignment, executeAssignedRun } from "./child-run.js";
import { entryCommand, runInChild, spawnForRun, type RunProcess } from "./run-child.js";
import { ScheduledRunsSignal } from "./scheduled-runs-signal.js";
import type { ServableFlow } from "./servable-flow.js";
import { isSpare, waitForAssignment } from "./warm-child.js";
import { WarmSpares } from "./warm-spares.js";

/** "0" or "false" turns warm children off where the `warmChild` option is not given. */
export const WARM_CHILD_ENV = "FLOWGATE_RUNNER_WARM_CHILD";

export type { ServableFlow } from "./servable-flow.js";

export interface ServeOptions {
  /** The deployments' name; each flow is deployed as "<flow name>/<name>". */
  name: string;
  /** Aborting stops claiming; serve() resolves once the runs it started have ended their processes. */
  signal?: AbortSignal;
  /**
   * How often to ask for scheduled runs even when none was announced (default 2000 ms). Runs are
   * claimed as soon as the server announces them on WatchFlowRuns; polling is the net for an
   * announcement missed while that stream reconnected.
   */
  pollIntervalMs?: number;
  /** At most this many runs execute at once (default 10). */
  limit?: number;
  /** Default parameters stored on each deployment. */
  parameters?: JsonObject;
  client?: FlowgateClient;
  /** Where runner lines go (default: stderr, prefixed "runner: "). For people: wait with `ready`/`onReady`, not on a line. */
  log?: (line: string) => void;
  /** Called once the deployments exist and the runner claims their runs (see ServeHandle.ready). */
  onReady?: (ready: ServeReady) => void;
  /**
   * Keep one child process started ahead of the next run (default true; FLOWGATE_RUNNER_WARM_CHILD=0
   * turns it off where this is not given). The spare loads the entry script up to `serve()` and waits
   * for a run, so a claimed run starts in tens of milliseconds instead of the second Node and the
   * script take to start. Each run still gets its own process. Off: each run's process is started
   * once it is claimed.
   */
  warmChild?: boolean;
}

/** The runner is serving: runs of these deployments started from now on will be claimed. */
export interface ServeReady {
  runnerId: string;
  deployments: Deployment[];
}

/**
 * Resolves once serving stopped (the signal aborted and the runs it started ended their processes);
 * rejects if serving could not start.
 */
export interface ServeHandle extends Promise<void> {
  /**
   * Resolves once serving (see ServeReady); rejects, like the handle, if serving could not start or
   * was stopped before it was ready. Never settles in a runner's child process, which executes its
   * run and exits instead.
   */
  readonly ready: Promise<ServeReady>;
}

const defaultLog = (line: string): void => void process.stderr.write(`runner: ${line}\n`);

/**
 * Serves the flows until `signal` aborts. In a runner's child process it executes the claimed run
 * instead and ends the process (it never returns there).
 */
export function serve(...args: [...flows: ServableFlow[], options: ServeOptions]): ServeHandle {
  const options = args[args.length - 1] as ServeOptions;
  const flows = args.slice(0, -1) as ServableFlow[];
  let markReady!: (ready: ServeReady) => void;
  let markFailed!: (err: unknown) => void;
  const ready = new Promise<ServeReady>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  // Whoever awaits only the handle still hears of a failure; `ready` need not be awaited too.
  ready.catch(() => undefined);
  const serving = serveFlows(flows, options, (r) => {
    markReady(r);
    options.onReady?.(r);
  });
  serving.then(
    () => markFailed(new Error("serve() stopped before it was ready.")), // a no-op once ready
    (err: unknown) => markFailed(err),
  );
  return Object.assign(serving, { ready });
}

async function serveFlows(flows: ServableFlow[], options: ServeOptions, onReady: (ready: ServeReady) => void): Promise<void> {
  const assignment = childAssignment();
  if (assignment) return executeAssignedRun(flows, assignment);
  if (isSpare()) return executeAssignedRun(flows, await waitForAssignment());

  if (flows.length === 0) throw new Error("serve() needs at least one flow.");
  const names = new Set(flows.map((f) => f.flowName));
  if (names.size !== flows.length) throw new Error("serve() flows must have distinct names: a child process finds its flow by name.");
  const client = options.client ?? getClient();
  const log = options.log ?? defaultLog;
  const signal = options.signal ?? new AbortController().signal;
  const pollMs = options.pollIntervalMs ?? 2_000;
  const limit = Math.max(1, Math.min(options.limit ?? 10, 100));
  // Checked before anything is claimed: a run claimed with no way to start its child would be stranded.
  const entry = entryCommand();

  const byDeployment = new Map<string, ServableFlow>();
  const deployments: Deployment[] = [];
  for (const f of flows) {
    const { deployment } = await client.createDeployment(
      {
        name: options.name,
        flowName: f.flowName,
        entrypoint: entrypointOf(f),
        ...(options.parameters ? { parameters: options.parameters } : {}),
        ...(f.parameterSchema ? { parameterSchema: f.parameterSchema } : {}),
      },
      { signal },
    );
    byDeployment.set(deployment.id, f);
    deployments.push(deployment);
  }
  const childEnv = (): NodeJS.ProcessEnv => ({
    ...process.env,
    // The child reaches the same server with the same key, also when they were options, not env.
    ...client.childEnv(),
  });
  const spares = warmChildOn(options.warmChild) ? new WarmSpares(entry, childEnv, log) : undefined;
  // Started before announcing readiness: the first run claimed finds the spare at least on its way.
  spares?.start();
  const running = new Set<Promise<unknown>>();
  try {
    const runnerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    const announced = new ScheduledRunsSignal(client, log);
    announced.follow([...byDeployment.keys()], signal);
    log(`serving ${deployments.map((d) => `${d.flowName}/${d.name}`).join(", ")} as ${runnerId}`);
    onReady({ runnerId, deployments });

    const aborted = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
    });
    for (let failures = 0; !signal.aborted;) {
      const free = limit - running.size;
      if (free === 0) {
        // Full: the next claim makes sense only once a child ends (or we are told to stop).
        await Promise.race([aborted, ...running]);
        continue;
      }
      try {
        // Not cut short by `signal`: runs the server claimed for us but we never heard about would stay
        // PENDING with no runner. A deadline still bounds the call.
        const claimed = await client.claimFlowRuns(
          { deploymentIds: [...byDeployment.keys()], runnerId, limit: free },
          { timeoutMs: 30_000 },
        );
        failures = 0;
        for (const run of claimed) {
          const f = byDeployment.get(run.deploymentId);
          if (!f) continue; // cannot happen: we only claim our own deployments
          const start = async (): Promise<RunProcess> =>
            (await spares?.runIn(client, run, f.flowName)) ?? spawnForRun(entry, childEnv(), run, f.flowName);
          const done = runInChild(client, start, run, f.flowName, log);
          running.add(done);
          void done.then(() => running.delete(done));
        }
        // A full batch suggests more are waiting: claim again at once.
        if (claimed.length === free) continue;
        await announced.wait(pollMs, signal);
      } catch (err) {
        if (signal.aborted) break;
        log(`claiming failed: ${err instanceof Error ? err.message : String(err)}`);
        await sleep(backoffMs(failures++, pollMs, 10_000), signal).catch(() => undefined);
      }
    }
  } finally {
    // Graceful stop: no new claims; runs already executing finish (a suspended one has already ended),
    // and the idle spare is stopped.
    if (running.size > 0) log(`stopping: waiting for ${running.size} running flow run(s)`);
    await Promise.allSettled([...running, spares?.stop()]);
  }
  log("stopped");
}

/** The `warmChild` option, else FLOWGATE_RUNNER_WARM_CHILD, else on. */
function warmChildOn(option: boolean | undefined): boolean {
  if (option !== undefined) return option;
  const env = process.env[WARM_CHILD_ENV]?.trim().toLowerCase();
  return env !== "0" && env !== "false" && env !== "no" && env !== "off";
}

/** Informational: where the flow lives, as "file-url:flow-name" (children re-run the entry script). */
function entrypointOf(f: ServableFlow): string {
  const script = process.argv[1];
  return script ? `${pathToFileURL(script).href}:${f.flowName}` : f.flowName;
}
