import assert from "node:assert/strict";
import type { ServiceError } from "@grpc/grpc-js";
import type { FlowRun } from "../../server/src/gen/flowgate/v1/types.js";
import { StateType } from "../../server/src/gen/flowgate/v1/types.js";
import type { TestClients } from "./grpc-client.js";

/** A new flow run already RUNNING, optionally with a deployment (needed to suspend). */
export async function runningRun(c: Pick<TestClients, "runs" | "deployments">, opts: { withDeployment?: boolean } = {}): Promise<FlowRun> {
  let deploymentId = "";
  if (opts.withDeployment) {
    const { deployment } = await c.deployments.createDeployment({ name: `d-${Math.random().toString(36).slice(2, 8)}`, flowName: "test-flow" });
    deploymentId = deployment!.id;
  }
  const { flowRun } = await c.runs.createFlowRun({
    flowName: "test-flow",
    deploymentId,
    state: { type: StateType.STATE_TYPE_RUNNING },
  });
  return flowRun!;
}

/** Asserts a gRPC call fails with `code` and, when given, a message containing `message`. */
export async function expectGrpcError(p: Promise<unknown>, code: number, message?: string): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    const e = err as ServiceError;
    assert.equal(e.code, code, `expected code ${code}, got ${e.code}: ${e.details}`);
    if (message !== undefined) assert.ok(e.details.includes(message), `"${e.details}" does not contain "${message}"`);
    return e;
  }
  assert.fail(`expected gRPC error ${code}, but the call succeeded`);
}
