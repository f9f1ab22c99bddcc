/**
 * SDK tests: a real server per suite, with the SDK's default client pointed at it, and helpers to wait
 * for what a flow does (state changes are awaited on the watch stream, never slept for).
 */
import { configure, StateType, type FlowRun, type FlowgateClient } from "../../client-sdk/src/index.js";
import { startTestServer, type TestServer } from "./test-server.js";

export interface SdkServer {
  server: TestServer;
  client: FlowgateClient;
  stop(): Promise<void>;
}

export async function startSdkServer(): Promise<SdkServer> {
  const server = await startTestServer();
  const client = configure({ address: server.address, apiKey: server.apiKey });
  return {
    server,
    client,
    stop: async () => {
      client.close();
      await server.stop();
    },
  };
}

/** Resolves with the first run of `flowName` (created after the call) that reaches `type`, as seen on WatchFlowRuns. */
export async function nextRunIn(client: FlowgateClient, flowName: string, type: StateType, signal?: AbortSignal): Promise<FlowRun> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const e of client.watchFlowRuns({ flowName }, { signal: stop.signal })) {
      if (e.flowRun.state?.type === type) return e.flowRun;
    }
    throw new Error(`the watch of ${flowName} ended`);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    stop.abort();
  }
}

/** Resolves with the run once it reaches `type`. */
export async function runReaches(client: FlowgateClient, flowRunId: string, type: StateType, signal?: AbortSignal): Promise<FlowRun> {
  let last: FlowRun | undefined;
  try {
    for await (const e of client.watchFlowRun(flowRunId, { signal })) {
      last = e.flowRun;
      if (e.flowRun.state?.type === type) return e.flowRun;
    }
  } catch (err) {
    if (!signal?.aborted) throw err;
    // The abort alone ("{}" in the report) would not say which wait it ended, nor where the run stood.
    throw new Error(`run ${flowRunId} did not reach ${type} in time; last seen: ${describeState(last)}`, { cause: err });
  }
  throw new Error(`run ${flowRunId} ended without reaching ${type}; last seen: ${describeState(last)}`);
}

function describeState(run: FlowRun | undefined): string {
  if (!run?.state) return "nothing";
  return `${run.state.type} (${run.state.name ?? ""}${run.state.message ? `: ${run.state.message}` : ""})`;
}

export { StateType };
