import type { StateType } from "./states.js";

/**
 * The run-count rule, for flow runs and task runs alike: entering RUNNING starts another run of the
 * same work, unless it continues one that was only interrupted (a flow run leaving a pause, or
 * re-entering RUNNING after the resume of a suspend). A run created RUNNING has run once.
 */
export function nextRunCount(count: number, entering: StateType | undefined, continuing = false): number {
  return entering === "RUNNING" && !continuing ? count + 1 : count;
}
