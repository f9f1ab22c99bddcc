/**
 * The web UI's overview routes: a run's task runs, and deployments with a way to start a run of one.
 * Like every route, each decodes, calls the service the gRPC handler calls, and encodes.
 */
import type { DeploymentService } from "../app/deployment-service.js";
import type { RunOverview } from "../app/run-overview.js";
import { actorOf } from "../domain/audit.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { FlowRun, JsonObject } from "../domain/flow-run.js";
import type { DeploymentPageJson, RunJson, TaskRunPageJson } from "./api-types.js";
import { deploymentToJson, integerFromQuery, isJsonObject, taskRunToJson } from "./json.js";
import type { RouteContext, Router } from "./router.js";

export interface CatalogDeps {
  overview: RunOverview;
  deployments: DeploymentService;
  /** The body as an object with only `known` fields (api-routes.ts's one reader of bodies). */
  readBody: (ctx: RouteContext, known: readonly string[]) => Promise<JsonObject>;
  /** The run as this caller sees it (its actions), as every other route answers a run. */
  runJson: (ctx: RouteContext, run: FlowRun) => RunJson;
}

export function addCatalogRoutes(router: Router, d: CatalogDeps): Router {
  return router
    .add("GET", "/api/runs/:id/task-runs", async ({ params, url }) => {
      const q = url.searchParams;
      const { taskRuns, nextPageToken } = await d.overview.taskRuns(
        params["id"]!,
        integerFromQuery(q.get("pageSize"), "pageSize"),
        q.get("pageToken") ?? "",
      );
      const json: TaskRunPageJson = { taskRuns: taskRuns.map(taskRunToJson), nextPageToken };
      return { json };
    })
    .add("GET", "/api/deployments", async ({ url }) => {
      const q = url.searchParams;
      const { deployments, nextPageToken } = await d.deployments.list(
        q.get("flow") ?? "",
        integerFromQuery(q.get("pageSize"), "pageSize"),
        q.get("pageToken") ?? "",
      );
      const json: DeploymentPageJson = { deployments: deployments.map(deploymentToJson), nextPageToken };
      return { json };
    })
    .add("GET", "/api/deployments/:id", async ({ params }) => {
      return { json: deploymentToJson(await d.deployments.get(params["id"]!, "")) };
    })
    .add("POST", "/api/deployments/:id/run", async (ctx) => {
      const body = await d.readBody(ctx, ["parameters", "name"]);
      const parameters = body["parameters"] ?? {};
      if (!isJsonObject(parameters)) {
        throw new InvalidArgumentError("parameters must be a JSON object of parameter names and values.", [
          { field: "parameters", description: "must be a JSON object" },
        ]);
      }
      const name = body["name"] ?? "";
      if (typeof name !== "string")
        throw new InvalidArgumentError("name must be a string.", [{ field: "name", description: "must be a string" }]);
      const header = ctx.req.headers["idempotency-key"];
      const run = await d.deployments.run(actorOf(ctx.call), {
        deploymentId: ctx.params["id"]!,
        fullName: "",
        parameters,
        asSubflow: false,
        parentFlowRunId: "",
        flowRunName: name,
        requestId: typeof header === "string" ? header : "",
      });
      return { json: d.runJson(ctx, run) };
    });
}
