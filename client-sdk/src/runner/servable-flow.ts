/** What serve() needs of a flow; every `flow(...)` result fits, whatever its argument types. */
import type { State } from "../runtime/state.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import type { FlowRun, JsonObject } from "../types.js";

export interface ServableFlow {
  readonly flowName: string;
  /** Sent with CreateDeployment: the server checks every run's parameters against it. */
  readonly parameterSchema?: JsonObject | undefined;
  // Method syntax on purpose: it lets a Flow<[string], R> (narrower args) stand in for any flow.
  executeRun(flowRun: FlowRun, args: unknown[], client?: FlowgateClient): Promise<State<unknown>>;
}
