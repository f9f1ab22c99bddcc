/**
 * A warm child: a runner's child process started before any run is claimed, so that a claimed run
 * does not wait for Node, the loader and the flow's script to start. It re-runs the entry script as a
 * cold child does (see child-run.ts) but with FLOWGATE_RUNNER_SPARE set instead of a run id; its
 * `serve()` then tells the runner it is ready over the IPC channel and waits for one assignment (run
 * id and flow name). It executes nothing before that. Once assigned it drops the channel, so the run's
 * process is what a cold child would be: one process per run, ending with the run.
 *
 * Messages (plain objects over the channel `spawn(..., { stdio: [..., "ipc"] })` opens):
 *   child → runner  { type: "flowgate-spare-ready" }        listening for its assignment
 *   runner → child  { type: "flowgate-assignment", flowRunId, flowName, flowRun }   (the run as claimed)
 *   child → runner  { type: "flowgate-assignment-taken" }   sent before anything of the run happens
 * The channel uses Node's "advanced" serialization, so the run keeps its Dates.
 * A spare whose runner goes (the channel closes) or stops it (SIGTERM) before any assignment exits.
 */
import { getClient } from "../client.js";
import type { Assignment } from "./child-run.js";

/** How long a spare's first call may take before it says it is ready anyway. */
const WARM_UP_MS = 3_000;

/** Set (to "1") in the environment of a spare; cleared once read, like the run id of a cold child. */
export const SPARE_ENV = "FLOWGATE_RUNNER_SPARE";

export const SPARE_READY = "flowgate-spare-ready";
export const ASSIGNMENT = "flowgate-assignment";
export const ASSIGNMENT_TAKEN = "flowgate-assignment-taken";

export interface AssignmentMessage extends Assignment {
  type: typeof ASSIGNMENT;
}

/** Whether a message from the other side has this type. */
export function isMessage(message: unknown, type: string): boolean {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === type;
}

function isAssignment(message: unknown): message is AssignmentMessage {
  if (!isMessage(message, ASSIGNMENT)) return false;
  const m = message as Partial<AssignmentMessage>;
  const runMatches = m.flowRun === undefined || (typeof m.flowRun === "object" && m.flowRun !== null && m.flowRun.id === m.flowRunId);
  return typeof m.flowRunId === "string" && m.flowRunId !== "" && typeof m.flowName === "string" && runMatches;
}

/**
 * Whether this process is a runner's spare. The mark is cleared, so processes the run starts later (a
 * script calling serve(), another runner) are not mistaken for spares.
 */
export function isSpare(env: NodeJS.ProcessEnv = process.env): boolean {
  const marked = env[SPARE_ENV] === "1";
  delete env[SPARE_ENV];
  return marked;
}

/**
 * Connects the process's client and runs one call through it (GetCaller: no store, no side effect),
 * so that the run's first calls find a connection and code already compiled: the first call of a
 * fresh process costs 100–200 ms, mostly the connection and compiling the call path. A failure only
 * means the run's first call connects instead.
 */
async function warmUp(): Promise<void> {
  await getClient()
    .getCaller({ timeoutMs: WARM_UP_MS })
    .catch(() => undefined);
}

/**
 * Tells the runner this spare is ready and resolves with the run it is given. Exits the process if
 * the runner goes or stops the spare first: a spare never runs anything on its own.
 */
export async function waitForAssignment(): Promise<Assignment> {
  // Its runner went (or stopped it) while the script was loading: never serve in its place.
  if (!process.send || !process.connected) process.exit(0);
  await warmUp();
  const send = process.send?.bind(process);
  if (!send || !process.connected) process.exit(0);
  return new Promise<Assignment>((resolve) => {
    // The entry script may handle SIGTERM itself (to stop serving), which would keep an idle spare alive.
    const onTerm = (): void => process.exit(143);
    const onDisconnect = (): void => process.exit(0);
    const onMessage = (message: unknown): void => {
      if (!isAssignment(message)) return;
      process.off("message", onMessage);
      process.off("disconnect", onDisconnect);
      process.off("SIGTERM", onTerm);
      // Acknowledged before the run starts, so the runner knows a spare that dies now may have begun it.
      // The channel then closes: the run's process holds no link to its runner, as a cold child's.
      send({ type: ASSIGNMENT_TAKEN }, undefined, {}, () => {
        if (process.connected) process.disconnect();
      });
      resolve({ flowRunId: message.flowRunId, flowName: message.flowName, flowRun: message.flowRun });
    };
    process.on("message", onMessage);
    process.once("disconnect", onDisconnect);
    process.once("SIGTERM", onTerm);
    send({ type: SPARE_READY });
  });
}
