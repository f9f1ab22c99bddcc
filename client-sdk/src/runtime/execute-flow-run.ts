/**
 * Executes a flow for a run that already exists (a deployment's run, claimed by a runner): the run's
 * parameters become the flow's arguments. This is what a runner's child process does.
 */
import { getClient } from "../client.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import type { CallOptions } from "../types.js";
import type { Flow } from "./flow.js";
import { argsOf } from "./parameters.js";
import type { State } from "./state.js";

export async function executeFlowRun<A extends unknown[], R>(
  f: Flow<A, R>,
  flowRunId: string,
  opts: CallOptions & { client?: FlowgateClient } = {},
): Promise<State<R>> {
  const client = opts.client ?? getClient();
  const run = await client.getFlowRun(flowRunId, opts);
  return f.executeRun(run, argsOf(run.parameters) as A, client);
}
