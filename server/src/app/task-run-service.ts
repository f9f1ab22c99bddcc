import { randomUUID } from "node:crypto";
import { AbortedError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import { isFinal, makeState, type StateProposal } from "../domain/states.js";
import { optionalRequestId, requireId, requireName, requireWithinLimit } from "../domain/validation.js";
import type { TaskRunRecord } from "../store/records.js";
import type { AppContext } from "./context.js";
import { once } from "./idempotency.js";

export interface CreateTaskRunInput {
  flowRunId: string;
  taskKey: string;
  dynamicKey: string;
  name: string;
  cacheKey: string;
  requestId: string;
}

const MAX_ATTEMPTS = 20;

/** Task runs and their persisted results, so a re-executed flow skips tasks that already completed. */
export class TaskRunService {
  constructor(private readonly ctx: AppContext) {}

  async create(input: CreateTaskRunInput): Promise<{ taskRun: TaskRunRecord; created: boolean }> {
    const flowRunId = requireId("flow_run_id", input.flowRunId);
    const taskKey = requireName("task_key", input.taskKey, 500);
    const requestId = optionalRequestId(input.requestId);
    return once(this.ctx.store.requests, `create-task-run:${flowRunId}`, requestId, async () => {
      if (!(await this.ctx.store.runs.get(flowRunId))) throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Flow run ${flowRunId} was not found.`);
      const now = new Date();
      return this.ctx.store.taskRuns.findOrCreate({
        id: randomUUID(),
        flowRunId,
        taskKey,
        dynamicKey: input.dynamicKey,
        name: input.name || taskKey,
        ...(input.cacheKey ? { cacheKey: input.cacheKey } : {}),
        hasResult: false,
        runCount: 0,
        version: 1,
        createdAt: now,
        updatedAt: now,
      });
    });
  }

  async setState(taskRunId: string, proposal: StateProposal, result: unknown, persistResult: boolean, requestIdText = ""): Promise<TaskRunRecord> {
    const id = requireId("task_run_id", taskRunId);
    const requestId = optionalRequestId(requestIdText);
    if (persistResult && proposal.type !== "COMPLETED") {
      throw new InvalidArgumentError("persist_result is only meaningful with COMPLETED.", [{ field: "persist_result", description: "requires state COMPLETED" }]);
    }
    if (result !== undefined) requireWithinLimit("result", result, this.ctx.limits.maxInputBytes);
    return once(this.ctx.store.requests, `set-task-state:${id}`, requestId, async () => {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = await this.ctx.store.taskRuns.get(id);
        if (!current) throw new NotFoundError("TASK_RUN_NOT_FOUND", `Task run ${id} was not found.`);
        if (current.state && isFinal(current.state.type)) {
          throw new FailedPreconditionError("ALREADY_FINAL", `The task run is already in a final state (${current.state.name}).`);
        }
        const now = new Date();
        const next: TaskRunRecord = {
          ...current,
          state: makeState(proposal, randomUUID(), now),
          runCount: current.runCount + (proposal.type === "RUNNING" ? 1 : 0),
          version: current.version + 1,
          updatedAt: now,
          ...(persistResult ? { result: result ?? null, hasResult: true } : {}),
        };
        if (!(await this.ctx.store.taskRuns.apply(next))) continue;
        if (persistResult && next.cacheKey) await this.ctx.store.taskRuns.putResult(next.cacheKey, next.id, now);
        return next;
      }
      throw new AbortedError("CONTENTION", `Task run ${id} kept changing under ${MAX_ATTEMPTS} attempts to update it; retry.`);
    });
  }

  async get(taskRunId: string, cacheKey: string): Promise<TaskRunRecord> {
    if ((taskRunId === "") === (cacheKey === "")) {
      throw new InvalidArgumentError("Give exactly one of task_run_id and cache_key.", [{ field: "task_run_id", description: "give exactly one of task_run_id and cache_key" }]);
    }
    const taskRun = taskRunId
      ? await this.ctx.store.taskRuns.get(requireId("task_run_id", taskRunId))
      : await this.ctx.store.taskRuns.getByCacheKey(cacheKey);
    if (!taskRun) throw new NotFoundError("TASK_RUN_NOT_FOUND", taskRunId ? `Task run ${taskRunId} was not found.` : `No persisted result for cache key "${cacheKey}".`);
    return taskRun;
  }
}
