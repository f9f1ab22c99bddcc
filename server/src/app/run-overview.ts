import { STATE_HISTORY_LIMIT, type FlowRun, type PastState } from "../domain/flow-run.js";
import type { TaskRun } from "../domain/task-run.js";
import { STATE_TYPES, type StateType } from "../domain/states.js";
import { requireId } from "../domain/validation.js";
import type { AppContext } from "./context.js";
import { pageOf, readPage } from "./paging.js";
import type { RunFilter } from "./ports.js";
import type { RunService } from "./run-service.js";

/** What the web UI shows beside the runs themselves: how many runs are in each state, and a run's task runs. */
export class RunOverview {
  constructor(
    private readonly ctx: AppContext,
    private readonly runs: RunService,
  ) {}

  /** Runs matching `filter` (its state types aside) by state type, every type present (0 when none). */
  async countByState(filter: RunFilter): Promise<{ counts: Record<StateType, number>; total: number }> {
    const found = await this.ctx.store.runs.countByState(filter);
    const counts = Object.fromEntries(STATE_TYPES.map((t) => [t, found[t] ?? 0])) as Record<StateType, number>;
    return { counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
  }

  /** The run's task runs, oldest first; an unknown run is FLOW_RUN_NOT_FOUND, not an empty list. */
  async taskRuns(flowRunId: string, pageSize: number, pageToken: string): Promise<{ taskRuns: TaskRun[]; nextPageToken: string }> {
    const run = await this.runs.get(requireId("flow_run_id", flowRunId));
    const page = readPage(pageSize, pageToken);
    const { items, nextPageToken } = pageOf(await this.ctx.store.taskRuns.listByFlowRun(run.id, page.offset, page.size + 1), page);
    return { taskRuns: items, nextPageToken };
  }

  /**
   * The run and the states it has left, oldest first (the latest STATE_HISTORY_LIMIT). Read together;
   * a state written to the history by a change that then failed to store is still the run's current
   * one, so it is left out here.
   */
  async withHistory(flowRunId: string): Promise<{ run: FlowRun; history: PastState[] }> {
    const id = requireId("flow_run_id", flowRunId);
    const [run, past] = await Promise.all([this.runs.get(id), this.ctx.store.stateHistory.latest(id, STATE_HISTORY_LIMIT + 1)]);
    const history = past.filter((s) => s.id !== run.state?.id).slice(-STATE_HISTORY_LIMIT);
    return { run, history };
  }
}
