import { randomUUID } from "node:crypto";
import { FailedPreconditionError, InvalidArgumentError, Messages, NotFoundError } from "../domain/errors.js";
import { pauseKeyset, type FlowRun, type JsonObject, type PauseRecord } from "../domain/flow-run.js";
import { generateRunName } from "../domain/run-names.js";
import { decideCancel, decideExpire, decidePause, decideResume, decideSetState, type PauseRequest } from "../domain/rules.js";
import { makeState, type StateProposal } from "../domain/states.js";
import { optionalRequestId, requireId, requireName, requirePauseKey, requireWithinLimit } from "../domain/validation.js";
import type { RunFilter } from "../store/records.js";
import { systemClock, type AppContext } from "./context.js";
import { pageOf, readPage } from "./paging.js";
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
      const flowName = requireName("flow_name", input.flowName);
      const parameters = input.parameters ?? {};
      requireWithinLimit("parameters", parameters, this.ctx.limits.maxInputBytes);
      if (input.state?.type === "PAUSED") {
        throw new InvalidArgumentError("A flow run cannot be created PAUSED.", [{ field: "state.type", description: "cannot be PAUSED" }]);
      }
      const deploymentId = input.deploymentId ? requireId("deployment_id", input.deploymentId) : undefined;
      if (deploymentId && !(await this.ctx.store.deployments.get(deploymentId))) {
        throw new NotFoundError("DEPLOYMENT_NOT_FOUND", `Deployment ${deploymentId} was not found.`);
      }
      const parentFlowRunId = input.parentFlowRunId ? requireId("parent_flow_run_id", input.parentFlowRunId) : undefined;
      if (parentFlowRunId && !(await this.ctx.store.runs.get(parentFlowRunId))) {
        throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Parent flow run ${parentFlowRunId} was not found.`);
      }
      const parentTaskRunId = input.parentTaskRunId ? requireId("parent_task_run_id", input.parentTaskRunId) : undefined;
      const clock = systemClock();
      const run: FlowRun = {
        id: randomUUID(),
        name: input.name ? requireName("name", input.name) : generateRunName(),
        flowName,
        ...(deploymentId ? { deploymentId } : {}),
        ...(parentFlowRunId ? { parentFlowRunId } : {}),
        ...(parentTaskRunId ? { parentTaskRunId } : {}),
        parameters,
        labels: input.labels ?? {},
        ...(input.state
          ? {
              state: makeState(
                { ...input.state, details: deploymentId ? { deploymentId } : {} },
                clock.newId(),
                clock.now,
              ),
            }
          : {}),
        version: 1,
        runCount: input.state?.type === "RUNNING" ? 1 : 0,
        resuming: false,
        pauses: {},
        stateHistory: [],
        createdAt: clock.now,
        updatedAt: clock.now,
      };
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
      transitionRun(this.ctx, id, (run, clock) => {
        const d = decideSetState(run, proposal, expectedVersion, clock);
        if (d.kind === "expired") {
          return { transition: d.transition, value: (r) => r, after: () => Promise.reject(new FailedPreconditionError("PAUSE_TIMED_OUT", Messages.resumeTimedOut)) };
        }
        return { transition: d.transition, value: (r) => r };
      }),
    );
  }

  async cancel(flowRunId: string, requestIdText = ""): Promise<FlowRun> {
    const id = requireId("flow_run_id", flowRunId);
    const requestId = optionalRequestId(requestIdText);
    return once(this.ctx.store.requests, `cancel:${id}`, requestId, () =>
      transitionRun(this.ctx, id, (run, clock) => {
        const t = decideCancel(run, clock);
        return t ? { transition: t, value: (r) => r } : { value: (r) => r };
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
            return { value: (r) => ({ run: r, alreadyFired: true, ...(d.pause.runInput ? { runInput: d.pause.runInput } : {}) }) };
          }
          return {
            transition: d.transition,
            // Readers of flow-run inputs see the schema no later than the PAUSED state; the resume
            // itself reads the schema from the run, written in the same update as PAUSED.
            before: async () => {
              for (const key of await this.mirrorSchema(run, d.pause)) mirrored.add(key);
            },
            value: (r) => {
              mirrored.clear();
              return { run: r, alreadyFired: false };
            },
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
    return once(this.ctx.store.requests, `resume:${id}`, requestId, () =>
      transitionRun<FlowRun>(this.ctx, id, (run, clock) => {
        const d = decideResume(run, runInput, requestId, this.ctx.schemas, clock);
        switch (d.kind) {
          case "already_resumed":
            return { value: (r) => r };
          case "expired":
            return { transition: d.transition, value: (r) => r, after: () => Promise.reject(new FailedPreconditionError("PAUSE_TIMED_OUT", Messages.resumeTimedOut)) };
          case "resume":
            return {
              transition: d.transition,
              value: (r) => r,
              after: () => this.mirrorResponse(id, d.pause),
            };
        }
      }),
    );
  }

  /** Called by the expiry scheduler; a no-op when the pause was resolved meanwhile. */
  async expire(flowRunId: string, key: string): Promise<void> {
    await transitionRun(this.ctx, flowRunId, (run, clock) => {
      const t = decideExpire(run, key, clock);
      return t ? { transition: t, value: () => undefined } : { value: () => undefined };
    });
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
