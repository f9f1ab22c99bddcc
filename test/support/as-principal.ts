/**
 * gRPC clients that act as one principal (an API key) and may name their client kind with
 * `x-flowgate-client`, for tests of who-did-what (audit trail, request ids, senders, ownership).
 */
import { credentials, InterceptingCall, type Interceptor, type ServiceError } from "@grpc/grpc-js";
import * as auditPb from "@flowgate/contract/flowgate/v1/audit_service.js";
import * as deploymentPb from "@flowgate/contract/flowgate/v1/deployment_service.js";
import * as runPb from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";

type Callback<Res> = (err: ServiceError | null, res: Res) => void;

/** One unary call of a generated client as a promise: `start` makes the call with the callback. */
function call<Res>(start: (cb: Callback<Res>) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    start((err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** Adds these headers to every call's metadata. */
function withHeaders(headers: Record<string, string>): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
        next(metadata, listener);
      },
    });
}

/** gRPC clients acting as one principal (its key), optionally naming the client (x-flowgate-client). */
export function as(address: string, secret: string, client?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${secret}`, ...(client ? { "x-flowgate-client": client } : {}) };
  const options = { interceptors: [withHeaders(headers)] };
  const runs = new runPb.RunServiceClient(address, credentials.createInsecure(), options);
  const deployments = new deploymentPb.DeploymentServiceClient(address, credentials.createInsecure(), options);
  const audit = new auditPb.AuditServiceClient(address, credentials.createInsecure(), options);
  return {
    /** A deployment of "audited-flow" (unless the request says otherwise). */
    createDeployment: (nameOrRequest: string | Partial<deploymentPb.CreateDeploymentRequest>) => {
      const req = deploymentPb.CreateDeploymentRequest.fromPartial({
        flowName: "audited-flow",
        entrypoint: "flow.ts:main",
        ...(typeof nameOrRequest === "string" ? { name: nameOrRequest } : nameOrRequest),
      });
      return call<deploymentPb.CreateDeploymentResponse>((cb) => deployments.createDeployment(req, cb));
    },
    createFlowRun: (partial: Partial<runPb.CreateFlowRunRequest>) => {
      const req = runPb.CreateFlowRunRequest.fromPartial({ flowName: "audited-flow", ...partial });
      return call<runPb.CreateFlowRunResponse>((cb) => runs.createFlowRun(req, cb));
    },
    /** A RUNNING run of the deployment (which suspends need). */
    createRunningRun: async (deploymentId: string) => {
      const req = runPb.CreateFlowRunRequest.fromPartial({
        flowName: "audited-flow",
        deploymentId,
        state: { type: StateType.STATE_TYPE_RUNNING },
      });
      return (await call<runPb.CreateFlowRunResponse>((cb) => runs.createFlowRun(req, cb))).flowRun!;
    },
    pause: (flowRunId: string, key: string) =>
      call<runPb.PauseFlowRunResponse>((cb) => runs.pauseFlowRun(runPb.PauseFlowRunRequest.fromPartial({ flowRunId, key }), cb)),
    suspend: (flowRunId: string, key: string) =>
      call<runPb.SuspendFlowRunResponse>((cb) => runs.suspendFlowRun(runPb.SuspendFlowRunRequest.fromPartial({ flowRunId, key }), cb)),
    resume: (flowRunId: string, runInput?: Record<string, unknown>, requestId = "") => {
      const req = runPb.ResumeFlowRunRequest.fromPartial({ flowRunId, requestId, ...(runInput ? { runInput } : {}) });
      return call<runPb.ResumeFlowRunResponse>((cb) => runs.resumeFlowRun(req, cb));
    },
    cancel: (flowRunId: string) =>
      call<runPb.CancelFlowRunResponse>((cb) => runs.cancelFlowRun(runPb.CancelFlowRunRequest.fromPartial({ flowRunId }), cb)),
    createInput: (partial: Partial<runPb.CreateFlowRunInputRequest>) =>
      call<runPb.CreateFlowRunInputResponse>((cb) => runs.createFlowRunInput(runPb.CreateFlowRunInputRequest.fromPartial(partial), cb)),
    list: (partial: Partial<auditPb.ListAuditEventsRequest>) =>
      call<auditPb.ListAuditEventsResponse>((cb) => audit.listAuditEvents(auditPb.ListAuditEventsRequest.fromPartial(partial), cb)),
    verify: () =>
      call<auditPb.VerifyAuditChainResponse>((cb) => audit.verifyAuditChain(auditPb.VerifyAuditChainRequest.fromPartial({}), cb)),
    close: () => {
      runs.close();
      deployments.close();
      audit.close();
    },
  };
}
export type Caller = ReturnType<typeof as>;
