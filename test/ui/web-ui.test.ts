/**
 * The web UI in a real browser (scenarios U01–U06): Debian's Chromium, driven as a person would
 * (roles and labels), against a real server on free ports with the embedded store. Every outcome is
 * checked on the page and through gRPC.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { z } from "zod";
import { RunInput } from "../../client-sdk/src/index.js";
import { StateType } from "../../server/src/gen/flowgate/v1/types.js";
import { launchChromium, openUi, screenshotPath, type UiSession } from "../support/browser.js";
import { assertUnchanged, eventually, getRun, pausedRun, runningRun } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/** The zod input an approval flow would declare, as the SDK sends it (JSON Schema with defaults). */
const Approval = RunInput.define(
  z.object({
    approver: z.string().min(1).describe("Who approves"),
    copies: z.number().int().min(1).max(10),
    priority: z.enum(["low", "normal", "high"]),
    notify: z.boolean(),
    note: z.string().optional(),
  }),
  { description: "Approve the **quarterly report**.\n\n- check the totals\n- then resume" },
).withInitialData({ copies: 2, priority: "normal", notify: true });

const WAIT_MS = 10_000;

describe("web UI (Chromium)", () => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;
  let ui: UiSession;

  before(async () => {
    server = await startTestServer();
    origin = `http://${server.httpAddress}`;
    browser = await launchChromium();
  });
  after(async () => {
    await ui?.close();
    await browser?.close();
    await server?.stop();
  });

  async function open(path: string, size: { width?: number; height?: number } = {}): Promise<UiSession> {
    await ui?.close();
    ui = await openUi(browser, origin, size);
    await ui.page.goto(path);
    return ui;
  }

  test("U01 the run list shows runs with live state badges (updates without reload)", async () => {
    const { page } = await open("/");
    await page.getByRole("heading", { name: "Flow runs" }).waitFor();
    await page.getByRole("status", { name: "Updates: Live" }).waitFor({ timeout: WAIT_MS });
    await ui.markDocument();

    const run = await runningRun(server, { withDeployment: true });
    const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: run.name }) });
    await row.getByText("Running").waitFor({ timeout: WAIT_MS });
    assert.equal(await row.getByRole("cell").nth(1).textContent(), "test-flow");

    await server.runs.pauseFlowRun({ flowRunId: run.id, key: "review" });
    await row.getByText("Paused").waitFor({ timeout: WAIT_MS });
    await server.runs.resumeFlowRun({ flowRunId: run.id });
    await row.getByText("Running").waitFor({ timeout: WAIT_MS });
    assert.equal(await ui.sameDocument(), true, "the page must update in place, not reload");

    // The state filter keeps only runs in that state, and drops one as it leaves it.
    await page.getByLabel("State").selectOption("PAUSED");
    await page.getByText("No paused runs.").waitFor({ timeout: WAIT_MS });
    await server.runs.pauseFlowRun({ flowRunId: run.id, key: "second" });
    await row.getByText("Paused").waitFor({ timeout: WAIT_MS });
    await server.runs.resumeFlowRun({ flowRunId: run.id });
    await row.waitFor({ state: "detached", timeout: WAIT_MS });
    assert.equal((await getRun(server, run.id)).state?.type, StateType.STATE_TYPE_RUNNING);
  });

  test("U02 a paused run's page shows the pause; without a schema Resume asks for confirmation", async () => {
    const run = await pausedRun(server, {
      key: "sign-off",
      timeoutSeconds: 600,
      inputDescription: "Please **check** the [report](https://example.com/r).\n\n<img src=x onerror=\"window.flowgateXss=1\"><script>window.flowgateXss=1</script>",
    });
    const { page } = await open(`/runs/${run.id}`);
    await page.getByRole("heading", { name: run.name }).waitFor({ timeout: WAIT_MS });
    await ui.markDocument();
    const pause = page.getByRole("region", { name: /Paused, waiting to be resumed/ });
    await pause.getByText("sign-off", { exact: true }).waitFor();
    // The countdown runs: about ten minutes left, and a second later less.
    const countdown = pause.getByLabel("Time left before the pause expires");
    const first = await countdown.textContent();
    assert.match(first ?? "", /^(10:00|9:5\d)$/);
    await eventually("the countdown ticks", async () => ((await countdown.textContent()) !== first ? true : undefined), 5_000, 100);
    // Markdown is rendered, raw HTML is not.
    assert.equal(await pause.locator("strong", { hasText: "check" }).count(), 1);
    assert.equal(await pause.getByRole("link", { name: "report" }).getAttribute("href"), "https://example.com/r");
    assert.equal(await pause.locator("img, script").count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { flowgateXss?: number }).flowgateXss), undefined);

    // No schema: a confirmation, which can be declined...
    await pause.getByRole("button", { name: "Resume" }).click();
    const dialog = page.getByRole("dialog", { name: "Resume this run?" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Not now" }).click();
    await dialog.waitFor({ state: "hidden" });
    await assertUnchanged(server, run);
    // ...or confirmed.
    await pause.getByRole("button", { name: "Resume" }).click();
    await dialog.getByRole("button", { name: "Resume" }).click();
    await page.getByLabel("Current state: Running").waitFor({ timeout: WAIT_MS });
    await page.getByRole("status").filter({ hasText: "Resumed." }).waitFor();
    assert.equal((await getRun(server, run.id)).state?.type, StateType.STATE_TYPE_RUNNING);
    assert.equal(await ui.sameDocument(), true);
  });

  test("U02 with an input schema the page shows a form built from it", async () => {
    const run = await pausedRun(server, {
      key: "approval",
      inputSchema: Approval.jsonSchema(),
      inputDescription: Approval.description!,
      inputInitial: Approval.initialJson()!,
    });
    const { page } = await open(`/runs/${run.id}`);
    const form = page.getByRole("region", { name: /Paused/ });
    await form.getByText("quarterly report").waitFor({ timeout: WAIT_MS });
    assert.equal(await form.locator("strong", { hasText: "quarterly report" }).count(), 1);

    // Labels, required marks, defaults, an enum as a select, a boolean as a checkbox.
    const approver = form.getByLabel(/^approver/);
    assert.equal(await approver.inputValue(), "");
    assert.equal(await approver.getAttribute("required"), "");
    assert.equal(await form.getByLabel(/^copies/).inputValue(), "2");
    const priority = form.getByRole("combobox", { name: /^priority/ });
    assert.deepEqual(await priority.locator("option").allTextContents(), ["low", "normal", "high"]);
    assert.equal(await priority.evaluate((el: HTMLSelectElement) => el.selectedOptions[0]?.textContent), "normal");
    const notify = form.getByRole("checkbox", { name: /notify/ });
    assert.equal(await notify.isChecked(), true);
    assert.equal(await form.getByLabel(/^note/).getAttribute("required"), null, "an optional field has no required mark");
    await page.screenshot({ path: screenshotPath("resume-form.png"), fullPage: true });
    await assertUnchanged(server, run);
  });
});
