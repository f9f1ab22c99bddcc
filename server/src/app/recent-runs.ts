import type { FlowRun } from "../domain/flow-run.js";

/** How many runs are remembered: the ones being worked on now, not every run there is. */
export const RECENT_RUNS_LIMIT = 1_000;

/**
 * The newest version this server has seen of the runs it touched last (read, wrote, or heard of from
 * another server), at most `limit`, least recently seen dropped first. A transition decides from it
 * instead of reading the run first (a resume right after its pause needs no read): a copy that turns
 * out stale costs a lost race, which the version guard detects, and a refusal decided from it is
 * checked against the store before it is answered (see applyTransition's `cached`).
 */
export class RecentRuns {
  private readonly runs = new Map<string, FlowRun>();

  constructor(private readonly limit = RECENT_RUNS_LIMIT) {}

  get(id: string): FlowRun | undefined {
    return this.runs.get(id);
  }

  /** Keeps `run` unless a newer version of it is already known. */
  note(run: FlowRun): void {
    const known = this.runs.get(run.id);
    if (known && known.version > run.version) return;
    // Re-inserted, so that Map's order is least recently seen first.
    this.runs.delete(run.id);
    this.runs.set(run.id, run);
    if (this.runs.size > this.limit) this.runs.delete(this.runs.keys().next().value!);
  }
}
