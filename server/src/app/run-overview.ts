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
}
