import type { Actor } from "../domain/audit.js";
import { InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import type { StateProposal } from "../domain/states.js";
import {
  checkTaskRunStateChange,
  decideTaskRunState,
  newTaskRun,
  type TaskRunDecision,
  type TaskRunStateChange,
} from "../domain/task-run.js";
import { optionalRequestId, requireId, requireName, requireWithinLimit } from "../domain/validation.js";
import { applyTransition, type TransitionSubject } from "./apply-transition.js";
import { recordAudit } from "./audit-trail.js";
import { systemClock, type AppContext } from "./context.js";
import { once } from "./idempotency.js";
import type { TaskRunRecord } from "./ports.js";

export interface CreateTaskRunInput {
  flowRunId: string;
  taskKey: string;
  dynamicKey: string;
  name: string;
  cacheKey: string;
  requestId: string;
}

/** Task runs and their persisted results, so a re-executed flow skips tasks that already completed. */
export class TaskRunService {
  constructor(private readonly ctx: AppContext) {}

  async create(actor: Actor, input: CreateTaskRunInput): Promise<{ taskRun: TaskRunRecord; created: boolean }> {
    const flowRunId = requireId("flow_run_id", input.flowRunId);
    const requestId = optionalRequestId(input.requestId);
    return once(this.ctx.store.requests, actor, `create-task-run:${flowRunId}`, requestId, async () => {
      const r = await this.createWithin(input);
      await recordAudit(this.ctx, actor, { flowRunId, subject: `task-run:${r.taskRun.id}`, ...(requestId ? { requestId } : {}) });
      return r;
    });
  }

  /** Creates a task run as part of another service's call (RunDeployment): no request id, no audit entry of its own. */
  async createWithin(input: Omit<CreateTaskRunInput, "requestId">): Promise<{ taskRun: TaskRunRecord; created: boolean }> {
    const flowRunId = requireId("flow_run_id", input.flowRunId);
    const taskKey = requireName("task_key", input.taskKey, 500);
    if (!(await this.ctx.store.runs.get(flowRunId))) throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Flow run ${flowRunId} was not found.`);
    return this.ctx.store.taskRuns.findOrCreate(newTaskRun({ ...input, flowRunId, taskKey }, systemClock()));
  }

  async setState(
    actor: Actor,
    taskRunId: string,
    proposal: StateProposal,
    result: unknown,
    persistResult: boolean,
    requestIdText = "",
  ): Promise<TaskRunRecord> {
    const id = requireId("task_run_id", taskRunId);
    const requestId = optionalRequestId(requestIdText);
    const change: TaskRunStateChange = { proposal, result, persistResult };
    checkTaskRunStateChange(change);
    if (result !== undefined) requireWithinLimit("result", result, this.ctx.limits.maxInputBytes);
    return once(this.ctx.store.requests, actor, `set-task-state:${id}`, requestId, async () => {
      const decided = await applyTransition<TaskRunRecord, TaskRunDecision>(this.subject(id), (current, clock) => {
        const d = decideTaskRunState(current, change, clock);
        return { next: d.next, result: { value: d } };
      });
      if (decided.indexResult && decided.next.cacheKey)
        await this.ctx.store.taskRuns.putResult(decided.next.cacheKey, decided.next.id, decided.next.updatedAt);
      // States before and after in an entry are the flow run's; a task run's own state is in the store.
      await recordAudit(this.ctx, actor, {
        flowRunId: decided.next.flowRunId,
        subject: `task-run:${id}`,
        ...(requestId ? { requestId } : {}),
      });
      return decided.next;
    });
  }

  private subject(id: string): TransitionSubject<TaskRunRecord> {
    return {
      label: `Task run ${id}`,
      key: `task-run:${id}`,
      read: async () => {
        const taskRun = await this.ctx.store.taskRuns.get(id);
        if (!taskRun) throw new NotFoundError("TASK_RUN_NOT_FOUND", `Task run ${id} was not found.`);
        return taskRun;
      },
      write: (next, options) => this.ctx.store.taskRuns.apply(next, options),
    };
  }

  async get(taskRunId: string, cacheKey: string): Promise<TaskRunRecord> {
    if ((taskRunId === "") === (cacheKey === "")) {
      throw new InvalidArgumentError("Give exactly one of task_run_id and cache_key.", [
        { field: "task_run_id", description: "give exactly one of task_run_id and cache_key" },
      ]);
    }
    const taskRun = taskRunId
      ? await this.ctx.store.taskRuns.get(requireId("task_run_id", taskRunId))
      : await this.ctx.store.taskRuns.getByCacheKey(cacheKey);
    if (!taskRun)
      throw new NotFoundError(
        "TASK_RUN_NOT_FOUND",
        taskRunId ? `Task run ${taskRunId} was not found.` : `No persisted result for cache key "${cacheKey}".`,
      );
    return taskRun;
  }
}
