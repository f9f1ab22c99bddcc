import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import { flow, pauseFlowRun, RunInput, type FlowRun } from "../../client-sdk/src/index.js";
import { runCli, startCli } from "../support/cli.js";
import { nextRunIn, runReaches, startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

const Greeting = RunInput.define(z.object({ name: z.string(), excited: z.boolean().default(false) }), { description: "Who are you?" });

describe("flowgate CLI", () => {
  let sdk: SdkServer;
  let address: string;
  before(async () => {
    sdk = await startSdkServer();
    address = sdk.server.address;
  });
  after(() => sdk.stop());

  /** Starts a flow that pauses for a Greeting; resolves once it is PAUSED. */
  async function pausedGreeting(flowName: string): Promise<{ run: FlowRun; result: Promise<string> }> {
    const f = flow(
      async () => {
        const { name, excited } = await pauseFlowRun({ waitForInput: Greeting, timeout: 600 });
        return `Hello, ${name}${excited ? "!" : "."}`;
      },
      { name: flowName },
    );
    const paused = nextRunIn(sdk.client, flowName, StateType.PAUSED);
    const result = f();
    return { run: await paused, result };
  }

  test("runs ls --state paused lists paused runs only, as a table and with --json", { timeout: 60_000 }, async () => {
    const { run, result } = await pausedGreeting("cli-ls");
    const running = await sdk.client.createFlowRun({ flowName: "cli-ls", state: { type: StateType.RUNNING } });

    const human = await runCli(address, ["runs", "ls", "--state", "paused"]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^ID\s+NAME\s+FLOW\s+STATE\s+UPDATED$/m);
    assert.ok(human.stdout.includes(run.id) && human.stdout.includes("PAUSED"), human.stdout);
    assert.ok(!human.stdout.includes(running.id));
    assert.ok(!human.stdout.includes("\u001b["), "no colours when stdout is not a terminal");

    const json = await runCli(address, ["runs", "ls", "--state", "paused", "--flow", "cli-ls", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const runs = JSON.parse(json.stdout) as Array<{ id: string; state: { type: string } }>;
    assert.deepEqual(
      runs.map((r) => [r.id, r.state.type]),
      [[run.id, "PAUSED"]],
    );

    const all = JSON.parse((await runCli(address, ["--json", "runs", "ls", "--flow", "cli-ls", "--limit", "1"])).stdout) as unknown[];
    assert.equal(all.length, 1);

    await sdk.client.resumeFlowRun(run.id, { name: "Zaphod" });
    assert.equal(await result, "Hello, Zaphod.");
  });

  test("runs inspect shows state, pause key, expiry, description and schema", { timeout: 60_000 }, async () => {
    const { run, result } = await pausedGreeting("cli-inspect");
    const out = await runCli(address, ["runs", "inspect", run.id]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /State:\s+PAUSED/);
    assert.match(out.stdout, /Pause key:\s+1/);
    assert.match(out.stdout, /Expires:\s+\d{4}-\d\d-\d\dT.*\(in (9m|10m)/);
    assert.match(out.stdout, /Description:\s+Who are you\?/);
    assert.match(out.stdout, /Input schema:[\s\S]*"name"[\s\S]*"required"/);

    const json = JSON.parse((await runCli(address, ["runs", "inspect", run.id, "--json"])).stdout) as {
      pause: { key: string; inputSchema: object };
    };
    assert.equal(json.pause.key, "1");
    assert.deepEqual(json.pause.inputSchema, Greeting.jsonSchema());

    await sdk.client.resumeFlowRun(run.id, { name: "Trillian" });
    await result;
  });

  test("runs resume: invalid --input lists each field error and exits 4; valid input resumes", { timeout: 60_000 }, async () => {
    const { run, result } = await pausedGreeting("cli-resume");

    const invalid = await runCli(address, ["runs", "resume", run.id, "--input", '{"name": 42, "excited": "yes"}']);
    assert.equal(invalid.code, 4, invalid.stderr);
    const lines = invalid.stderr.trim().split("\n");
    assert.match(lines[0]!, /^error: /);
    assert.equal(lines[1], "reason: INVALID_RUN_INPUT");
    assert.deepEqual(
      lines
        .slice(2)
        .map((l) => l.trim().split(":")[0])
        .sort(),
      ["excited", "name"],
    );
    assert.equal((await sdk.client.getFlowRun(run.id)).state?.type, StateType.PAUSED);

    const notJson = await runCli(address, ["runs", "resume", run.id, "--input", "{name"]);
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /^error: --input is not valid JSON/);

    const dir = mkdtempSync(join(tmpdir(), "flowgate-cli-"));
    const file = join(dir, "input.json");
    writeFileSync(file, JSON.stringify({ name: "Marvin", excited: true }));
    const valid = await runCli(address, ["runs", "resume", run.id, "--input-file", file]);
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, /^Resumed .* RUNNING/);
    assert.equal(await result, "Hello, Marvin!");

    const again = await runCli(address, ["runs", "resume", run.id, "--input", '{"name": "Marvin"}']);
    assert.equal(again.code, 5);
    assert.deepEqual(again.stderr.trim().split("\n").slice(1), ["reason: NOT_PAUSED"], again.stderr);
    assert.match(again.stderr, /not paused/);
  });

  test("runs watch prints coloured state changes live and ends at COMPLETED", { timeout: 60_000 }, async () => {
    const { run, result } = await pausedGreeting("cli-watch");
    const watch = startCli(address, ["runs", "watch", run.id], { env: { FORCE_COLOR: "1" } });
    await watch.stdoutIncludes("PAUSED");
    await sdk.client.resumeFlowRun(run.id, { name: "Arthur" });
    await result;
    const out = await watch.done;
    assert.equal(out.code, 0, out.stderr);
    const states = out.stdout
      .trim()
      .split("\n")
      // eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC.
      .map((l) => l.replace(/\u001b\[[0-9;]*m/g, ""));
    assert.match(states[0]!, /PAUSED.*\(current\)/);
    assert.match(states.at(-1)!, /RUNNING -> COMPLETED$/);
    assert.ok(out.stdout.includes("\u001b[32mCOMPLETED\u001b[0m"), "COMPLETED is green with FORCE_COLOR");

    const plain = await runCli(address, ["runs", "watch", run.id], { env: { FORCE_COLOR: "1", NO_COLOR: "1" } });
    assert.equal(plain.code, 0);
    assert.ok(!plain.stdout.includes("\u001b["), "NO_COLOR wins");
    assert.match(plain.stdout, /COMPLETED .*\(current\)/);
  });

  test("runs cancel cancels a running run; unknown runs exit 3", { timeout: 60_000 }, async () => {
    const run = await sdk.client.createFlowRun({ flowName: "cli-cancel", state: { type: StateType.RUNNING } });
    const out = await runCli(address, ["runs", "cancel", run.id, "--json"]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal((JSON.parse(out.stdout) as FlowRun).id, run.id);
    const type = (await sdk.client.getFlowRun(run.id)).state?.type;
    assert.ok(type === StateType.CANCELLED || type === StateType.CANCELLING, String(type));

    const missing = await runCli(address, ["runs", "cancel", "6b1f1f44-1b5e-4a39-9a3e-0c6a3f1d2e7b"]);
    assert.equal(missing.code, 3);
    assert.deepEqual(missing.stderr.trim().split("\n").slice(1), ["reason: FLOW_RUN_NOT_FOUND"], missing.stderr);
  });

  test("runs suspend suspends a running deployment run; deployments ls lists it", { timeout: 60_000 }, async () => {
    const { deployment } = await sdk.client.createDeployment({
      name: "cli-dep",
      flowName: "cli-suspend",
      entrypoint: "flows.ts:cliSuspend",
    });
    const run = await sdk.client.createFlowRun({
      flowName: "cli-suspend",
      deploymentId: deployment.id,
      state: { type: StateType.RUNNING },
    });
    const out = await runCli(address, ["runs", "suspend", run.id]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /PAUSED \(Suspended\)/);
    const after = await runReaches(sdk.client, run.id, StateType.PAUSED);
    assert.equal(after.pause?.reschedule, true);

    const refused = await runCli(address, [
      "runs",
      "suspend",
      (await sdk.client.createFlowRun({ flowName: "no-deployment", state: { type: StateType.RUNNING } })).id,
    ]);
    assert.equal(refused.code, 5);
    assert.match(refused.stderr, /^error: Cannot suspend flows without a deployment\.$/m);

    const deps = await runCli(address, ["deployments", "ls"]);
    assert.equal(deps.code, 0, deps.stderr);
    assert.match(deps.stdout, /cli-suspend\/cli-dep\s+flows\.ts:cliSuspend/);
    const json = JSON.parse((await runCli(address, ["deployments", "ls", "--json"])).stdout) as Array<{ id: string }>;
    assert.ok(json.some((d) => d.id === deployment.id));
  });

  test("usage errors exit 2; an unreachable server exits 6 with one line", { timeout: 60_000 }, async () => {
    assert.equal((await runCli(address, ["runs", "ls", "--state", "sleepy"])).code, 2);
    assert.equal((await runCli(address, ["runs", "resume", "x", "--input", "{}", "--input-file", "f.json"])).code, 2);
    const down = await runCli("127.0.0.1:1", ["runs", "ls"]);
    assert.equal(down.code, 6);
    assert.match(down.stderr, /^error: cannot reach the Flowgate server at 127\.0\.0\.1:1/);
  });
});
