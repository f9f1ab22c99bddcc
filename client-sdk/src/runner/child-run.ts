/**
 * The child side of a runner: the runner re-runs its own entry script with these variables set, and
 * `serve()` in that process executes the one claimed run instead of serving. Re-running the entry
 * script is how the child finds the flow: the same module graph is loaded, so the flow object (and
 * everything it closes over) is exactly the one the user passed to `serve()`.
 */
import { getClient } from "../client.js";
import { argsOf } from "../runtime/parameters.js";
import type { FlowRun } from "../types.js";
import type { ServableFlow } from "./servable-flow.js";

/** The run the child executes. */
export const RUN_ID_ENV = "FLOWGATE_RUNNER_FLOW_RUN_ID";
/** Which of the served flows it belongs to (flow names are unique within one serve() call). */
export const FLOW_NAME_ENV = "FLOWGATE_RUNNER_FLOW_NAME";

/** A claimed run given to a child: by these variables (a cold child) or over IPC (a warm one, see warm-child.ts). */
export interface Assignment {
  flowRunId: string;
  flowName: string;
  /** The run as the runner claimed it (a warm child is given it, saving a round trip); else fetched. */
  flowRun?: FlowRun | undefined;
}

/** The claimed run this process was started for, if it is a runner's cold child. */
export function childAssignment(env: NodeJS.ProcessEnv = process.env): Assignment | undefined {
  const flowRunId = env[RUN_ID_ENV];
  const flowName = env[FLOW_NAME_ENV];
  if (!flowRunId || flowName === undefined) return undefined;
  // Cleared so that processes this flow starts (another runner, a script) are not mistaken for children.
  delete env[RUN_ID_ENV];
  delete env[FLOW_NAME_ENV];
  return { flowRunId, flowName };
}

/**
 * Executes the assigned run and ends the process: exit 0 when the flow run finished (completed or
 * failed — its state says which, and the run already reported it), 1 when it could not be executed.
 * A suspend ends the process earlier, also with 0.
 */
export async function executeAssignedRun(flows: readonly ServableFlow[], assignment: Assignment): Promise<never> {
  const f = flows.find((candidate) => candidate.flowName === assignment.flowName);
  if (!f) {
    process.stderr.write(`flowgate runner child: no flow named "${assignment.flowName}" is passed to serve() in this script.\n`);
    process.exit(1);
  }
  // The runner sends SIGTERM to stop a cancelled run. The entry script may itself handle SIGTERM (to
  // stop serving gracefully), which would keep this process alive; here it means "end now".
  process.once("SIGTERM", () => process.exit(143));
  try {
    const client = getClient();
    const run = assignment.flowRun ?? (await client.getFlowRun(assignment.flowRunId));
    await f.executeRun(run, argsOf(run.parameters), client);
    process.exit(0);
  } catch (err) {
    process.stderr.write(
      `flowgate runner child: flow run ${assignment.flowRunId} could not be executed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  }
}
