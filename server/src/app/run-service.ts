import { auditedInput, auditState, causeOf, SERVER_ACTOR, type Actor, type AuditFacts } from "../domain/audit.js";
import { NotFoundError } from "../domain/errors.js";
import { pauseKeyset, type FlowRun, type JsonObject, type PauseRecord } from "../domain/flow-run.js";
import { createFlowRun } from "../domain/run-creation.js";
import { decideCancel, decideExpire, decidePause, decideResume, decideSetState, type PauseRequest } from "../domain/rules.js";
import type { StateProposal } from "../domain/states.js";
import { optionalRequestId, requireId, requirePauseKey, requireWithinLimit } from "../domain/validation.js";
import { recordAudit } from "./audit-trail.js";
import { systemClock, type AppContext } from "./context.js";
import { pageOf, readPage } from "./paging.js";
import type { RunFilter } from "./ports.js";
import { once, requestLogId } from "./idempotency.js";
import { announce, transitionRun, type Observed } from "./run-transitions.js";

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

/**
 * Flow runs: creation, reads, state proposals, cancel, pause, suspend, resume and expiry. Every
 * mutating method takes the Actor making the call: it scopes the call's request id to the principal,
 * names who caused each new state, and leaves the call's one audit entry.
 */
export class RunService {
  constructor(private readonly ctx: AppContext) {}

  async create(actor: Actor, input: CreateFlowRunInput): Promise<FlowRun> {
    const requestId = optionalRequestId(input.requestId ?? "");
    return once(this.ctx.store.requests, actor, "create-flow-run", requestId, async () => {
      const run = await this.createWithin(actor, input);
      await recordAudit(this.ctx, actor, { flowRunId: run.id, ...states(undefined, run), ...(requestId ? { requestId } : {}) });
      return run;
    });
  }

  /**
   * Creates a run as part of another service's call (RunDeployment): no request id of its own and no
   * audit entry, which the calling service writes for the whole call.
   */
  async createWithin(actor: Actor, input: Omit<CreateFlowRunInput, "requestId">): Promise<FlowRun> {
    const run = createFlowRun(input, this.ctx.limits.maxInputBytes, systemClock());
    if (run.state) run.state = { ...run.state, by: causeOf(actor) };
    if (run.deploymentId && !(await this.ctx.store.deployments.get(run.deploymentId))) {
      throw new NotFoundError("DEPLOYMENT_NOT_FOUND", `Deployment ${run.deploymentId} was not found.`);
    }
    if (run.parentFlowRunId && !(await this.ctx.store.runs.get(run.parentFlowRunId))) {
      throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Parent flow run ${run.parentFlowRunId} was not found.`);
    }
    await this.ctx.store.runs.insert(run);
    await announce(this.ctx, run, undefined);
    return run;
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

  async setState(
    actor: Actor,
    flowRunId: string,
    proposal: StateProposal,
    expectedVersion: number | undefined,
    requestIdText = "",
  ): Promise<FlowRun> {
    const id = requireId("flow_run_id", flowRunId);
    const requestId = optionalRequestId(requestIdText);
    return once(this.ctx.store.requests, actor, `set-state:${id}`, requestId, async () => {
      const observed: Observed = {};
      const run = await transitionRun<FlowRun>(
        this.ctx,
        actor,
        id,
        (run, clock) => {
          const d = decideSetState(run, proposal, expectedVersion, clock);
          const next = d.transition.run;
          return { next, result: d.kind === "expired" ? { error: d.error } : { value: next } };
        },
        { observed },
      );
      await this.audit(actor, id, observed, requestId);
      return run;
    });
  }

  async cancel(actor: Actor, flowRunId: string, requestIdText = ""): Promise<FlowRun> {
    const id = requireId("flow_run_id", flowRunId);
    const requestId = optionalRequestId(requestIdText);
    return once(this.ctx.store.requests, actor, `cancel:${id}`, requestId, async () => {
      const observed: Observed = {};
      const run = await transitionRun<FlowRun>(
        this.ctx,
        actor,
        id,
        (run, clock) => {
          const next = decideCancel(run, clock)?.run;
          return { next, result: { value: next ?? run } };
        },
        { observed },
      );
      await this.audit(actor, id, observed, requestId);
      return run;
    });
  }

  /** PauseFlowRun; with `reschedule` it is SuspendFlowRun. */
  async pause(actor: Actor, flowRunId: string, input: PauseInput): Promise<PauseResult> {
    const id = requireId("flow_run_id", flowRunId);
    const requestId = optionalRequestId(input.requestId ?? "");
    const req = this.pauseRequest(input);
    return once(this.ctx.store.requests, actor, `pause:${id}`, requestId, async () => {
      const mirrored = new Set<string>();
      const observed: Observed = {};
      let result: PauseResult;
      try {
        result = await transitionRun<PauseResult>(
          this.ctx,
          actor,
          id,
          (run, clock) => {
            const d = decidePause(run, req, clock);
            if (d.kind === "already_fired") {
              return { result: { value: { run, alreadyFired: true, ...(d.pause.runInput ? { runInput: d.pause.runInput } : {}) } } };
            }
            return {
              next: d.transition.run,
              // Readers of flow-run inputs see the schema no later than the PAUSED state; the resume
              // itself reads the schema from the run, written in the same update as PAUSED.
              before: async () => {
                // Compiled only now, for a run that exists, may be paused and is about to be: a
                // schema sent with any random run id costs the server nothing (the caller's scope
                // was checked before the call got here).
                if (d.pause.inputSchema) this.ctx.schemas.check(d.pause.inputSchema);
                for (const key of await this.mirrorSchema(run, d.pause)) mirrored.add(key);
              },
              result: { value: { run: d.transition.run, alreadyFired: false } },
            };
          },
          { observed },
        );
      } catch (err) {
        await this.ctx.store.inputs.deleteIfPresent(id, [...mirrored]).catch(() => undefined);
        throw err;
      }
      await this.audit(actor, id, observed, requestId);
      return result;
    });
  }

  async resume(actor: Actor, flowRunId: string, runInput: JsonObject | undefined, requestIdText = ""): Promise<FlowRun> {
    const id = requireId("flow_run_id", flowRunId);
    const requestId = optionalRequestId(requestIdText);
    if (runInput !== undefined) requireWithinLimit("run_input", runInput, this.ctx.limits.maxInputBytes, "INVALID_RUN_INPUT");
    // The pause keeps the winning resume's request id so that its retry reports success; scoped to
    // the principal, so another principal's reuse of the id is not taken for that retry.
    const pauseRequestId = requestId ? requestLogId(actor, "resume", requestId) : undefined;
    return once(this.ctx.store.requests, actor, `resume:${id}`, requestId, async () => {
      const observed: Observed = {};
      const resumed = await transitionRun<{ run: FlowRun; pause?: PauseRecord }>(
        this.ctx,
        actor,
        id,
        (run, clock) => {
          const d = decideResume(run, runInput, pauseRequestId, this.ctx.schemas, clock);
          switch (d.kind) {
            case "already_resumed":
              return { result: { value: { run } } };
            case "expired":
              return { next: d.transition.run, result: { error: d.error } };
            case "resume":
              return { next: d.transition.run, result: { value: { run: d.transition.run, pause: d.pause } } };
          }
        },
        { observed },
      );
      await this.audit(actor, id, observed, requestId, auditedInput(runInput));
      if (resumed.pause) await this.mirrorResponse(actor, id, resumed.pause);
      return resumed.run;
    });
  }

  /** Called by the expiry scheduler; a no-op when the pause was resolved meanwhile. Not a call: no audit entry. */
  async expire(flowRunId: string, key: string): Promise<void> {
    await transitionRun(this.ctx, SERVER_ACTOR, flowRunId, (run, clock) => ({
      next: decideExpire(run, key, clock)?.run,
      result: { value: undefined },
    }));
  }

  /** The call's audit entry: the run's state before and after, and the pause entered or left. */
  private async audit(
    actor: Actor,
    flowRunId: string,
    observed: Observed,
    requestId: string | undefined,
    more: AuditFacts = {},
  ): Promise<void> {
    await recordAudit(this.ctx, actor, {
      flowRunId,
      ...states(observed.before, observed.after),
      ...(requestId ? { requestId } : {}),
      ...more,
    });
  }

  private pauseRequest(input: PauseInput): PauseRequest {
    // Only the cheap bounds here; the schema is compiled once the run is found (see pause()).
    if (input.inputSchema) requireWithinLimit("input_schema", input.inputSchema, this.ctx.limits.maxInputBytes);
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
  private async mirrorResponse(actor: Actor, flowRunId: string, pause: PauseRecord): Promise<void> {
    if (!pause.runInput) return;
    const key = `${pauseKeyset(pause)}-response`;
    try {
      await this.ctx.store.inputs.put({ flowRunId, key, value: pause.runInput, sender: actor.principal, createdAt: new Date() });
    } catch (err) {
      this.ctx.logger.error({ err, flowRunId, key }, "could not mirror the resume input into flow-run inputs");
    }
  }
}

/** States before and after, and the pause key of whichever of them is PAUSED (the pause entered or left). */
function states(before: FlowRun | undefined, after: FlowRun | undefined): AuditFacts {
  const pauseKey = after?.state?.details.pauseKey ?? before?.state?.details.pauseKey;
  const stateBefore = auditState(before?.state);
  const stateAfter = auditState(after?.state);
  return {
    ...(pauseKey ? { pauseKey } : {}),
    ...(stateBefore ? { stateBefore } : {}),
    ...(stateAfter ? { stateAfter } : {}),
  };
}
