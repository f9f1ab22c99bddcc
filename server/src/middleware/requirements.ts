import type { Requirement } from "../domain/access.js";
import type { CallContext } from "./call-context.js";

/**
 * What each call needs, by gRPC method and by HTTP route: the one table the authentication
 * middleware reads. A gRPC method missing here is refused (fail closed), and a test fails when the
 * contract has a method or the router a route without a row.
 */
export const GRPC_REQUIREMENTS: Readonly<Record<string, Requirement>> = {
  "flowgate.v1.RunService/CreateFlowRun": "runs:write",
  "flowgate.v1.RunService/GetFlowRun": "runs:read",
  "flowgate.v1.RunService/ListFlowRuns": "runs:read",
  "flowgate.v1.RunService/SetFlowRunState": "runs:write",
  "flowgate.v1.RunService/CancelFlowRun": "runs:resume",
  "flowgate.v1.RunService/PauseFlowRun": "runs:write",
  // A flow suspends itself (runs:write); an approver suspends another run (runs:resume).
  "flowgate.v1.RunService/SuspendFlowRun": ["runs:write", "runs:resume"],
  // An approver's key, or a resume link's token in place of any key (checked by the service).
  "flowgate.v1.RunService/ResumeFlowRun": { scope: "runs:resume", orResumeToken: true },
  "flowgate.v1.RunService/RejectFlowRun": { scope: "runs:resume", orResumeToken: true },
  "flowgate.v1.RunService/ListResumeLinks": "runs:read",
  // Whoever may make a pause with links may take them back (the pausing flow's key, or an admin).
  "flowgate.v1.RunService/RevokeResumeLink": "runs:write",
  "flowgate.v1.RunService/WaitForResume": "runs:read",
  "flowgate.v1.RunService/WatchFlowRun": "runs:read",
  "flowgate.v1.RunService/WatchFlowRuns": "runs:read",
  "flowgate.v1.RunService/CreateFlowRunInput": "runs:write",
  "flowgate.v1.RunService/ReadFlowRunInput": "runs:read",
  "flowgate.v1.RunService/FilterFlowRunInputs": "runs:read",
  "flowgate.v1.RunService/DeleteFlowRunInput": "runs:write",
  "flowgate.v1.RunService/CreateTaskRun": "runs:write",
  "flowgate.v1.RunService/SetTaskRunState": "runs:write",
  "flowgate.v1.RunService/GetTaskRun": "runs:read",
  "flowgate.v1.DeploymentService/CreateDeployment": "deployments:write",
  "flowgate.v1.DeploymentService/GetDeployment": "runs:read",
  "flowgate.v1.DeploymentService/ListDeployments": "runs:read",
  "flowgate.v1.DeploymentService/RunDeployment": "deployments:write",
  "flowgate.v1.DeploymentService/ClaimFlowRuns": "deployments:write",
  "flowgate.v1.KeyService/CreateKey": "admin",
  "flowgate.v1.KeyService/ListKeys": "admin",
  "flowgate.v1.KeyService/RevokeKey": "admin",
  "flowgate.v1.KeyService/GetCaller": "authenticated",
  "flowgate.v1.AuditService/ListAuditEvents": "runs:read",
  // The whole trail, every principal's calls: an administrator's check.
  "flowgate.v1.AuditService/VerifyAuditChain": "admin",
  // Webhooks receive every paused run's resume links: administrators only.
  "flowgate.v1.WebhookService/CreateWebhook": "admin",
  "flowgate.v1.WebhookService/ListWebhooks": "admin",
  "flowgate.v1.WebhookService/DeleteWebhook": "admin",
  "flowgate.v1.WebhookService/ListWebhookDeliveries": "admin",
  // A flow writes its own run's logs; reading them is reading the run.
  "flowgate.v1.LogService/CreateLogs": "runs:write",
  "flowgate.v1.LogService/ListLogs": "runs:read",
  "flowgate.v1.LogService/WatchLogs": "runs:read",
};

/** HTTP API routes by "METHOD /pattern". Paths outside /api/ (the web UI's files) are public. */
export const HTTP_REQUIREMENTS: Readonly<Record<string, Requirement>> = {
  "GET /api/health": "public",
  "GET /api/runs": "runs:read",
  "GET /api/runs/counts": "runs:read",
  "GET /api/runs/:id": "runs:read",
  "GET /api/runs/:id/task-runs": "runs:read",
  "GET /api/runs/:id/inputs": "runs:read",
  "GET /api/runs/:id/audit": "runs:read",
  "GET /api/runs/:id/logs": "runs:read",
  "GET /api/runs/:id/logs/events": "runs:read",
  "POST /api/runs/:id/resume": "runs:resume",
  "POST /api/runs/:id/reject": "runs:resume",
  // A resume link's page and its two decisions: the token in the path is the credential.
  "GET /api/links/:token": "public",
  "POST /api/links/:token/resume": "public",
  "POST /api/links/:token/reject": "public",
  "POST /api/runs/:id/suspend": "runs:resume",
  "POST /api/runs/:id/cancel": "runs:resume",
  "GET /api/runs/:id/events": "runs:read",
  "GET /api/events": "runs:read",
  "GET /api/deployments": "runs:read",
  "GET /api/deployments/:id": "runs:read",
  // Starting a deployment's run, as RunDeployment over gRPC.
  "POST /api/deployments/:id/run": "deployments:write",
  // The web UI's sign-in: opening a session takes a credential (an API key, or a sign-in link's
  // one-time token); which session is yours, and ending it, take the session itself.
  "GET /api/session": "authenticated",
  "POST /api/session": "authenticated",
  "POST /api/session/sign-out": "authenticated",
};

/**
 * A call's requirement: gRPC methods from their table (undefined, hence refused, when missing);
 * HTTP routes from theirs, and everything else on HTTP (the web UI's files, paths no route matches,
 * which answer 404) is public. The access test holds every route of the router to a row.
 */
export function requirementOf(ctx: CallContext): Requirement | undefined {
  if (ctx.transport === "grpc") return GRPC_REQUIREMENTS[ctx.method];
  return HTTP_REQUIREMENTS[ctx.method] ?? "public";
}
