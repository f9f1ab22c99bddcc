import type { DeploymentServiceServer } from "@flowgate/contract/flowgate/v1/deployment_service.js";
import type { DeploymentService } from "../app/deployment-service.js";
import { actorOf } from "../domain/audit.js";
import type { HandlerAdapter } from "./adapter.js";
import { deploymentToWire, flowRunToWire } from "./mapping.js";

export function deploymentHandlers(a: HandlerAdapter, deployments: DeploymentService): DeploymentServiceServer {
  return {
    createDeployment: a.unary("CreateDeployment", async (req, ctx) => {
      const { parameters, parameterSchema, ...rest } = req;
      const r = await deployments.create(actorOf(ctx), {
        ...rest,
        ...(parameters ? { parameters } : {}),
        ...(parameterSchema ? { parameterSchema } : {}),
      });
      return { deployment: deploymentToWire(r.deployment), created: r.created };
    }),
    getDeployment: a.unary("GetDeployment", async (req) => ({
      deployment: deploymentToWire(await deployments.get(req.deploymentId, req.fullName)),
    })),
    listDeployments: a.unary("ListDeployments", async (req) => {
      const r = await deployments.list(req.flowName, req.pageSize, req.pageToken);
      return { deployments: r.deployments.map(deploymentToWire), nextPageToken: r.nextPageToken };
    }),
    runDeployment: a.unary("RunDeployment", async (req, ctx) => ({
      flowRun: flowRunToWire(await deployments.run(actorOf(ctx), { ...req, ...(req.parameters ? { parameters: req.parameters } : {}) })),
    })),
    claimFlowRuns: a.unary("ClaimFlowRuns", async (req, ctx) => ({
      flowRuns: (await deployments.claim(actorOf(ctx), req.deploymentIds, req.runnerId, req.limit)).map(flowRunToWire),
    })),
  };
}
