import { randomUUID } from "node:crypto";
import type { Actor } from "../domain/audit.js";
import { InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import type { FlowRun, JsonObject } from "../domain/flow-run.js";
import { decideClaim } from "../domain/rules.js";
import { DEPLOYMENT_PARAMETERS } from "../domain/run-input-schema.js";
import { optionalRequestId, requireId, requireName, requireWithinLimit } from "../domain/validation.js";
import { recordAudit } from "./audit-trail.js";
import type { AppContext } from "./context.js";
import { pageOf, readPage } from "./paging.js";
import { once, requestLogId } from "./idempotency.js";
import { runIdFor } from "../domain/run-creation.js";
import type { RunService } from "./run-service.js";
import type { DeploymentRecord } from "./ports.js";
import { transitionRun } from "./run-transitions.js";
import type { TaskRunService } from "./task-run-service.js";

export interface RunDeploymentInput {
  deploymentId: string;
  fullName: string;
  parameters?: JsonObject;
  asSubflow: boolean;
  parentFlowRunId: string;
  flowRunName: string;
  requestId: string;
}

/**
 * Deployments, runs of deployments (linked as subflows or not), and runners' claims. A deployment
 * belongs to the principal that created it: only it, or an admin, may change it.
 */
export class DeploymentService {
  constructor(
    private readonly ctx: AppContext,
    private readonly runs: RunService,
    private readonly taskRuns: TaskRunService,
  ) {}

  async create(
    actor: Actor,
    input: { name: string; flowName: string; entrypoint: string; parameters?: JsonObject; parameterSchema?: JsonObject; requestId: string },
  ): Promise<{ deployment: DeploymentRecord; created: boolean }> {
    const name = requireName("name", input.name);
    const flowName = requireName("flow_name", input.flowName);
    if (name.includes("/") || flowName.includes("/")) {
      throw new InvalidArgumentError('Deployment and flow names cannot contain "/".', [
        { field: "name", description: 'cannot contain "/"' },
      ]);
    }
    const parameters = input.parameters ?? {};
    requireWithinLimit("parameters", parameters, this.ctx.limits.maxInputBytes);
    const parameterSchema = input.parameterSchema;
    if (parameterSchema) {
      requireWithinLimit("parameter_schema", parameterSchema, this.ctx.limits.maxInputBytes);
      // Refused here, not at the first run: the rules a pause's input_schema is held to (size, depth, no
      // recursive $ref, linear-time patterns) hold for this schema too, since it is the same machinery.
      this.ctx.schemas.check(parameterSchema, DEPLOYMENT_PARAMETERS);
    }
    const requestId = optionalRequestId(input.requestId);
    return once(this.ctx.store.requests, actor, "create-deployment", requestId, async () => {
      const r = await this.ctx.store.deployments.upsert(
        {
          id: randomUUID(),
          name,
          flowName,
          entrypoint: input.entrypoint,
          parameters,
          ...(parameterSchema ? { parameterSchema } : {}),
          createdAt: new Date(),
          owner: actor.principal,
        },
        // An admin may change anyone's deployment; everyone else only their own.
        actor.admin ? undefined : actor.principal,
      );
      await recordAudit(this.ctx, actor, { subject: `deployment:${r.deployment.id}`, ...(requestId ? { requestId } : {}) });
      return r;
    });
  }

  async get(deploymentId: string, fullName: string): Promise<DeploymentRecord> {
    if ((deploymentId === "") === (fullName === "")) {
      throw new InvalidArgumentError("Give exactly one of deployment_id and full_name.", [
        { field: "deployment_id", description: "give exactly one of deployment_id and full_name" },
      ]);
    }
    if (deploymentId) {
      const id = requireId("deployment_id", deploymentId);
      const d = await this.ctx.store.deployments.get(id);
      if (!d) throw new NotFoundError("DEPLOYMENT_NOT_FOUND", `Deployment ${id} was not found.`);
      return d;
    }
    const [flowName, name, ...rest] = fullName.split("/");
    if (!flowName || !name || rest.length > 0) {
      throw new InvalidArgumentError('full_name must look like "flow-name/deployment-name".', [
        { field: "full_name", description: 'must be "flow-name/deployment-name"' },
      ]);
    }
    const d = await this.ctx.store.deployments.getByName(flowName, name);
    if (!d) throw new NotFoundError("DEPLOYMENT_NOT_FOUND", `Deployment "${fullName}" was not found.`);
    return d;
  }

  async list(flowName: string, pageSize: number, pageToken: string): Promise<{ deployments: DeploymentRecord[]; nextPageToken: string }> {
    const page = readPage(pageSize, pageToken);
    const { items, nextPageToken } = pageOf(await this.ctx.store.deployments.list(flowName || undefined, page.offset, page.size + 1), page);
    return { deployments: items, nextPageToken };
  }

  async run(actor: Actor, input: RunDeploymentInput): Promise<FlowRun> {
    const requestId = optionalRequestId(input.requestId);
    return once(this.ctx.store.requests, actor, "run-deployment", requestId, async () => {
      // An earlier try of this request made its run and died before its outcome was recorded: that run
      // is the answer (and no second subflow task run is made for it).
      const id = requestId ? runIdFor(requestLogId(actor, "run-deployment", requestId)) : undefined;
      const earlier = id === undefined ? undefined : await this.ctx.store.runs.get(id);
      if (earlier) return earlier;
      const deployment = await this.get(input.deploymentId, input.fullName);
      // Checked before anything is created (the subflow's task run below): bad parameters leave no trace.
      const parameters = runParameters(this.ctx, deployment, input.parameters);
      let parentTaskRunId: string | undefined;
      let parentFlowRunId: string | undefined;
      if (input.asSubflow) {
        if (!input.parentFlowRunId) {
          throw new InvalidArgumentError("as_subflow needs parent_flow_run_id.", [
            { field: "parent_flow_run_id", description: "is required with as_subflow" },
          ]);
        }
        parentFlowRunId = requireId("parent_flow_run_id", input.parentFlowRunId);
        const taskKey = `run-deployment:${deployment.flowName}/${deployment.name}`;
        const index = await this.ctx.store.taskRuns.countFor(parentFlowRunId, taskKey);
        const { taskRun } = await this.taskRuns.createWithin({
          flowRunId: parentFlowRunId,
          taskKey,
          dynamicKey: String(index),
          name: `${deployment.flowName}/${deployment.name}`,
          cacheKey: "",
        });
        parentTaskRunId = taskRun.id;
      }
      const run = await this.runs.createWithin(
        actor,
        {
          flowName: deployment.flowName,
          ...(input.flowRunName ? { name: input.flowRunName } : {}),
          deploymentId: deployment.id,
          parameters,
          state: { type: "SCHEDULED" },
          ...(parentFlowRunId ? { parentFlowRunId } : {}),
          ...(parentTaskRunId ? { parentTaskRunId } : {}),
        },
        id,
      );
      await recordAudit(this.ctx, actor, {
        flowRunId: run.id,
        ...(run.state ? { stateAfter: { id: run.state.id, type: run.state.type, name: run.state.name } } : {}),
        subject: `deployment:${deployment.id}`,
        ...(requestId ? { requestId } : {}),
      });
      return run;
    });
  }

  /** Moves up to `limit` SCHEDULED runs of these deployments to PENDING; each run goes to one claimer. */
  async claim(actor: Actor, deploymentIds: readonly string[], runnerId: string, limitIn: number): Promise<FlowRun[]> {
    if (deploymentIds.length === 0) {
      throw new InvalidArgumentError("deployment_ids must name at least one deployment.", [
        { field: "deployment_ids", description: "is required" },
      ]);
    }
    const ids = deploymentIds.map((d) => requireId("deployment_ids", d));
    const limit = limitIn === 0 ? 1 : limitIn;
    if (limit < 1 || limit > 100)
      throw new InvalidArgumentError("limit must be between 1 and 100.", [{ field: "limit", description: "must be between 1 and 100" }]);
    const claimed: FlowRun[] = [];
    for (const found of await this.ctx.store.runs.findScheduled(ids, limit * 2)) {
      if (claimed.length >= limit) break;
      // A run another claimer took meanwhile is re-read, found no longer SCHEDULED, and skipped.
      const run = await transitionRun<FlowRun | undefined>(
        this.ctx,
        actor,
        found.id,
        (current, clock) => {
          const next = decideClaim(current, runnerId, clock)?.run;
          return { next, result: { value: next } };
        },
        { current: found },
      );
      if (run) claimed.push(run);
    }
    // One entry for the call, however many runs it claimed (and none when it claimed none: nothing changed).
    if (claimed.length > 0) {
      await recordAudit(this.ctx, actor, {
        ...(claimed.length === 1 ? { flowRunId: claimed[0]!.id } : {}),
        subject: `claimed:${claimed.map((r) => r.id).join(",")}`,
      });
    }
    return claimed;
  }
}

/**
 * The parameters of a new run of the deployment: the call's over the deployment's defaults, validated
 * against its parameter schema when it has one (schema defaults applied). Throws InvalidArgumentError
 * with one field violation per failing parameter.
 */
export function runParameters(ctx: AppContext, deployment: DeploymentRecord, given: JsonObject | undefined): JsonObject {
  const merged = { ...deployment.parameters, ...(given ?? {}) };
  if (!deployment.parameterSchema) return merged;
  requireWithinLimit("parameters", merged, ctx.limits.maxInputBytes);
  return ctx.schemas.validate(deployment.parameterSchema, merged, DEPLOYMENT_PARAMETERS);
}
