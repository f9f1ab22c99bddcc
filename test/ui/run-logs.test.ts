/**
 * A run's logs on its page in Chromium (issue 14 item 1): lines written through CreateLogs appear,
 * with their task run's name; a line written after the page opened arrives live; the level filter
 * hides the lower levels; older lines come on request, and the page keeps a bounded number.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { accessibilityViolations, launchChromium, openUi, screenshotPath, type UiSession } from "../support/browser.js";
import { LogLevel, logClient, type TestLogClient } from "../support/log-client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { signIn } from "./sign-in.js";

const WAIT_MS = 30_000;

describe("run logs on the run page (Chromium)", () => {
  let server: TestServer;
  let logs: TestLogClient;
  let browser: Browser;
  let origin: string;
  let ui: UiSession | undefined;

  before(async () => {
    server = await startTestServer();
    logs = logClient(server.address, server.apiKey);
    origin = `http://${server.httpAddress}`;
    browser = await launchChromium();
  });
  after(async () => {
    await ui?.close();
    await browser?.close();
    if (ui) assert.deepEqual(ui.problems, [], "the last page reported errors");
    logs?.close();
    await server?.stop();
  });

  async function open(path: string): Promise<Page> {
    const previous = ui;
    await previous?.close();
    if (previous) assert.deepEqual(previous.problems, [], "the previous page reported errors");
    ui = await openUi(browser, origin);
    await signIn(ui, origin, server.apiKey);
    await ui.page.goto(path);
    return ui.page;
  }

  async function runningRun(name: string): Promise<string> {
    const { flowRun } = await server.runs.createFlowRun({
      flowName: `ui-logs-${randomUUID().slice(0, 8)}`,
      name,
      state: { type: StateType.STATE_TYPE_RUNNING },
    });
    return flowRun!.id;
  }

  /** The messages of the lines shown, top (oldest) to bottom. */
  function shownMessages(page: Page): Promise<string[]> {
    return page.locator(".log-line .log-message").allTextContents();
  }

  test("lines appear with their task run's name, a new line arrives live, and the level filter hides lower levels", async () => {
    const runId = await runningRun("logging-run");
    const task = (await server.runs.createTaskRun({ flowRunId: runId, taskKey: "greet", dynamicKey: "0", name: "greet-0" })).taskRun!;
    await logs.createLogs({
      flowRunId: runId,
      logs: [
        { level: LogLevel.LOG_LEVEL_DEBUG, message: "resolving parameters", logger: "flowgate.flow_runs" },
        { level: LogLevel.LOG_LEVEL_INFO, message: "Hello, Marvin!", logger: "print", taskRunId: task.id },
        { level: LogLevel.LOG_LEVEL_WARNING, message: "slow answer from the greeter", logger: "flowgate.task_runs", taskRunId: task.id },
      ],
    });

    const page = await open(`/runs/${runId}`);
    const panel = page.getByRole("region", { name: "Logs" });
    await panel.getByText("Following new lines.").waitFor({ timeout: WAIT_MS });
    assert.deepEqual(await shownMessages(page), ["resolving parameters", "Hello, Marvin!", "slow answer from the greeter"]);
    const hello = panel.getByRole("listitem").filter({ hasText: "Hello, Marvin!" });
    await hello.locator(".log-task").filter({ hasText: "greet-0" }).waitFor({ timeout: WAIT_MS });
    assert.match((await hello.textContent()) ?? "", /INFO/);
    assert.equal(
      await panel.getByRole("listitem").filter({ hasText: "resolving parameters" }).locator(".log-task").count(),
      0,
      "a line of the flow run itself names no task",
    );
    assert.equal(
      await panel.locator(".log-lines").evaluate((el) => getComputedStyle(el.querySelector("ol")!).fontFamily.includes("monospace")),
      true,
    );

    // Written after the page opened: arrives without a reload, at the bottom.
    await ui!.markDocument();
    await logs.createLogs({
      flowRunId: runId,
      logs: [{ level: LogLevel.LOG_LEVEL_ERROR, message: "greeter gave up", logger: "flowgate.flow_runs" }],
    });
    await panel.getByText("greeter gave up").waitFor({ timeout: WAIT_MS });
    assert.deepEqual((await shownMessages(page)).at(-1), "greeter gave up");
    assert.equal(await ui!.sameDocument(), true);
    const levelColour = (message: string) =>
      panel
        .getByRole("listitem")
        .filter({ hasText: message })
        .locator(".log-level")
        .evaluate((el) => getComputedStyle(el).color);
    assert.equal(await levelColour("greeter gave up"), "rgb(179, 38, 30)", "an error stands out in the danger colour");
    assert.notEqual(await levelColour("resolving parameters"), await levelColour("greeter gave up"));
    await page.screenshot({ path: screenshotPath("run-logs.png"), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), [], "the run page with its logs");

    // Warning and above: the debug and info lines go, the others stay; new lines follow the filter.
    await panel.getByLabel("Minimum level").selectOption("warning");
    await panel.getByText("resolving parameters").waitFor({ state: "detached", timeout: WAIT_MS });
    await panel.getByText("Following new lines.").waitFor({ timeout: WAIT_MS });
    assert.deepEqual(await shownMessages(page), ["slow answer from the greeter", "greeter gave up"]);
    await logs.createLogs({
      flowRunId: runId,
      logs: [
        { level: LogLevel.LOG_LEVEL_INFO, message: "an info line, not shown", logger: "print" },
        { level: LogLevel.LOG_LEVEL_CRITICAL, message: "out of greetings", logger: "print" },
      ],
    });
    await panel.getByText("out of greetings").waitFor({ timeout: WAIT_MS });
    assert.deepEqual(await shownMessages(page), ["slow answer from the greeter", "greeter gave up", "out of greetings"]);
    await page.screenshot({ path: screenshotPath("run-logs-warning-and-above.png"), fullPage: true });

    // The run ends: the log stream ends with it, and the page says every line is shown.
    await server.runs.setFlowRunState({ flowRunId: runId, state: { type: StateType.STATE_TYPE_COMPLETED } });
    await panel.getByText("The run is final: every line is shown.").waitFor({ timeout: WAIT_MS });
    assert.deepEqual(await accessibilityViolations(page), [], "the run page with filtered logs of a final run");
  });

  test("the newest lines first, older ones on request; following keeps at most 2,000 lines and Load older brings back the rest", async () => {
    const runId = await runningRun("chatty-run");
    await logs.writeLines(runId, 1, 250);

    const page = await open(`/runs/${runId}`);
    const panel = page.getByRole("region", { name: "Logs" });
    await panel.getByText("Following new lines.").waitFor({ timeout: WAIT_MS });
    let shown = await shownMessages(page);
    assert.equal(shown.length, 200, "the newest page");
    assert.deepEqual([shown[0], shown.at(-1)], ["line 51", "line 250"]);
    await panel.getByRole("button", { name: "Load older lines" }).click();
    await panel.getByText("line 1", { exact: true }).waitFor({ timeout: WAIT_MS });
    assert.equal((await shownMessages(page)).length, 250);
    await panel.getByRole("button", { name: "Load older lines" }).waitFor({ state: "detached", timeout: WAIT_MS });

    // 2,000 more while the page follows: the oldest go, so that 2,000 are kept.
    await logs.writeLines(runId, 251, 2_000);
    await panel.getByText("line 2250", { exact: true }).waitFor({ timeout: WAIT_MS });
    shown = await shownMessages(page);
    assert.equal(shown.length, 2_000);
    assert.deepEqual([shown[0], shown.at(-1)], ["line 251", "line 2250"]);
    // The dropped ones come back on request, right before the oldest kept.
    await panel.getByRole("button", { name: "Load older lines" }).click();
    await panel.getByText("line 250", { exact: true }).waitFor({ timeout: WAIT_MS });
    shown = await shownMessages(page);
    assert.equal(shown.indexOf("line 250") + 1, shown.indexOf("line 251"), "no line missing or repeated at the seam");
    assert.equal(new Set(shown).size, shown.length, "no line shown twice");
  });
});
