// examples/*.ts, each run exactly as its header says (`npx tsx examples/NAME.ts` is `node --import tsx
// examples/NAME.ts`, with FLOWGATE_API_ADDRESS naming the server) and driven as a person would: read
// the printed run id, resume it with the SDK or the CLI, read what the example prints. The examples
// import "flowgate", i.e. the SDK's build (client-sdk/dist, made by `npm start` / `npm run build`).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { isFinalStateType, resumeFlowRun } from "../../client-sdk/src/index.js";
import { startCli } from "../support/cli.js";
import { startRunnerProcess, type RunnerProcess } from "../support/runner-process.js";
import { runReaches, startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

const RUN_ID = /runs resume ([0-9a-f-]{36})/;

describe("examples/ (the seed's five examples in TypeScript)", () => {
  let sdk: SdkServer;
  before(async () => {
    assert.ok(
      existsSync(fileURLToPath(new URL("../../client-sdk/dist/index.js", import.meta.url))),
      "the examples import the SDK's build: run `npm run build` first",
    );
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  /** The example's process (stdout and stderr together), started as its header command does. */
  function startExample(name: string): RunnerProcess {
    return startRunnerProcess(`examples/${name}.ts`, { FLOWGATE_API_ADDRESS: sdk.server.address });
  }

  /** The run id the example prints, once printed. */
  async function printedRunId(example: RunnerProcess, signal: AbortSignal, pattern = RUN_ID): Promise<string> {
    const id = (await example.waitFor(pattern, signal))[1];
    assert.ok(id, "the example prints the run id");
    return id;
  }

  /** The example's exit code once it ends on its own. */
  function exitCode(example: RunnerProcess, signal: AbortSignal): Promise<number | null> {
    const { child } = example;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(new Error(`the example did not exit: ${String(signal.reason)}\n${example.output()}`));
      signal.addEventListener("abort", onAbort, { once: true });
      child.once("exit", (code) => {
        signal.removeEventListener("abort", onAbort);
        resolve(code);
      });
    });
  }

  /**
   * Whatever happened: the run is cancelled (so no flow process keeps waiting on it) and the example
   * stopped — SIGTERM (serve() examples stop gracefully), then SIGKILL if it does not exit in 10 s.
   */
  async function cleanUp(example: RunnerProcess, runId: string | undefined): Promise<void> {
    if (runId) {
      const run = await sdk.client.getFlowRun(runId).catch(() => undefined);
      const type = run?.state?.type;
      if (type !== undefined && !isFinalStateType(type)) await sdk.client.cancelFlowRun(runId).catch(() => undefined);
    }
    const killer = setTimeout(() => example.child.kill("SIGKILL"), 10_000);
    try {
      await example.stop();
    } finally {
      clearTimeout(killer);
    }
  }

  test("example inspiring-joke: tells the setup, pauses for 600 s, and once resumed with the SDK tells the punchline and completes", async () => {
    const signal = AbortSignal.timeout(60_000);
    const example = startExample("inspiring-joke");
    let id: string | undefined;
    try {
      id = await printedRunId(example, signal);
      assert.match(example.output(), /a raft of ducks walk into a bar\.\.\./);
      assert.match(example.output(), new RegExp(`Flow run ${id} paused for up to 10 minutes`));
      const paused = await runReaches(sdk.client, id, StateType.PAUSED, signal);
      const expiresIn = (paused.state?.details?.pauseExpiresAt?.getTime() ?? 0) - Date.now();
      assert.ok(expiresIn > 590_000 && expiresIn <= 600_000, `expires in ${expiresIn} ms`);
      assert.doesNotMatch(example.output(), /ducked/, "the second task waits for the resume");

      await resumeFlowRun(id);
      assert.equal(await exitCode(example, signal), 0);
      assert.match(example.output(), /it's a wonder none of them ducked!/);
      assert.equal((await sdk.client.getFlowRun(id)).state?.type, StateType.COMPLETED);
    } finally {
      await cleanUp(example, id);
    }
  });

  test("example conditional-pause: task one counts 0, 1, 2, the run pauses for 2 s and, resumed in time, completes", async () => {
    const signal = AbortSignal.timeout(60_000);
    const example = startExample("conditional-pause");
    let id: string | undefined;
    try {
      id = await printedRunId(example, signal);
      // Each print is on stdout once (logPrints sends it to the run's log, not to the terminal again).
      assert.deepEqual(example.output().match(/^\d$/gm), ["0", "1", "2"]);
      assert.match(example.output(), /Task one succeeded! Pausing flow run/);
      // The 2 s are counted from the pause, which the run reaches just after printing the id.
      await runReaches(sdk.client, id, StateType.PAUSED, signal);
      await resumeFlowRun(id);
      assert.equal(await exitCode(example, signal), 0);
      assert.match(example.output(), /Resumed in time\.\nFlow run finished: COMPLETED/);
      assert.equal((await sdk.client.getFlowRun(id)).state?.type, StateType.COMPLETED);
    } finally {
      await cleanUp(example, id);
    }
  });

  test("example conditional-pause: left alone, the 2 s pause times out, the run fails and the example exits 1", async () => {
    const signal = AbortSignal.timeout(60_000);
    const example = startExample("conditional-pause");
    let id: string | undefined;
    try {
      id = await printedRunId(example, signal);
      assert.equal(await exitCode(example, signal), 1);
      assert.match(example.output(), /Flow run finished: FAILED Flow run was paused and never resumed\./);
      assert.doesNotMatch(example.output(), /Resumed in time/);
      assert.equal((await sdk.client.getFlowRun(id)).state?.type, StateType.FAILED);
    } finally {
      await cleanUp(example, id);
    }
  });

  test("example noblock-pausing: serves the flow, the run suspends itself and its process exits; resumed with the CLI, it is re-executed reusing foo(x) and completes", async () => {
    const signal = AbortSignal.timeout(90_000);
    const example = startExample("noblock-pausing");
    let id: string | undefined;
    try {
      id = await printedRunId(example, signal);
      const suspended = await runReaches(sdk.client, id, StateType.PAUSED, signal);
      assert.equal(suspended.state?.name, "Suspended");
      // Not blocking: the flow's process ends once foo(x), submitted before the pause, has stored its result.
      await example.waitFor(new RegExp(`flow run ${id} process \\d+ exited with code 0`), signal);
      assert.deepEqual(fooCalls(example.output()), ["x"]);

      const resume = await startCli(sdk.server.address, ["runs", "resume", id], { signal }).done;
      assert.equal(resume.code, 0, resume.stderr);
      assert.match(resume.stdout, new RegExp(`Resumed .*${id}`));
      assert.equal(await exitCode(example, signal), 0);
      const out = example.output();
      assert.match(out, new RegExp(`Flow run ${id} finished: COMPLETED`));
      assert.match(out, /noblock-pausing returned 42, 42, 42, 42, 42/);
      // foo(x) ran once, before the pause: the re-execution reused its persisted result.
      assert.deepEqual(fooCalls(out).sort(), ["alpha", "omega", "x", "y", "z"]);
    } finally {
      await cleanUp(example, id);
    }
  });

  test('example greet-user: pauses for a name; the CLI\'s invalid input is refused, and resumed with {"name": "Marvin"} it says hello and completes', async () => {
    const signal = AbortSignal.timeout(60_000);
    const example = startExample("greet-user");
    let id: string | undefined;
    try {
      id = await printedRunId(example, signal);
      assert.match(example.output(), /--input '\{"name": "Marvin"\}'/, "it says which input it waits for");
      await runReaches(sdk.client, id, StateType.PAUSED, signal);

      const refused = await startCli(sdk.server.address, ["runs", "resume", id, "--input", '{"name": 42}'], { signal }).done;
      assert.equal(refused.code, 4, refused.stderr);
      assert.equal((await sdk.client.getFlowRun(id)).state?.type, StateType.PAUSED);

      const resume = await startCli(sdk.server.address, ["runs", "resume", id, "--input", '{"name": "Marvin"}'], { signal }).done;
      assert.equal(resume.code, 0, resume.stderr);
      assert.equal(await exitCode(example, signal), 0);
      assert.match(example.output(), /Hello, Marvin!/);
      assert.equal((await sdk.client.getFlowRun(id)).state?.type, StateType.COMPLETED);
    } finally {
      await cleanUp(example, id);
    }
  });

  test("example suspend-by-id: serves the flow, suspends its running run by id from outside; resumed with the SDK, the runner finishes it without redoing steps", async () => {
    const signal = AbortSignal.timeout(90_000);
    const example = startExample("suspend-by-id");
    let id: string | undefined;
    try {
      id = await printedRunId(example, signal, /Suspended flow run .*runs resume ([0-9a-f-]{36})/);
      const suspended = await runReaches(sdk.client, id, StateType.PAUSED, signal);
      assert.equal(suspended.state?.name, "Suspended");
      await example.waitFor(new RegExp(`flow run ${id} process \\d+ exited with code 0`), signal);
      assert.doesNotMatch(example.output(), /long-report returned/, "the suspended run stopped before its end");

      await resumeFlowRun(id);
      assert.equal(await exitCode(example, signal), 0);
      const out = example.output();
      assert.match(out, new RegExp(`Flow run ${id} finished: COMPLETED`));
      assert.match(out, /long-report returned 10, 20, 30/);
      // A step running at the suspend finished and stored its result; the re-execution reused it.
      for (const n of [1, 2, 3]) assert.equal(out.match(new RegExp(`step ${n} running`, "g"))?.length, 1, `step ${n} ran once:\n${out}`);
    } finally {
      await cleanUp(example, id);
    }
  });
});

/** The labels of the foo calls that ran, in the order they started. */
function fooCalls(output: string): string[] {
  return [...output.matchAll(/foo\((\w+)\) running/g)].map((m) => m[1] ?? "");
}
