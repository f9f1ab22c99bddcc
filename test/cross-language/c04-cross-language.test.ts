/**
 * C04: a TypeScript flow pauses with an input schema; a Python process resumes it with input; a Go
 * process watching the run sees PAUSED → RUNNING → COMPLETED; the flow's result contains the input.
 * Needs the Python client installed in .venv and Go (see .ci/run).
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { z } from "zod";
import { flow, pauseFlowRun, RunInput } from "../../client-sdk/src/index.js";
import { nextRunIn, startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

const RESUME_PY = `
import sys
from flowgate import Client
with Client(sys.argv[1]) as client:
    run = client.resume_flow_run(sys.argv[2], {"name": "Marvin", "answer": 42})
    print(run.state_type.value)
`;

describe("C04 a TypeScript flow, resumed from Python, watched from Go", () => {
  let sdk: SdkServer;
  let binDir: string;
  let watchBin: string;
  before(async () => {
    sdk = await startSdkServer();
    binDir = mkdtempSync(join(tmpdir(), "flowgate-c04-"));
    watchBin = join(binDir, "watch");
    // Built first so that compiling is not part of the watch's timing.
    await run("go", ["build", "-o", watchBin, "./examples/watch"], { cwd: join(REPO, "clients", "go") });
  });
  after(async () => {
    await sdk.stop();
    rmSync(binDir, { recursive: true, force: true });
  });

  test("C04 TS pauses with a schema, Python resumes with input, Go sees PAUSED → RUNNING → COMPLETED", async () => {
    const Person = RunInput.define(z.object({ name: z.string(), answer: z.number().int() }), { description: "Who are you?" });
    const greet = flow(
      async () => {
        const input = await pauseFlowRun({ timeout: 600, waitForInput: Person });
        return { greeting: `Hello, ${input.name}!`, input };
      },
      { name: "c04-greet" },
    );

    const paused = nextRunIn(sdk.client, "c04-greet", StateType.PAUSED);
    const result = greet();
    const pausedRun = await paused;
    let watcher: ReturnType<typeof spawn> | undefined;
    let finished = false;
    try {
      const address = sdk.server.address;
      // Each client finds the server's key as a user's would: FLOWGATE_API_KEY.
      const env = { ...process.env, FLOWGATE_API_KEY: sdk.server.apiKey };

      // Go watches: its first line is the current state, PAUSED.
      const goWatch = spawn(watchBin, [address, pausedRun.id], { env, stdio: ["ignore", "pipe", "pipe"] });
      watcher = goWatch;
      let watcherErr = "";
      goWatch.stderr.on("data", (d: Buffer) => (watcherErr += d.toString()));
      const watched: string[] = [];
      const firstLine = new Promise<void>((resolve) =>
        createInterface({ input: goWatch.stdout }).on("line", (line) => {
          watched.push(line.trim());
          if (watched.length === 1) resolve();
        }),
      );
      const watcherExit = new Promise<number | null>((resolve) => goWatch.once("exit", (code) => resolve(code)));
      await firstLine;
      assert.deepEqual(watched, ["PAUSED"]);

      // Python resumes with input, validated against the schema the TS flow declared.
      const python = join(REPO, ".venv", "bin", "python");
      const resumed = await run(python, ["-c", RESUME_PY, address, pausedRun.id], { env });
      assert.equal(resumed.stdout.trim(), "RUNNING");

      const value = await result;
      assert.deepEqual(value, { greeting: "Hello, Marvin!", input: { name: "Marvin", answer: 42 } });

      assert.equal(await watcherExit, 0, watcherErr);
      assert.deepEqual(watched, ["PAUSED", "RUNNING", "COMPLETED"]);
      finished = true;
    } finally {
      // On a failure, end what the test started, so the test process can exit instead of hanging.
      watcher?.kill();
      if (!finished) {
        await sdk.client.cancelFlowRun(pausedRun.id).catch(() => undefined);
        await result.catch(() => undefined);
      }
    }
  });
});
