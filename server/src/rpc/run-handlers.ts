import type { PauseFlowRunResponse, RunServiceServer, SuspendFlowRunRequest } from "@flowgate/contract/flowgate/v1/run_service.js";
import type { DecisionCredential, PauseInput, PauseResult, RunService } from "../app/run-service.js";
import type { CallContext } from "../middleware/call-context.js";
import type { RunStreams } from "../app/run-streams.js";
import type { FlowRunInputService } from "../app/flow-run-input-service.js";
import type { TaskRunService } from "../app/task-run-service.js";
import { actorOf } from "../domain/audit.js";
import type { HandlerAdapter } from "./adapter.js";
import {
  flowRunToWire,
  inputToWire,
  issuedLinkToWire,
  linkInfoToWire,
  optionalObject,
  policyFromWire,
  timeoutFromWire,
  proposalFromWire,
  stateTypeFromWire,
  taskRunToWire,
  waitEventToWire,
  watchEventToWire,
} from "./mapping.js";
import type { RunFilter } from "../app/ports.js";
import type { StateType } from "@flowgate/contract/flowgate/v1/types.js";

export interface RunHandlerDeps {
  runs: RunService;
  streams: RunStreams;
  inputs: FlowRunInputService;
  taskRuns: TaskRunService;
}

function filterFromWire(req: { stateTypes: StateType[]; flowName: string; deploymentId: string; parentFlowRunId?: string }): RunFilter {
  return {
    stateTypes: req.stateTypes.map((t) => stateTypeFromWire(t, "state_types")),
    ...(req.flowName ? { flowName: req.flowName } : {}),
    ...(req.deploymentId ? { deploymentId: req.deploymentId } : {}),
    ...(req.parentFlowRunId ? { parentFlowRunId: req.parentFlowRunId } : {}),
  };
}

/** PauseFlowRun and SuspendFlowRun share their fields; a suspend is a pause that reschedules. */
function pauseInput(req: SuspendFlowRunRequest, reschedule: boolean): PauseInput {
  return {
    key: req.key,
    ...(req.timeoutSeconds !== undefined ? { timeoutSeconds: req.timeoutSeconds } : {}),
    noTimeout: req.noTimeout,
    reschedule,
    ...(req.inputSchema ? { inputSchema: req.inputSchema } : {}),
    inputDescription: req.inputDescription,
    ...(req.inputInitial ? { inputInitial: req.inputInitial } : {}),
    requestId: req.requestId,
    ...(req.approval ? { approval: policyFromWire(req.approval) } : {}),
    ...(req.onTimeout ? { onTimeout: timeoutFromWire(req.onTimeout) } : {}),
  };
}

function pauseResponse(r: PauseResult): PauseFlowRunResponse {
  return {
    flowRun: flowRunToWire(r.run),
    alreadyFired: r.alreadyFired,
    runInput: optionalObject(r.runInput),
    links: r.links.map(issuedLinkToWire),
  };
}

/**
 * A decision's credential: the call's key, or the resume token a key-less call was let through for
 * (the adapter refuses one that carries none; the service checks the token).
 */
function credentialOf(ctx: CallContext, resumeToken: string): DecisionCredential {
  return { actor: actorOf(ctx), authenticated: ctx.principal !== undefined, ...(resumeToken ? { resumeToken } : {}) };
}

/** Thin handlers: decode, call the application service (mutating ones as the caller's Actor), encode. */
export function runHandlers(a: HandlerAdapter, d: RunHandlerDeps): RunServiceServer {
  return {
    createFlowRun: a.unary("CreateFlowRun", async (req, ctx) => ({
      flowRun: flowRunToWire(
        await d.runs.create(actorOf(ctx), {
          flowName: req.flowName,
          name: req.name,
          deploymentId: req.deploymentId,
          ...(req.parameters ? { parameters: req.parameters } : {}),
          ...(req.state ? { state: proposalFromWire(req.state) } : {}),
          parentFlowRunId: req.parentFlowRunId,
          parentTaskRunId: req.parentTaskRunId,
          labels: req.labels,
          requestId: req.requestId,
        }),
      ),
    })),
    getFlowRun: a.unary("GetFlowRun", async (req) => ({ flowRun: flowRunToWire(await d.runs.get(req.flowRunId)) })),
    listFlowRuns: a.unary("ListFlowRuns", async (req, ctx) => {
      const { runs, nextPageToken } = req.awaitingMe
        ? await d.runs.awaiting(actorOf(ctx), filterFromWire(req), req.pageSize, req.pageToken)
        : await d.runs.list(filterFromWire(req), req.pageSize, req.pageToken);
      return { flowRuns: runs.map(flowRunToWire), nextPageToken };
    }),
    setFlowRunState: a.unary("SetFlowRunState", async (req, ctx) => ({
      flowRun: flowRunToWire(
        await d.runs.setState(actorOf(ctx), req.flowRunId, proposalFromWire(req.state), req.expectedVersion, req.requestId),
      ),
    })),
    cancelFlowRun: a.unary("CancelFlowRun", async (req, ctx) => ({
      flowRun: flowRunToWire(await d.runs.cancel(actorOf(ctx), req.flowRunId, req.requestId)),
    })),
    pauseFlowRun: a.unary("PauseFlowRun", async (req, ctx) =>
      pauseResponse(await d.runs.pause(actorOf(ctx), req.flowRunId, pauseInput(req, req.reschedule))),
    ),
    suspendFlowRun: a.unary("SuspendFlowRun", async (req, ctx) =>
      pauseResponse(await d.runs.pause(actorOf(ctx), req.flowRunId, pauseInput(req, true))),
    ),
    resumeFlowRun: a.unary("ResumeFlowRun", async (req, ctx) => {
      const r = await d.runs.resume(credentialOf(ctx, req.resumeToken), req.flowRunId, optionalObject(req.runInput), req.requestId);
      return { flowRun: flowRunToWire(r.run), resumed: r.resumed };
    }),
    rejectFlowRun: a.unary("RejectFlowRun", async (req, ctx) => ({
      flowRun: flowRunToWire(await d.runs.reject(credentialOf(ctx, req.resumeToken), req.flowRunId, req.reason, req.requestId)),
    })),
    listResumeLinks: a.unary("ListResumeLinks", async (req) => ({ links: (await d.runs.listLinks(req.flowRunId)).map(linkInfoToWire) })),
    revokeResumeLink: a.unary("RevokeResumeLink", async (req, ctx) => ({
      link: linkInfoToWire(await d.runs.revokeLink(actorOf(ctx), req.linkId)),
    })),
    waitForResume: a.serverStream("WaitForResume", (req, { signal }, send) =>
      d.streams.waitForResume(req.flowRunId, req.key, req.heartbeatSeconds, signal, (e) => send(waitEventToWire(e))),
    ),
    watchFlowRun: a.serverStream("WatchFlowRun", (req, { signal }, send) =>
      d.streams.watchRun(req.flowRunId, signal, (e) => send({ event: watchEventToWire(e) })),
    ),
    watchFlowRuns: a.serverStream("WatchFlowRuns", (req, { signal }, send) =>
      d.streams.watchRuns(filterFromWire(req), signal, (e) => send({ event: watchEventToWire(e) })),
    ),
    // `sender` in the request is not trusted: the input's sender is the caller (see the service).
    createFlowRunInput: a.unary("CreateFlowRunInput", async (req, ctx) => ({
      input: inputToWire(
        await d.inputs.create(actorOf(ctx), {
          flowRunId: req.flowRunId,
          key: req.key,
          value: req.value,
          senderFlowRunId: req.senderFlowRunId,
          claimedSender: req.sender,
          requestId: req.requestId,
        }),
      ),
    })),
    readFlowRunInput: a.unary("ReadFlowRunInput", async (req) => ({ input: inputToWire(await d.inputs.read(req.flowRunId, req.key)) })),
    filterFlowRunInputs: a.unary("FilterFlowRunInputs", async (req) => ({
      inputs: (await d.inputs.filter(req.flowRunId, req.keyPrefix, req.limit, req.excludeKeys)).map(inputToWire),
    })),
    deleteFlowRunInput: a.unary("DeleteFlowRunInput", async (req, ctx) => {
      await d.inputs.delete(actorOf(ctx), req.flowRunId, req.key);
      return {};
    }),
    createTaskRun: a.unary("CreateTaskRun", async (req, ctx) => {
      const r = await d.taskRuns.create(actorOf(ctx), req);
      return { taskRun: taskRunToWire(r.taskRun), created: r.created };
    }),
    setTaskRunState: a.unary("SetTaskRunState", async (req, ctx) => ({
      taskRun: taskRunToWire(
        await d.taskRuns.setState(actorOf(ctx), req.taskRunId, proposalFromWire(req.state), req.result, req.persistResult, req.requestId),
      ),
    })),
    getTaskRun: a.unary("GetTaskRun", async (req) => ({ taskRun: taskRunToWire(await d.taskRuns.get(req.taskRunId, req.cacheKey)) })),
  };
}
