/**
 * The runner's side of warm children (see warm-child.ts): it keeps one spare process started, and a
 * claimed run is handed to it instead of waiting for a new process to start Node, the loader and the
 * flow's script. The next spare starts when that run's process ends, a second after it took the run,
 * or when the next run is claimed, whichever comes first. Still one process per run.
 *
 * What can go wrong is kept away from runs: a spare that dies before it is given a run is replaced
 * after a backoff (never in a tight loop) and marks no run; one that dies while it is being given a
 * run, before it said it took it, gives the run to a new process if the run is still PENDING (so it
 * never started). Stopping the runner stops the idle spare.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { backoffMs } from "../runtime/abortable.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import { StateType, type FlowRun } from "../types.js";
import type { Assignment } from "./child-run.js";
import { endOf, type EntryCommand, type ProcessEnd, type RunProcess } from "./run-child.js";
import { ASSIGNMENT, ASSIGNMENT_TAKEN, SPARE_ENV, SPARE_READY, isMessage, type AssignmentMessage } from "./warm-child.js";

/**
 * The next spare starts when the process just handed a run ends, or this long after the handover, or
 * when a run is claimed before either: a process starting (about a second of CPU) beside a run that
 * has just started slows both, and two starting at once (a spare and a run's new process) slow both more.
 */
const NEXT_SPARE_DELAY_MS = 1_000;
/** How long a stopped spare has to exit before it is killed. */
const STOP_GRACE_MS = 5_000;
/** A replacement for a spare that died waits about this long, doubling with each spare in a row that died. */
const RESPAWN_BASE_MS = 1_000;
const RESPAWN_MAX_MS = 60_000;

type Handover = "taken" | "ended-before-sent" | "ended-after-sent";

class Spare {
  readonly ended: Promise<ProcessEnd>;
  /** True once the spare listens for its run; false if it ended first. */
  readonly ready: Promise<boolean>;
  readonly #taken: Promise<boolean>;

  constructor(
    private readonly child: ChildProcess,
    readonly envKey: string,
  ) {
    this.ended = endOf(child);
    let markReady!: (ready: boolean) => void;
    let markTaken!: (taken: boolean) => void;
    this.ready = new Promise((resolve) => (markReady = resolve));
    this.#taken = new Promise((resolve) => (markTaken = resolve));
    child.on("message", (message: unknown) => {
      if (isMessage(message, SPARE_READY)) markReady(true);
      else if (isMessage(message, ASSIGNMENT_TAKEN)) markTaken(true);
    });
    void this.ended.then(() => {
      markReady(false);
      markTaken(false);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Gives the spare its run, once it is ready (a spare still starting is waited for: it is ahead of a new process). */
  async handOver(assignment: Assignment): Promise<Handover> {
    if (!(await this.ready)) return "ended-before-sent";
    const message: AssignmentMessage = { type: ASSIGNMENT, ...assignment };
    const sent = await new Promise<boolean>((resolve) => {
      if (!this.child.connected) return resolve(false);
      this.child.send(message, undefined, {}, (err) => resolve(!err));
    });
    if (!sent) {
      // Its channel closed, so it is going (it exits when its runner goes); it cannot have the run.
      this.child.kill("SIGKILL");
      return "ended-before-sent";
    }
    return (await this.#taken) ? "taken" : "ended-after-sent";
  }

  asRunProcess(): RunProcess {
    return { pid: this.child.pid, warm: true, kill: (signal) => void this.child.kill(signal), ended: this.ended };
  }

  /** Stops an idle spare: it exits when its channel closes, or at SIGTERM; SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), STOP_GRACE_MS);
    await this.ended;
    clearTimeout(timer);
  }
}

function envKey(env: NodeJS.ProcessEnv): string {
  return JSON.stringify(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export class WarmSpares {
  #spare: Spare | undefined;
  /** The replacement of a spare that died, after its backoff. */
  #respawn: NodeJS.Timeout | undefined;
  /** The next spare after a handover (see NEXT_SPARE_DELAY_MS). */
  #delayed: NodeJS.Timeout | undefined;
  /** Spares in a row that ended before running anything; reset when one takes a run. */
  #failures = 0;
  #stopped = false;
  readonly #stopping = new Set<Promise<void>>();

  constructor(
    private readonly entry: EntryCommand,
    /** The environment a run's process gets now (it may change: a spare started with another is not used). */
    private readonly env: () => NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {}

  /** Keeps a spare started from now on. */
  start(): void {
    this.#next();
  }

  /**
   * A process executing `run`: the spare, handed the run; undefined when there is none to hand it to
   * (then the caller starts a new process, as without warm children).
   */
  async runIn(client: FlowgateClient, run: FlowRun, flowName: string): Promise<RunProcess | undefined> {
    const spare = this.#take();
    if (!spare) return undefined;
    // Until the next spare starts, runs claimed get a new process each, as without warm children.
    const handover = await spare.handOver({ flowRunId: run.id, flowName, flowRun: run });
    if (handover === "taken") {
      this.#failures = 0;
      this.#nextAfter(spare);
      return spare.asRunProcess();
    }
    this.#failures++;
    this.#next();
    if (handover === "ended-after-sent" && !(await stillPending(client, run.id))) {
      // It had begun the run: its end is the run's process ending, with what that means for the run.
      return spare.asRunProcess();
    }
    this.log(`warm process ${spare.pid ?? "?"} ended before it took flow run ${run.id}; starting a new process for it`);
    return undefined;
  }

  /** Stops the idle spare and starts no other; spares already given runs are the runs' processes. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#respawn);
    this.#respawn = undefined;
    clearTimeout(this.#delayed);
    this.#delayed = undefined;
    if (this.#spare) this.#retire(this.#spare);
    this.#spare = undefined;
    await Promise.all([...this.#stopping]);
  }

  #take(): Spare | undefined {
    // Due soon anyway: started now, it is the only process starting, and ahead of a new one.
    if (!this.#spare && this.#delayed) this.#startDelayed();
    const spare = this.#spare;
    if (!spare) return undefined;
    this.#spare = undefined;
    if (spare.envKey === envKey(this.env())) return spare;
    this.#retire(spare);
    this.#next();
    return undefined;
  }

  /** Starts the next spare once `previous`, just handed a run, has ended, or NEXT_SPARE_DELAY_MS after. */
  #nextAfter(previous: Spare): void {
    if (this.#stopped || this.#spare || this.#respawn || this.#delayed) return;
    const timer = setTimeout(() => this.#startDelayed(timer), NEXT_SPARE_DELAY_MS);
    this.#delayed = timer;
    void previous.ended.then(() => this.#startDelayed(timer));
  }

  /** Starts the delayed spare now (if `timer` is given, only if it is still the one waiting). */
  #startDelayed(timer: NodeJS.Timeout | undefined = this.#delayed): void {
    if (!timer || this.#delayed !== timer) return; // started already, or stopped
    clearTimeout(timer);
    this.#delayed = undefined;
    this.#spawn();
  }

  /** Starts the next spare now, or after the backoff when spares have been dying. */
  #next(): void {
    if (this.#stopped || this.#spare || this.#respawn || this.#delayed) return;
    if (this.#failures === 0) return this.#spawn();
    const delay = backoffMs(this.#failures - 1, RESPAWN_BASE_MS, RESPAWN_MAX_MS);
    this.log(`starting the next warm process in ${(delay / 1000).toFixed(1)} s`);
    this.#respawn = setTimeout(() => {
      this.#respawn = undefined;
      this.#spawn();
    }, delay);
  }

  #spawn(): void {
    if (this.#stopped) return;
    const env = this.env();
    const child = spawn(this.entry.command, this.entry.args, {
      env: { ...env, [SPARE_ENV]: "1" },
      stdio: ["inherit", "inherit", "inherit", "ipc"],
      serialization: "advanced",
    });
    const spare = new Spare(child, envKey(env));
    this.#spare = spare;
    void spare.ready.then((ready) => {
      if (ready && this.#spare === spare) this.log(`warm process ${spare.pid ?? "?"} is ready for the next run`);
    });
    void spare.ended.then((end) => {
      if (this.#spare !== spare) return; // taken or stopped: not an idle spare's death
      this.#spare = undefined;
      this.#failures++;
      const how = "error" in end ? end.error.message : `code ${end.code ?? end.signal ?? "?"}`;
      this.log(`warm process ${spare.pid ?? "?"} ended before it was given a run (${how})`);
      this.#next();
    });
  }

  #retire(spare: Spare): void {
    const stopping = spare.stop();
    this.#stopping.add(stopping);
    void stopping.then(() => this.#stopping.delete(stopping));
  }
}

/** Whether no process has begun the run yet (a process that begins it moves it to RUNNING first). */
async function stillPending(client: FlowgateClient, flowRunId: string): Promise<boolean> {
  try {
    return (await client.getFlowRun(flowRunId)).state?.type === StateType.PENDING;
  } catch {
    // Unknown: leave the run to the process that had it, which is what a cold start would do too.
    return false;
  }
}
