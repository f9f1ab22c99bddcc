import { NotFoundError } from "../domain/errors.js";
import { pauseKeyset, type FlowRun, type JsonObject, type PauseRecord } from "../domain/flow-run.js";
import { createFlowRun } from "../domain/run-creation.js";
import { decideCancel, decideExpire, decidePause, decideResume, decideSetState, type PauseRequest } from "../domain/rules.js";
import type { StateProposal } from "../domain/states.js";
import { optionalRequestId, requireId, requirePauseKey, requireWithinLimit } from "../domain/validation.js";
import { systemClock, type AppContext } from "./context.js";
import { pageOf, readPage } from "./paging.js";
import type { RunFilter } from "./ports.js";
import { once } from "./idempotency.js";
import { announce, transitionRun } from "./run-transitions.js";

export interface CreateFlowRunInput {
  flowName: string;
  name?: string;
  deploymentId?: string;
  parameters?: JsonObject;
  state?: StateProposal;
  parentFlowRunId?: string;
  parentTaskRunId?: string;
  labels?: Record<string, string>;
  requestId?: string;
}

export interface PauseInput {
  key?: string;
  timeoutSeconds?: number;
  noTimeout?: boolean;
  reschedule?: boolean;
  inputSchema?: JsonObject;
  inputDescription?: string;
  inputInitial?: JsonObject;
  requestId?: string;
}

export interface PauseResult {
  run: FlowRun;
  alreadyFired: boolean;
  runInput?: JsonObject;
}

/** Flow runs: creation, reads, state proposals, cancel, pause, suspend, resume and expiry. */
export class RunService {
  constructor(private readonly ctx: AppContext) {}

  async create(input: CreateFlowRunInput): Promise<FlowRun> {
    const requestId = optionalRequestId(input.requestId ?? "");
    return once(this.ctx.store.requests, "create-flow-run", requestId, async () => {
      const run = createFlowRun(input, this.ctx.limits.maxInputBytes, systemClock());
      if (run.deploymentId && !(await this.ctx.store.deployments.get(run.deploymentId))) {
        throw new NotFoundError("DEPLOYMENT_NOT_FOUND", `Deployment ${run.deploymentId} was not found.`);
      }
      if (run.parentFlowRunId && !(await this.ctx.store.runs.get(run.parentFlowRunId))) {
        throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Parent flow run ${run.parentFlowRunId} was not found.`);
      }
      await this.ctx.store.runs.insert(run);
      await announce(this.ctx, run, undefined);
      return run;
    });
  }

  async get(flowRunId: string): Promise<FlowRun> {
    const id = requireId("flow_run_id", flowRunId);
    const run = await this.ctx.store.runs.get(id);
    if (!run) throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Flow run ${id} was not found.`);
    return run;
  }

  async list(filter: RunFilter, pageSize: number, pageToken: string): Promise<{ runs: FlowRun[]; nextPageToken: string }> {
    const page = readPage(pageSize, pageToken);
    const { items, nextPageToken } = pageOf(await this.ctx.store.runs.list(filter, page.offset, page.size + 1), page);
    return { runs: items, nextPageToken };
  }

  async setState(flowRunId: string, proposal: StateProposal, expectedVersion: number | undefined, requestIdText = ""): Promise<FlowRun> {
    const id = requireId("flow_run_id", flowRunId);
    const requestId = optionalRequestId(requestIdText);
    return once(this.ctx.store.requests, `set-state:${id}`, requestId, () =>
      transitionRun<FlowRun>(this.ctx, id, (run, clock) => {
        const d = decideSetState(run, proposal, expectedVersion, clock);
        const next = d.transition.run;
        return { next, result: d.kind === "expired" ? { error: d.error } : { value: next } };
      }),
    );
  }

  async cancel(flowRunId: string, requestIdText = ""): Promise<FlowRun> {
    const id = requireId("flow_run_id", flowRunId);
    const requestId = optionalRequestId(requestIdText);
    return once(this.ctx.store.requests, `cancel:${id}`, requestId, () =>
      transitionRun<FlowRun>(this.ctx, id, (run, clock) => {
        const next = decideCancel(run, clock)?.run;
        return { next, result: { value: next ?? run } };
      }),
    );
  }

  /** PauseFlowRun; with `reschedule` it is SuspendFlowRun. */
  async pause(flowRunId: string, input: PauseInput): Promise<PauseResult> {
    const id = requireId("flow_run_id", flowRunId);
    const requestId = optionalRequestId(input.requestId ?? "");
    const req = this.pauseRequest(input);
    return once(this.ctx.store.requests, `pause:${id}`, requestId, async () => {
      const mirrored = new Set<string>();
      try {
        return await transitionRun<PauseResult>(this.ctx, id, (run, clock) => {
          const d = decidePause(run, req, clock);
          if (d.kind === "already_fired") {
            return { result: { value: { run, alreadyFired: true, ...(d.pause.runInput ? { runInput: d.pause.runInput } : {}) } } };
          }
          return {
            next: d.transition.run,
            // Readers of flow-run inputs see the schema no later than the PAUSED state; the resume
            // itself reads the schema from the run, written in the same update as PAUSED.
            before: async () => {
              for (const key of await this.mirrorSchema(run, d.pause)) mirrored.add(key);
            },
            result: { value: { run: d.transition.run, alreadyFired: false } },
          };
        });
      } catch (err) {
        await this.ctx.store.inputs.deleteIfPresent(id, [...mirrored]).catch(() => undefined);
        throw err;
      }
    });
  }

  async resume(flowRunId: string, runInput: JsonObject | undefined, requestIdText = ""): Promise<FlowRun> {
    const id = requireId("flow_run_id", flowRunId);
    const requestId = optionalRequestId(requestIdText);
    if (runInput !== undefined) requireWithinLimit("run_input", runInput, this.ctx.limits.maxInputBytes, "INVALID_RUN_INPUT");
    return once(this.ctx.store.requests, `resume:${id}`, requestId, async () => {
      const resumed = await transitionRun<{ run: FlowRun; pause?: PauseRecord }>(this.ctx, id, (run, clock) => {
        const d = decideResume(run, runInput, requestId, this.ctx.schemas, clock);
        switch (d.kind) {
          case "already_resumed":
            return { result: { value: { run } } };
          case "expired":
            return { next: d.transition.run, result: { error: d.error } };
          case "resume":
            return { next: d.transition.run, result: { value: { run: d.transition.run, pause: d.pause } } };
        }
      });
      if (resumed.pause) await this.mirrorResponse(id, resumed.pause);
      return resumed.run;
    });
  }

  /** Called by the expiry scheduler; a no-op when the pause was resolved meanwhile. */
  async expire(flowRunId: string, key: string): Promise<void> {
    await transitionRun(this.ctx, flowRunId, (run, clock) => ({ next: decideExpire(run, key, clock)?.run, result: { value: undefined } }));
  }

  private pauseRequest(input: PauseInput): PauseRequest {
    if (input.inputSchema) {
      requireWithinLimit("input_schema", input.inputSchema, this.ctx.limits.maxInputBytes);
      this.ctx.schemas.check(input.inputSchema);
    }
    if (input.inputInitial) requireWithinLimit("input_initial", input.inputInitial, this.ctx.limits.maxInputBytes);
    if (input.inputDescription) requireWithinLimit("input_description", input.inputDescription, this.ctx.limits.maxInputBytes);
    return {
      key: input.key ? requirePauseKey(input.key) : undefined,
      timeoutSeconds: input.timeoutSeconds,
      noTimeout: input.noTimeout ?? false,
      reschedule: input.reschedule ?? false,
      inputSchema: input.inputSchema,
      inputDescription: input.inputDescription,
      inputInitial: input.inputInitial,
    };
  }

  private async mirrorSchema(run: FlowRun, pause: PauseRecord): Promise<string[]> {
    if (!pause.inputSchema) return [];
    const keyset = pauseKeyset(pause);
    const now = new Date();
    const keys = [`${keyset}-schema`];
    await this.ctx.store.inputs.put({ flowRunId: run.id, key: `${keyset}-schema`, value: pause.inputSchema, createdAt: now });
    if (pause.inputDescription) {
      keys.push(`${keyset}-description`);
      await this.ctx.store.inputs.put({ flowRunId: run.id, key: `${keyset}-description`, value: pause.inputDescription, createdAt: now });
    }
    return keys;
  }

  /**
   * The resume is already stored (with its input, in the run) when this runs, so a failure here must
   * not turn it into an error for the caller: it is logged, and the run still holds the input.
   */
  private async mirrorResponse(flowRunId: string, pause: PauseRecord): Promise<void> {
    if (!pause.runInput) return;
    const key = `${pauseKeyset(pause)}-response`;
    try {
      await this.ctx.store.inputs.put({ flowRunId, key, value: pause.runInput, createdAt: new Date() });
    } catch (err) {
      this.ctx.logger.error({ err, flowRunId, key }, "could not mirror the resume input into flow-run inputs");
    }
  }
}
