import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "./errors.js";
import { createFlowRun } from "./run-creation.js";
import type { Clock } from "./rules.js";
import { STATE_TYPES } from "./states.js";

const T0 = new Date("2026-01-01T00:00:00Z");
let ids = 0;
const clock = (): Clock => ({ now: T0, newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}` });
const LIMIT = 1024;
const DEPLOYMENT = "11111111-1111-4111-8111-111111111111";

describe("createFlowRun", () => {
  test("a run without a state is at version 1, has not run, and gets a generated name", () => {
    const run = createFlowRun({ flowName: " greet " }, LIMIT, clock(), () => "brave-otter");
    assert.equal(run.flowName, "greet");
    assert.equal(run.name, "brave-otter");
    assert.equal(run.state, undefined);
    assert.deepEqual([run.version, run.runCount, run.resuming], [1, 0, false]);
    assert.deepEqual([run.parameters, run.labels, run.pauses, run.startedAt], [{}, {}, {}, undefined]);
  });

  test("every initial state but PAUSED is accepted; only RUNNING counts as a run", () => {
    for (const type of STATE_TYPES.filter((t) => t !== "PAUSED")) {
      const run = createFlowRun({ flowName: "f", state: { type } }, LIMIT, clock());
      assert.equal(run.state?.type, type);
      assert.equal(run.runCount, type === "RUNNING" ? 1 : 0, type);
    }
    assert.throws(
      () => createFlowRun({ flowName: "f", state: { type: "PAUSED" } }, LIMIT, clock()),
      (err: unknown) => err instanceof InvalidArgumentError && err.violations[0]?.field === "state.type",
    );
  });

  test("a deployment's run carries the deployment in its initial state's details", () => {
    const run = createFlowRun({ flowName: "f", deploymentId: DEPLOYMENT.toUpperCase(), state: { type: "SCHEDULED" } }, LIMIT, clock());
    assert.equal(run.deploymentId, DEPLOYMENT);
    assert.deepEqual(run.state?.details, { deploymentId: DEPLOYMENT });
  });

  test("names, ids and parameters are checked before anything is created", () => {
    const field = (f: () => unknown): string | undefined => {
      try {
        f();
        return undefined;
      } catch (err) {
        assert.ok(err instanceof InvalidArgumentError);
        return err.violations[0]?.field;
      }
    };
    assert.equal(
      field(() => createFlowRun({ flowName: "  " }, LIMIT, clock())),
      "flow_name",
    );
    assert.equal(
      field(() => createFlowRun({ flowName: "f", parameters: { x: "y".repeat(LIMIT) } }, LIMIT, clock())),
      "parameters",
    );
    assert.equal(
      field(() => createFlowRun({ flowName: "f", deploymentId: "nope" }, LIMIT, clock())),
      "deployment_id",
    );
    assert.equal(
      field(() => createFlowRun({ flowName: "f", parentFlowRunId: "nope" }, LIMIT, clock())),
      "parent_flow_run_id",
    );
    assert.equal(
      field(() => createFlowRun({ flowName: "f", parentTaskRunId: "nope" }, LIMIT, clock())),
      "parent_task_run_id",
    );
    assert.equal(
      field(() => createFlowRun({ flowName: "f", name: "" }, LIMIT, clock())),
      undefined,
      "an empty name means a generated one",
    );
    assert.equal(
      field(() => createFlowRun({ flowName: "f", name: "x".repeat(201) }, LIMIT, clock())),
      "name",
    );
  });
});
