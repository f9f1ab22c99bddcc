/**
 * Run logs from the SDK (issue 14 item 1): logPrints shows each print once on the terminal and sends
 * it once to the server; getRunLogger() logs with levels, task lines carry their task run; a flow
 * that prints 100,000 lines completes with its logging bounded; `flowgate runs logs ID [-f]`.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  flow,
  getRunLogger,
  NoFlowRunContextError,
  setRunLogSink,
  task,
  type RunLog,
  type RunLogSink,
} from "../../client-sdk/src/index.js";
import { runCli, startCli } from "../support/cli.js";
import { runScript } from "../support/sdk-process.js";
import { startSdkServer, StateType, type SdkServer } from "../support/sdk.js";

describe("run logs from the SDK", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer();
  });
  after(() => sdk.stop());

  async function allLogs(flowRunId: string): Promise<RunLog[]> {
    const out: RunLog[] = [];
    let pageToken = "";
    do {
      const page = await sdk.client.logs.list({ flowRunId, pageSize: 1000, pageToken });
      out.push(...page.logs);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out;
  }

  function runIdOf(stdout: string): string {
    const id = /^run: (\S+)$/m.exec(stdout)?.[1];
    assert.ok(id, `no run id in:\n${stdout}`);
    return id;
  }

  test("logPrints: each print appears once on the terminal and once in the run's log; run logger lines once on stderr", async () => {
    const r = await runScript("test/sdk/fixtures/log-flows.ts", {
      FLOWGATE_API_ADDRESS: sdk.server.address,
      FLOWGATE_LOG_SCENARIO: "prints",
    });
    assert.equal(r.code, 0, r.stderr);
    const id = runIdOf(r.stdout);
    assert.equal(r.stdout, `run: ${id}\nHello, Marvin!\nHello from the task!\nflow-returned\n`, "prints on stdout, each once");
    assert.doesNotMatch(r.stderr, /Marvin|from the task/, "prints are not echoed again as log lines");
    assert.match(r.stderr, /^\d\d:\d\d:\d\d\.\d{3} \| WARNING \| Flow run '[^']+' - careful: 3 left$/m);
    assert.match(r.stderr, /^\d\d:\d\d:\d\d\.\d{3} \| ERROR {3}\| Task run 'greet-task[^']*' - a task's error$/m);
    assert.equal(r.stderr.match(/careful/g)?.length, 1);
    assert.doesNotMatch(r.stderr, /not shown/, "debug is below the default level");

    const stored = await allLogs(id);
    const taskRunId = stored.find((l) => l.message === "Hello from the task!")?.taskRunId;
    assert.ok(taskRunId, "the task's lines carry its task run");
    assert.deepEqual(
      stored.map((l) => [l.message, l.level, l.logger, l.taskRunId]),
      [
        [`run: ${id}`, "info", "flowgate.flow_runs", undefined],
        ["Hello, Marvin!", "info", "flowgate.flow_runs", undefined],
        ["careful: 3 left", "warning", "flowgate.flow_runs", undefined],
        ["Hello from the task!", "info", "flowgate.task_runs", taskRunId],
        ["a task's error", "error", "flowgate.task_runs", taskRunId],
      ],
    );
    assert.equal((await sdk.client.getTaskRun(taskRunId)).flowRunId, id);
    assert.equal((await sdk.client.getFlowRun(id)).state?.type, StateType.COMPLETED);
  });

  test("getRunLogger in a flow and a task: levels, once to the sink, once to the server; a failure is logged at ERROR", async () => {
    const shown: Parameters<RunLogSink>[0][] = [];
    setRunLogSink((line) => shown.push(line));
    try {
      const step = task(
        () => {
          getRunLogger().info("in the task");
          throw new Error("the task broke");
        },
        { name: "logged-step" },
      );
      const f = flow(
        async () => {
          const logger = getRunLogger();
          logger.info("starting %s", "now");
          logger.critical({ answer: 42 });
          await step();
        },
        { name: "run-logger" },
      );
      const state = await f.with({ returnState: true })();
      assert.equal(state.type, StateType.FAILED);
      assert.deepEqual(
        shown.map((l) => [l.level, l.message, l.taskRunName !== undefined]),
        [
          ["info", "starting now", false],
          ["critical", "{ answer: 42 }", false],
          ["info", "in the task", true],
        ],
      );
      const runId = shown[0]!.flowRunId;
      const stored = await allLogs(runId);
      assert.deepEqual(
        stored.slice(0, 3).map((l) => [l.level, l.message]),
        [
          ["info", "starting now"],
          ["critical", "{ answer: 42 }"],
          ["info", "in the task"],
        ],
      );
      const failure = stored.at(-1)!;
      assert.equal(failure.level, "error");
      assert.match(failure.message, /^Encountered exception during execution: Error: the task broke\n\s+at /);
    } finally {
      setRunLogSink(undefined);
    }
  });

  test("getRunLogger outside a flow or task run throws NoFlowRunContextError", () => {
    assert.throws(() => getRunLogger(), NoFlowRunContextError);
  });

  for (const tight of [false, true]) {
    test(
      `a flow printing 100,000 lines${tight ? " in one synchronous loop" : ""} completes; every line is stored or counted as dropped, and the buffer stays bounded`,
      {
        timeout: 300_000,
      },
      async () => {
        const r = await runScript("test/sdk/fixtures/log-flows.ts", {
          FLOWGATE_API_ADDRESS: sdk.server.address,
          FLOWGATE_LOG_SCENARIO: tight ? "many-tight" : "many",
        });
        assert.equal(r.code, 0, r.stderr.slice(-2000));
        const id = runIdOf(r.stdout);
        assert.equal((await sdk.client.getFlowRun(id)).state?.type, StateType.COMPLETED);
        assert.equal(r.stdout.match(/^line \d+$/gm)?.length, 100_000, "the terminal shows every print once");

        const stored = await allLogs(id);
        const notices = stored.filter((l) => l.logger === "flowgate");
        const dropped = notices.reduce((n, l) => n + Number(/^([\d,]+) log lines? w/.exec(l.message)![1]!.replaceAll(",", "")), 0);
        const lines = stored.filter((l) => /^line \d+$/.test(l.message)).map((l) => Number(l.message.slice(5)));
        assert.equal(lines.length + dropped, 100_000, `${lines.length} stored + ${dropped} dropped`);
        assert.deepEqual(
          lines,
          [...lines].sort((a, b) => a - b),
          "stored in the order printed",
        );
        assert.equal(lines.at(-1), 99_999, "the newest lines are kept");
        if (tight) {
          // Nothing can be sent while the loop holds the event loop: the buffer (20,000 lines) kept the newest.
          assert.ok(dropped >= 100_000 - 20_500 && dropped < 100_000, `dropped ${dropped}`);
        }
        const growth = Number(/^heap-growth-mb: ([\d.]+)$/m.exec(r.stdout)![1]);
        // Live objects after a full collection: the buffer holds at most 20,000 lines (about 16 MB here);
        // all 100,000 kept would be about five times that.
        assert.ok(growth < 40, `the live heap grew by ${growth} MB`);
      },
    );
  }

  test("flowgate runs logs ID prints a run's log; --level filters; -f follows it until the run ends", { timeout: 60_000 }, async () => {
    const run = await sdk.client.createFlowRun({ flowName: "cli-logs", state: { type: StateType.RUNNING } });
    await sdk.client.logs.create(run.id, [
      { level: "info", message: "first", timestamp: new Date("2026-01-31T12:00:00.123Z") },
      { level: "warning", message: "second" },
    ]);
    const printed = await runCli(sdk.server.address, ["runs", "logs", run.id]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /^2026-01-31 12:00:00\.123 \| INFO {5}\| first\n.* \| WARNING {2}\| second\n$/);
    const warnings = await runCli(sdk.server.address, ["runs", "logs", run.id, "--level", "warn"]);
    assert.match(warnings.stdout, /^[^\n]* \| WARNING {2}\| second\n$/);
    const json = await runCli(sdk.server.address, ["runs", "logs", run.id, "--json"]);
    assert.deepEqual(
      json.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { sequence: number; message: string }).message),
      ["first", "second"],
    );

    const follow = startCli(sdk.server.address, ["runs", "logs", run.id, "-f", "--level", "info"], { signal: AbortSignal.timeout(50_000) });
    await follow.stdoutIncludes("second");
    await sdk.client.logs.create(run.id, [{ level: "info", message: "third, live" }]);
    await follow.stdoutIncludes("third, live");
    await sdk.client.setFlowRunState(run.id, { type: StateType.COMPLETED });
    const end = await follow.done;
    assert.equal(end.code, 0, end.stderr);
    assert.deepEqual(end.stdout.match(/\| (first|second|third, live)$/gm), ["| first", "| second", "| third, live"]);

    const missing = await runCli(sdk.server.address, ["runs", "logs", "00000000-0000-4000-8000-000000000000"]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /not found/i);
  });
});
