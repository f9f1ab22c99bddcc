/** `flowgate deployments …`. */
import { Command } from "commander";
import type { Deployment, JsonObject } from "../types.js";
import { CliError } from "./errors.js";
import { deploymentsTable } from "./format.js";
import { withContext } from "./runs-commands.js";

export function deploymentsCommand(program: Command): Command {
  const deployments = program.command("deployments").description("list deployments and start their runs");
  deployments
    .command("ls")
    .description("list deployments")
    .option("--flow <name>", "only deployments of this flow")
    .action(async (opts: { flow?: string }, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        // Every page: deployments are few, and a partial list would mislead.
        const all: Deployment[] = [];
        let pageToken = "";
        do {
          const page = await ctx.client().listDeployments({ flowName: opts.flow, pageToken }, { signal });
          all.push(...page.deployments);
          pageToken = page.nextPageToken;
        } while (pageToken);
        ctx.print(() => deploymentsTable(all), all);
      }),
    );
  deployments
    .command("run")
    .description("start a run of a deployment (SCHEDULED, for its runner to pick up)")
    .argument("<name>", 'the deployment: "flow-name/deployment-name" or its id')
    .option("--param <key=value>", "a parameter (repeatable); the value is read as JSON when it is JSON, else as text", collect, [])
    .option("--params <json>", "the parameters as one JSON object (--param values override its fields)")
    .option("--name <run-name>", "the run's name (default: a generated one)")
    .action(async (name: string, opts: { param: string[]; params?: string; name?: string }, cmd: Command) =>
      withContext(cmd, async (ctx, signal) => {
        const parameters = parametersOf(opts.params, opts.param);
        const run = await ctx
          .client()
          .runDeployment(
            { ...(UUID.test(name) ? { deploymentId: name } : { fullName: name }), parameters, flowRunName: opts.name },
            { signal },
          );
        ctx.print(() => `Started ${run.name} (${run.id}), ${run.state?.type ?? "SCHEDULED"}: a runner of ${name} picks it up.`, run);
      }),
    );
  return deployments;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** --params as the base, each --param key=value over it (Prefect's `deployment run` reads them the same way). */
export function parametersOf(json: string | undefined, pairs: readonly string[]): JsonObject {
  let base: unknown = {};
  if (json !== undefined) {
    try {
      base = JSON.parse(json);
    } catch (err) {
      throw new CliError(`--params is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof base !== "object" || base === null || Array.isArray(base)) {
      throw new CliError(`--params must be a JSON object, like '{"name": "Marvin"}'`);
    }
  }
  const parameters = { ...(base as JsonObject) };
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new CliError(`--param must look like key=value (got "${pair}")`);
    const text = pair.slice(at + 1);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    parameters[pair.slice(0, at)] = value as JsonObject[string];
  }
  return parameters;
}
