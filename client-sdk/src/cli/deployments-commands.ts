/** `flowgate deployments …`. */
import { Command } from "commander";
import type { Deployment } from "../types.js";
import { deploymentsTable } from "./format.js";
import { withContext } from "./runs-commands.js";

export function deploymentsCommand(program: Command): Command {
  const deployments = program.command("deployments").description("list deployments");
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
  return deployments;
}
