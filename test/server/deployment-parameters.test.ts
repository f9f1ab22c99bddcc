import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { status } from "@grpc/grpc-js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import type { DeploymentJson, RunJson } from "../../server/src/http/api-types.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { expectGrpcError, fieldViolations, runningRun } from "../support/fixtures.js";

const SCHEMA = {
  type: "object",
  properties: {
    region: { type: "string", enum: ["eu", "us"] },
    retries: { type: "integer", minimum: 0, default: 3 },
    dryRun: { type: "boolean", default: false },
  },
  required: ["region"],
  additionalProperties: false,
};

/** A deployment's parameter schema holds on every path that creates a run of it, before anything is stored. */
describe("a deployment's parameter schema", () => {
  let server: TestServer;
  let base: string;
  before(async () => {
    server = await startTestServer({ env: { FLOWGATE_HTTP_ADDRESS: "127.0.0.1:0" } });
    base = `http://${server.httpAddress}`;
  });
  after(() => server.stop());

  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: server.authHeader, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  async function runsOf(deploymentId: string): Promise<RunJson[]> {
    return (await call<{ runs: RunJson[] }>("GET", `/api/runs?deployment=${deploymentId}`)).body.runs;
  }

  async function deploymentWithSchema(defaults: Record<string, unknown> = { retries: 1 }) {
    const flowName = `params-${randomUUID().slice(0, 8)}`;
    const { deployment } = await server.deployments.createDeployment({
      name: "nightly",
      flowName,
      entrypoint: "flows.ts:nightly",
      parameters: defaults,
      parameterSchema: SCHEMA,
    });
    return deployment!;
  }

  test("the schema is kept with the deployment and shown by gRPC and the HTTP API", async () => {
    const deployment = await deploymentWithSchema();
    assert.deepEqual(deployment.parameterSchema, SCHEMA);
    const { deployment: got } = await server.deployments.getDeployment({ deploymentId: deployment.id });
    assert.deepEqual(got!.parameterSchema, SCHEMA);
    const json = await call<DeploymentJson>("GET", `/api/deployments/${deployment.id}`);
    assert.deepEqual(json.body.parameterSchema, SCHEMA);
    const listed = await call<{ deployments: DeploymentJson[] }>("GET", `/api/deployments?flow=${deployment.flowName}`);
    assert.deepEqual(listed.body.deployments[0]!.parameterSchema, SCHEMA);
  });

  test("RunDeployment refuses parameters the schema refuses, naming each field, and creates no run", async () => {
    const deployment = await deploymentWithSchema();
    const bad = await expectGrpcError(
      server.deployments.runDeployment({ deploymentId: deployment.id, parameters: { region: "mars", retries: -1 } }),
      status.INVALID_ARGUMENT,
      "Parameters are invalid",
      "INVALID_ARGUMENT",
    );
    assert.deepEqual(
      fieldViolations(bad)
        .map((v) => v.field)
        .sort(),
      ["region", "retries"],
    );
    assert.match(fieldViolations(bad).find((v) => v.field === "region")!.description, /"eu", "us"/);

    const missing = await expectGrpcError(
      server.deployments.runDeployment({ fullName: `${deployment.flowName}/nightly` }),
      status.INVALID_ARGUMENT,
      undefined,
      "INVALID_ARGUMENT",
    );
    assert.deepEqual(fieldViolations(missing), [{ field: "region", description: "is required" }]);

    const unknown = await expectGrpcError(
      server.deployments.runDeployment({ deploymentId: deployment.id, parameters: { region: "eu", colour: "red" } }),
      status.INVALID_ARGUMENT,
    );
    assert.deepEqual(fieldViolations(unknown), [{ field: "colour", description: "is not allowed" }]);

    assert.deepEqual(await runsOf(deployment.id), []);
  });

  test("a subflow run with bad parameters leaves nothing in the parent either", async () => {
    const deployment = await deploymentWithSchema();
    const parent = await runningRun(server, { withDeployment: true });
    await expectGrpcError(
      server.deployments.runDeployment({
        deploymentId: deployment.id,
        asSubflow: true,
        parentFlowRunId: parent.id,
        parameters: { region: 1 },
      }),
      status.INVALID_ARGUMENT,
    );
    const taskRuns = await call<{ taskRuns: unknown[] }>("GET", `/api/runs/${parent.id}/task-runs`);
    assert.deepEqual(taskRuns.body.taskRuns, []);
    assert.deepEqual(await runsOf(deployment.id), []);
  });

  test("the HTTP API's Run refuses the same parameters with the same field errors, and creates no run", async () => {
    const deployment = await deploymentWithSchema();
    const refused = await call<{ reason: string; fieldErrors: { field: string; description: string }[] }>(
      "POST",
      `/api/deployments/${deployment.id}/run`,
      { parameters: { region: "mars" } },
    );
    assert.equal(refused.status, 400);
    assert.equal(refused.body.reason, "INVALID_ARGUMENT");
    assert.deepEqual(
      refused.body.fieldErrors.map((f) => f.field),
      ["region"],
    );
    assert.deepEqual(await runsOf(deployment.id), []);
  });

  test("CreateFlowRun of the deployment is held to its schema too", async () => {
    const deployment = await deploymentWithSchema();
    const err = await expectGrpcError(
      server.runs.createFlowRun({ flowName: deployment.flowName, deploymentId: deployment.id, parameters: { region: "mars" } }),
      status.INVALID_ARGUMENT,
      undefined,
      "INVALID_ARGUMENT",
    );
    assert.deepEqual(
      fieldViolations(err).map((v) => v.field),
      ["region"],
    );
    assert.deepEqual(await runsOf(deployment.id), []);
    const { flowRun } = await server.runs.createFlowRun({
      flowName: deployment.flowName,
      deploymentId: deployment.id,
      parameters: { region: "us" },
    });
    assert.deepEqual(flowRun!.parameters, { region: "us", retries: 3, dryRun: false });
  });

  test("good parameters create the run, merged over the defaults, with the schema's defaults filled in", async () => {
    const deployment = await deploymentWithSchema();
    const { flowRun } = await server.deployments.runDeployment({ deploymentId: deployment.id, parameters: { region: "us" } });
    assert.equal(flowRun!.state!.type, StateType.STATE_TYPE_SCHEDULED);
    assert.deepEqual(flowRun!.parameters, { region: "us", retries: 1, dryRun: false });

    const started = await call<RunJson>("POST", `/api/deployments/${deployment.id}/run`, { parameters: { region: "eu", retries: 5 } });
    assert.equal(started.status, 200);
    assert.deepEqual(started.body.parameters, { region: "eu", retries: 5, dryRun: false });
    assert.deepEqual((await runsOf(deployment.id)).map((r) => r.id).sort(), [flowRun!.id, started.body.id].sort());
  });

  test("a deployment updated without a schema no longer checks parameters", async () => {
    const deployment = await deploymentWithSchema();
    const { deployment: updated } = await server.deployments.createDeployment({ name: "nightly", flowName: deployment.flowName });
    assert.equal(updated!.parameterSchema, undefined);
    const { flowRun } = await server.deployments.runDeployment({ deploymentId: deployment.id, parameters: { region: "mars" } });
    assert.deepEqual(flowRun!.parameters, { region: "mars" });
  });

  test("a schema refused for a pause's input is refused at CreateDeployment, and nothing is stored", async () => {
    const refused: [string, Record<string, unknown>, string][] = [
      ["recursive $ref", { type: "object", properties: { child: { $ref: "#" } } }, "recursive"],
      ["lookbehind pattern", { type: "object", properties: { s: { type: "string", pattern: "(?<=a)b" } } }, "pattern"],
      ["backreference", { type: "object", properties: { s: { type: "string", pattern: "^(a)\\1$" } } }, "pattern"],
      ["not a JSON Schema", { type: "nonsense" }, "not a valid JSON Schema"],
    ];
    for (const [what, parameterSchema, message] of refused) {
      const flowName = `refused-${randomUUID().slice(0, 8)}`;
      const err = await expectGrpcError(
        server.deployments.createDeployment({ name: "nightly", flowName, parameterSchema }),
        status.INVALID_ARGUMENT,
        message,
        "INVALID_ARGUMENT",
      );
      assert.match(fieldViolations(err)[0]!.field, /^parameter_schema/, what);
      await expectGrpcError(server.deployments.getDeployment({ fullName: `${flowName}/nightly` }), status.NOT_FOUND);
    }
  });
});
