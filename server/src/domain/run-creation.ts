/** CreateFlowRun's rules: what is checked, and the run as created. Pure; existence checks are the caller's. */
import { createHash } from "node:crypto";
import { InvalidArgumentError } from "./errors.js";
import type { FlowRun, JsonObject } from "./flow-run.js";
import type { Clock } from "./rules.js";
import { nextRunCount } from "./run-count.js";
import { generateRunName } from "./run-names.js";
import { makeState, type StateProposal } from "./states.js";
import { requireId, requireName, requireWithinLimit } from "./validation.js";

export interface FlowRunRequest {
  flowName: string;
  /** Unset or empty: a generated name ("brave-otter"). */
  name?: string | undefined;
  deploymentId?: string | undefined;
  parameters?: JsonObject | undefined;
  /** Unset: the run has no state until its process proposes one. */
  state?: StateProposal | undefined;
  parentFlowRunId?: string | undefined;
  parentTaskRunId?: string | undefined;
  labels?: Record<string, string> | undefined;
}

/**
 * The run a request creates, at version 1. A run cannot start PAUSED (a pause needs PauseFlowRun, which
 * records the pause); one created RUNNING has run once.
 */
export function createFlowRun(req: FlowRunRequest, maxInputBytes: number, clock: Clock, newName: () => string = generateRunName): FlowRun {
  const flowName = requireName("flow_name", req.flowName);
  const parameters = req.parameters ?? {};
  requireWithinLimit("parameters", parameters, maxInputBytes);
  if (req.state?.type === "PAUSED") {
    throw new InvalidArgumentError("A flow run cannot be created PAUSED.", [{ field: "state.type", description: "cannot be PAUSED" }]);
  }
  const deploymentId = req.deploymentId ? requireId("deployment_id", req.deploymentId) : undefined;
  const parentFlowRunId = req.parentFlowRunId ? requireId("parent_flow_run_id", req.parentFlowRunId) : undefined;
  const parentTaskRunId = req.parentTaskRunId ? requireId("parent_task_run_id", req.parentTaskRunId) : undefined;
  const name = req.name ? requireName("name", req.name) : newName();
  return {
    id: clock.newId(),
    name,
    flowName,
    ...(deploymentId ? { deploymentId } : {}),
    ...(parentFlowRunId ? { parentFlowRunId } : {}),
    ...(parentTaskRunId ? { parentTaskRunId } : {}),
    parameters,
    labels: req.labels ?? {},
    ...(req.state ? { state: makeState({ ...req.state, details: deploymentId ? { deploymentId } : {} }, clock.newId(), clock.now) } : {}),
    ...(req.state?.type === "RUNNING" ? { startedAt: clock.now } : {}),
    version: 1,
    runCount: nextRunCount(0, req.state?.type),
    resuming: false,
    pauses: {},
    createdAt: clock.now,
    updatedAt: clock.now,
  };
}

/**
 * The id of the run a request creates, when the request has an idempotency key: the same key always
 * names the same run (a UUID, version 8, from the key's SHA-256). A retry of a call whose run was stored
 * but whose outcome was not (its server or store died in between) then finds that run instead of
 * making a second one.
 */
export function runIdFor(requestKey: string): string {
  const b = createHash("sha256").update(`flow-run:${requestKey}`).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
