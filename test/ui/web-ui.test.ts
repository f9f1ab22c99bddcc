/**
 * The web UI in a real browser (scenarios U01–U06): Debian's Chromium, driven as a person would
 * (roles and labels), against a real server on free ports with the embedded store. Every outcome is
 * checked on the page and through gRPC.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Browser, Locator, Page } from "playwright-core";
import { z } from "zod";
import { configure, flow, pauseFlowRun, RunInput, type FlowgateClient } from "../../client-sdk/src/index.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { accessibilityViolations, launchChromium, openUi, screenshotPath, type UiSession } from "../support/browser.js";
import { as } from "../support/as-principal.js";
import { assertUnchanged, eventually, getRun, pausedRun, runningRun } from "../support/fixtures.js";
import { nextRunIn, StateType as SdkStateType } from "../support/sdk.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { signIn } from "./sign-in.js";

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

// A deadline for outcomes, not a speed target: a loaded 2-core CI machine can take this long.
const WAIT_MS = 30_000;

/** The link to a run, by its name and (names are not unique) its address. */
function runLink(page: Page, run: { id: string; name: string }): Locator {
  return page.getByRole("link", { name: run.name, exact: true }).and(page.locator(`[href="/runs/${run.id}"]`));
}

/** The run page's state timeline. */
function timeline(page: Page): Locator {
  return page.getByRole("region", { name: "State timeline" });
}

/** The text of the elements an input's aria-describedby names, in order, whitespace collapsed. */
function description(input: Locator): Promise<string> {
  return input.evaluate((el) =>
    (el.getAttribute("aria-describedby") ?? "")
      .split(/\s+/)
      .map((id) => (id ? (document.getElementById(id)?.textContent ?? "") : ""))
      .join(" ")
      .replace(/\s+/g, " ")
      .trim(),
  );
}

describe("web UI (Chromium)", () => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;
  let ui: UiSession;
  let sdk: FlowgateClient;

  before(async () => {
    server = await startTestServer();
    sdk = configure({ address: server.address, apiKey: server.apiKey });
    origin = `http://${server.httpAddress}`;
    browser = await launchChromium();
  });
  after(async () => {
    await ui?.close();
    await browser?.close();
    sdk?.close();
    if (ui) assert.deepEqual(ui.problems, [], "the last page reported errors");
    await server?.stop();
  });

  /** A run paused for the Approval input, as the SDK's pauseFlowRun({ waitForInput }) would pause it. */
  function approvalRun(): ReturnType<typeof pausedRun> {
    return pausedRun(server, {
      key: "approval",
      inputSchema: Approval.jsonSchema(),
      inputDescription: Approval.description!,
      inputInitial: Approval.initialJson()!,
    });
  }

  /** A fresh browser context on `path`, signed in with `key` (the admin key by default) unless `key` is null. */
  async function open(
    path: string,
    size: { width?: number; height?: number } = {},
    key: string | null = server.apiKey,
  ): Promise<UiSession> {
    const previous = ui;
    await previous?.close();
    if (previous) assert.deepEqual(previous.problems, [], "the previous page reported errors");
    ui = await openUi(browser, origin, size);
    if (key !== null) await signIn(ui, origin, key);
    await ui.page.goto(path);
    return ui;
  }

  test("U01 the run list shows runs with live state badges (updates without reload)", async () => {
    const { page } = await open("/");
    await page.getByRole("heading", { name: "Flow runs" }).waitFor();
    await page.getByRole("status", { name: "Updates: Live" }).waitFor({ timeout: WAIT_MS });
    await ui.markDocument();

    const run = await runningRun(server, { withDeployment: true });
    const row = page.getByRole("row").filter({ has: runLink(page, run) });
    await row.getByText("Running").waitFor({ timeout: WAIT_MS });
    assert.equal(await row.getByRole("cell").nth(1).textContent(), "test-flow");

    await server.runs.pauseFlowRun({ flowRunId: run.id, key: "review" });
    await row.getByText("Paused").waitFor({ timeout: WAIT_MS });
    await page.screenshot({ path: screenshotPath("runs-list.png") });
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
      inputDescription:
        'Please **check** the [report](https://example.com/r) [not this](javascript:alert(1)).\n\n<img src=x onerror="window.flowgateXss=1"><script>window.flowgateXss=1</script>',
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
    assert.equal(await pause.getByRole("link", { name: "report" }).count(), 1);
    assert.equal(await pause.getByText("not this").getAttribute("href"), "", "a javascript: URL is dropped");
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
    const run = await approvalRun();
    const { page } = await open(`/runs/${run.id}`);
    const form = page.getByRole("region", { name: /Paused/ });
    await form.getByText("quarterly report").waitFor({ timeout: WAIT_MS });
    assert.equal(await form.locator("strong", { hasText: "quarterly report" }).count(), 1);

    // Labels, required marks, defaults, an enum as a select, a boolean as a checkbox.
    const approver = form.getByLabel(/^Approver/);
    assert.equal(await approver.inputValue(), "");
    assert.equal(await approver.getAttribute("required"), "");
    assert.equal(await form.getByLabel(/^Copies/).inputValue(), "2");
    const priority = form.getByRole("combobox", { name: /^Priority/ });
    assert.deepEqual(await priority.locator("option").allTextContents(), ["low", "normal", "high"]);
    assert.equal(await priority.evaluate((el: HTMLSelectElement) => el.selectedOptions[0]?.textContent), "normal");
    const notify = form.getByRole("checkbox", { name: /Notify/ });
    assert.equal(await notify.isChecked(), true);
    assert.equal(await form.getByLabel(/^Note/).getAttribute("required"), null, "an optional field has no required mark");
    await page.screenshot({ path: screenshotPath("resume-form.png"), fullPage: true });
    await assertUnchanged(server, run);
  });

  /** A run paused for the Approval input, and its page showing the form. */
  async function approvalPage(): Promise<{ run: Awaited<ReturnType<typeof pausedRun>>; page: UiSession["page"] }> {
    const run = await approvalRun();
    const { page } = await open(`/runs/${run.id}`);
    await page.getByRole("button", { name: "Resume" }).waitFor({ timeout: WAIT_MS });
    await ui.markDocument();
    return { run, page };
  }

  test("U02 unions and nullable fields (anyOf) render under the page's policy, which forbids eval", async () => {
    const Shipping = RunInput.define(
      z.object({
        reason: z.string().nullable(),
        destination: z.union([z.object({ city: z.string() }), z.object({ lockerId: z.number().int() })]),
        deliverBy: z.iso.date().optional(),
      }),
    );
    const run = await pausedRun(server, { key: "ship", inputSchema: Shipping.jsonSchema() });
    const { page } = await open(`/runs/${run.id}`);
    await page.getByRole("button", { name: "Resume" }).waitFor({ timeout: WAIT_MS });
    await page.getByLabel(/^Reason/).fill("stock arrived");
    await page.getByLabel(/^City/).fill("Lisbon");
    await page.getByLabel(/^Deliver by/).fill("2026-12-01");
    await page.screenshot({ path: screenshotPath("resume-form-anyof.png"), fullPage: true });
    await page.getByRole("button", { name: "Resume" }).click();
    await page.getByLabel("Current state: Running").waitFor({ timeout: WAIT_MS });
    const { input } = await server.runs.readFlowRunInput({ flowRunId: run.id, key: "paused-ship-response" });
    assert.deepEqual(input?.value, { reason: "stock arrived", destination: { city: "Lisbon" }, deliverBy: "2026-12-01" });
    assert.deepEqual(ui.problems, [], "no script errors and no Content-Security-Policy violations");
  });

  test("U03 invalid values show the server's field errors next to the fields; the run stays paused", async () => {
    const { run, page } = await approvalPage();
    await page.getByLabel(/^Copies/).fill("0");
    await page.getByRole("button", { name: "Resume" }).click();

    await page.getByRole("alert").filter({ hasText: "The input was not accepted" }).waitFor({ timeout: WAIT_MS });
    // Each message is under its own field and is that field's accessible description (what a screen
    // reader announces with it); a field the server accepted has none.
    await page.getByText("is required").waitFor();
    assert.equal(await description(page.getByLabel(/^Approver/)), "is required Who approves");
    assert.equal(await description(page.getByLabel(/^Copies/)), "must be >= 1");
    assert.equal(await description(page.getByRole("combobox", { name: /^Priority/ })), "");
    await page.screenshot({ path: screenshotPath("resume-form-errors.png"), fullPage: true });

    await assertUnchanged(server, run);
    await page.getByLabel("Current state: Paused").waitFor();
    assert.equal(await ui.sameDocument(), true);
  });

  test("U04 valid values resume the run; the page shows the new state without reload (keyboard only)", async () => {
    const { run, page } = await approvalPage();
    // Keyboard only: tab from the top of the page to the first field, fill, Enter submits.
    await page.locator("body").focus();
    for (let i = 0; i < 30 && !(await page.getByLabel(/^Approver/).evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press("Tab");
    }
    assert.equal(await page.getByLabel(/^Approver/).evaluate((el) => el === document.activeElement), true, "Tab reaches the first field");
    await page.keyboard.type("Ada Lovelace");
    await page.keyboard.press("Tab");
    await page.keyboard.type("5"); // copies: 2 -> 25 is too many; select all first
    await page.keyboard.press("Control+A");
    await page.keyboard.type("3");
    await page.keyboard.press("Tab");
    await page.keyboard.press("ArrowDown"); // priority: normal -> high
    await page.keyboard.press("Tab");
    await page.keyboard.press("Space"); // notify: on -> off
    await page.keyboard.press("Tab");
    await page.keyboard.type("ship it");
    await page.keyboard.press("Enter");

    await page.getByLabel("Current state: Running").waitFor({ timeout: WAIT_MS });
    await page.getByRole("status").filter({ hasText: "Resumed." }).waitFor();
    assert.equal(await page.getByRole("region", { name: /Paused/ }).count(), 0, "the pause panel is gone");
    assert.equal(await ui.sameDocument(), true);

    const after = await getRun(server, run.id);
    assert.equal(after.state?.type, StateType.STATE_TYPE_RUNNING);
    const { input } = await server.runs.readFlowRunInput({ flowRunId: run.id, key: "paused-approval-response" });
    assert.deepEqual(input?.value, { approver: "Ada Lovelace", copies: 3, priority: "high", notify: false, note: "ship it" });
  });

  test("U04 end to end: a flow waiting in pauseFlowRun({ waitForInput }) gets the values typed in the browser", async () => {
    const approve = flow(
      async () => {
        const answer = await pauseFlowRun({ waitForInput: Approval, timeout: 600 });
        return `${answer.approver} approved ${answer.copies} copies (${answer.priority}${answer.notify ? ", notify" : ""})`;
      },
      { name: "approve-report" },
    );
    const paused = nextRunIn(sdk, "approve-report", SdkStateType.PAUSED);
    const result = approve();
    const run = await paused;

    const { page } = await open(`/runs/${run.id}`);
    await page.getByLabel(/^Approver/).fill("Katherine Johnson");
    await page.getByRole("combobox", { name: /^Priority/ }).selectOption({ label: "high" });
    await page.getByRole("button", { name: "Resume" }).click();

    assert.equal(await result, "Katherine Johnson approved 2 copies (high, notify)");
    await page.getByLabel("Current state: Completed").waitFor({ timeout: WAIT_MS });
    assert.equal((await getRun(server, run.id)).state?.type, StateType.STATE_TYPE_COMPLETED);
  });

  test("U05 a running run with a deployment has a Suspend button; suspending it shows Suspended", async () => {
    const run = await runningRun(server, { withDeployment: true });
    const { page } = await open(`/runs/${run.id}`);
    await page.getByLabel("Current state: Running").waitFor({ timeout: WAIT_MS });
    await ui.markDocument();
    await page.getByRole("button", { name: "Suspend" }).click();

    await page.getByLabel(/^Current state: Suspended/).waitFor({ timeout: WAIT_MS });
    await page.getByRole("region", { name: "Suspended, waiting to be resumed" }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Suspend" }).count(), 0);
    const after = await getRun(server, run.id);
    assert.equal(after.state?.type, StateType.STATE_TYPE_PAUSED);
    assert.equal(after.state?.name, "Suspended");
    assert.equal(after.state?.details?.pauseReschedule, true);
    assert.equal(await ui.sameDocument(), true);

    // A run waiting in an in-process pause can be suspended too: its process is let go.
    const waiting = await pausedRun(server, { key: "wait" }, { withDeployment: true });
    await open(`/runs/${waiting.id}`);
    await ui.page.getByLabel("Current state: Paused").waitFor({ timeout: WAIT_MS });
    await ui.page.getByRole("button", { name: "Suspend" }).click();
    await ui.page.getByLabel(/^Current state: Suspended/).waitFor({ timeout: WAIT_MS });
    assert.equal((await getRun(server, waiting.id)).state?.details?.pauseReschedule, true);

    // A run without a deployment cannot be suspended, so it has no Suspend button.
    const plain = await runningRun(server);
    await open(`/runs/${plain.id}`);
    await ui.page.getByLabel("Current state: Running").waitFor({ timeout: WAIT_MS });
    assert.equal(await ui.page.getByRole("button", { name: "Suspend" }).count(), 0);
    await ui.page.getByRole("button", { name: "Cancel run" }).waitFor();
  });

  test("U06 everything works with no network beyond the server (no CDN assets)", async () => {
    // Every page and action above ran with requests to other hosts aborted; here, one more full
    // pass, then the record: nothing left the server's origin, and the server forbids it anyway.
    const { run, page } = await approvalPage();
    await page.getByLabel(/^Approver/).fill("Grace");
    await page.getByRole("button", { name: "Resume" }).click();
    await page.getByLabel("Current state: Running").waitFor({ timeout: WAIT_MS });
    await page.getByRole("link", { name: "← All runs" }).click();
    await runLink(page, run).waitFor({ timeout: WAIT_MS });

    const elsewhere = ui.requests.filter((r) => !r.toServer).map((r) => r.url);
    assert.deepEqual(elsewhere, []);
    assert.ok(
      ui.requests.some((r) => /\/assets\/.+\.js$/.test(r.url)),
      "the scripts came from the server",
    );
    const res = await fetch(`${origin}/runs/${run.id}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    assert.doesNotMatch(await res.text(), /https?:\/\//, "index.html names no other host");
    assert.deepEqual(ui.problems, []);
  });

  test("a pause that expires while its page is open shows the failure, with the server's reason", async () => {
    // The page is open before the pause begins, so however slow the machine, the page sees it live;
    // only the outcome is awaited (a loaded machine may render the countdown after it ran out).
    const run = await runningRun(server);
    const { page } = await open(`/runs/${run.id}`);
    await page.getByLabel("Current state: Running").waitFor({ timeout: WAIT_MS });
    await ui.markDocument();
    await server.runs.pauseFlowRun({ flowRunId: run.id, key: "short", timeoutSeconds: 2 });
    await page.getByLabel("Current state: Failed").waitFor({ timeout: 60_000 });
    await page.getByText("paused and never resumed").first().waitFor();
    // The server failed it, and the timeline says so.
    await timeline(page).getByRole("listitem").last().getByText("by flowgate (expiry)", { exact: true }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Resume" }).count(), 0);
    assert.equal((await getRun(server, run.id)).state?.type, StateType.STATE_TYPE_FAILED);
    assert.equal(await ui.sameDocument(), true);
  });

  test("the timeline names who caused each state; a resume says who, through what, when and with which input (A06)", async () => {
    const { secret: alice } = await server.keys.createKey({ name: "alice", scopes: ["runs:read", "runs:resume"] });
    const { secret: opsBot } = await server.keys.createKey({ name: "ops-bot", scopes: ["runs:resume"] });

    // alice resumes in the web UI, with the form's input.
    const run = await approvalRun();
    const { page } = await open(`/runs/${run.id}`, {}, alice);
    await page.getByRole("banner").getByText("Signed in as alice").waitFor({ timeout: WAIT_MS });
    await page.getByLabel(/^Approver/).fill("Ada Lovelace");
    await page.getByRole("button", { name: "Resume" }).click();
    await page.getByLabel("Current state: Running").waitFor({ timeout: WAIT_MS });
    const entries = timeline(page).getByRole("listitem");
    const resumed = entries.last().locator(".cause");
    await resumed.getByText(/^Resumed by alice in the web UI at /).waitFor({ timeout: WAIT_MS });
    const { input } = await server.runs.readFlowRunInput({ flowRunId: run.id, key: "paused-approval-response" });
    assert.deepEqual(input?.value, { approver: "Ada Lovelace", copies: 2, priority: "normal", notify: true });
    assert.match((await resumed.textContent()) ?? "", /^Resumed by alice in the web UI at \d{1,2}:\d{2}.* with \{.+\}$/);
    assert.deepEqual(JSON.parse((await resumed.locator("code").textContent()) ?? ""), input?.value, "the input, shown whole when short");
    // The states before it name who made them: the test's admin key, over plain gRPC.
    assert.deepEqual(await entries.locator(".cause").allTextContents(), [
      "by admin over gRPC",
      "by admin over gRPC",
      (await resumed.textContent()) ?? "",
    ]);

    // ops-bot resumes over gRPC while the page is open: the page names that principal and channel.
    const other = await pausedRun(server, { key: "first" });
    await open(`/runs/${other.id}`);
    await ui.page.getByLabel("Current state: Paused").waitFor({ timeout: WAIT_MS });
    await ui.markDocument();
    const cli = as(server.address, opsBot, "cli");
    const grpc = as(server.address, opsBot);
    try {
      await cli.resume(other.id, { ok: true });
      const byCli = timeline(ui.page).getByRole("listitem").last().locator(".cause");
      await byCli.getByText(/^Resumed by ops-bot via the CLI at /).waitFor({ timeout: WAIT_MS });
      assert.equal(await byCli.locator("code").textContent(), '{"ok":true}');
      const cliCause = await byCli.textContent();

      // An input over 4 KiB is shown by its SHA-256, the only thing the trail keeps of it.
      await server.runs.pauseFlowRun({ flowRunId: other.id, key: "second" });
      const big = { blob: "x".repeat(5000) };
      await grpc.resume(other.id, big);
      const byGrpc = timeline(ui.page).getByRole("listitem").last().locator(".cause");
      await byGrpc.getByText(/^Resumed by ops-bot over gRPC at /).waitFor({ timeout: WAIT_MS });
      const sha = createHash("sha256").update(JSON.stringify(big)).digest("hex");
      assert.match((await byGrpc.textContent()) ?? "", new RegExp(` with input SHA-256 ${sha}$`));
      // Every state the run went through while the page was open is on it, learnt from the events.
      assert.deepEqual(await timeline(ui.page).getByRole("listitem").locator(".cause").allTextContents(), [
        "by admin over gRPC",
        "by admin over gRPC",
        cliCause,
        "by admin over gRPC",
        await byGrpc.textContent(),
      ]);
    } finally {
      cli.close();
      grpc.close();
    }
    assert.equal(await ui.sameDocument(), true, "the page learnt it all in place");
    await ui.page.screenshot({ path: screenshotPath("run-page-resumed-by.png"), fullPage: true });
    assert.deepEqual(await accessibilityViolations(ui.page), [], "the timeline with its resume entries");
  });

  test("the page follows the run again after the server restarts", async () => {
    const run = await pausedRun(server, { key: "restart" });
    const { page } = await open(`/runs/${run.id}`);
    await page.getByRole("status", { name: "Updates: Live" }).waitFor({ timeout: WAIT_MS });
    await ui.markDocument();

    // The same addresses and database, as after a deploy; the open page keeps its event stream's URL.
    await server.stop();
    await page.getByRole("status", { name: "Updates: Reconnecting…" }).waitFor({ timeout: WAIT_MS });
    server = await startTestServer({
      database: server.database,
      env: { FLOWGATE_GRPC_ADDRESS: server.address, FLOWGATE_HTTP_ADDRESS: server.httpAddress },
    });
    await page.getByRole("status", { name: "Updates: Live" }).waitFor({ timeout: 20_000 });
    await server.runs.resumeFlowRun({ flowRunId: run.id });
    await page.getByLabel("Current state: Running").waitFor({ timeout: WAIT_MS });
    assert.equal(await ui.sameDocument(), true);
  });

  test("Cancel run asks first, then cancels a paused run in place", async () => {
    const run = await pausedRun(server, { key: "wait" });
    const { page } = await open(`/runs/${run.id}`);
    await page.getByLabel("Current state: Paused").waitFor({ timeout: WAIT_MS });
    await ui.markDocument();
    await page.getByRole("button", { name: "Cancel run" }).click();
    const dialog = page.getByRole("dialog", { name: "Cancel this run?" });
    await dialog.waitFor();
    // Escape declines, like the "Keep it" button.
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    await assertUnchanged(server, run);
    await page.getByRole("button", { name: "Cancel run" }).click();
    await dialog.getByRole("button", { name: "Cancel run" }).click();
    await page.getByLabel("Current state: Cancelled").waitFor({ timeout: WAIT_MS });
    assert.equal(await page.getByRole("button", { name: "Cancel run" }).count(), 0, "a final run offers no actions");
    assert.equal((await getRun(server, run.id)).state?.type, StateType.STATE_TYPE_CANCELLED);
    assert.equal(await ui.sameDocument(), true);
  });

  test("the runs list and a paused run's page pass axe-core's WCAG 2.1 A/AA checks", async () => {
    const run = await approvalRun();
    for (const path of ["/", `/runs/${run.id}`]) {
      const { page } = await open(path);
      await page.getByRole("status", { name: "Updates: Live" }).waitFor({ timeout: WAIT_MS });
      if (path !== "/") await page.getByRole("button", { name: "Resume" }).waitFor();
      assert.deepEqual(await accessibilityViolations(page), [], path);
    }
    // With the server's field errors shown, too.
    await ui.page.getByRole("button", { name: "Resume" }).click();
    await ui.page.getByRole("alert").filter({ hasText: "The input was not accepted" }).waitFor({ timeout: WAIT_MS });
    assert.deepEqual(await accessibilityViolations(ui.page), [], "form with errors");
  });

  test("the pages read correctly at a narrow (mobile) width", async () => {
    const run = await approvalRun();
    for (const path of ["/", `/runs/${run.id}`]) {
      const { page } = await open(path, { width: 360, height: 740 });
      await page.getByRole("heading", { level: 1 }).waitFor({ timeout: WAIT_MS });
      await page.getByRole("status", { name: "Updates: Live" }).waitFor({ timeout: WAIT_MS });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px at 360px wide`);
      if (path !== "/") {
        const box = await page.getByRole("button", { name: "Resume" }).boundingBox();
        assert.ok(box && box.width >= 300, "the Resume button spans the narrow screen");
        await page.screenshot({ path: screenshotPath("run-page-narrow.png"), fullPage: true });
      }
    }
  });

  test("signing in through the page: a run's link asks for a key, then opens the run; the header shows who; Sign out ends the session", async () => {
    const run = await pausedRun(server, { key: "sign-in" });
    const { page, context } = await open(`/runs/${run.id}`, {}, null);
    await page.getByRole("heading", { name: "Sign in to Flowgate" }).waitFor({ timeout: WAIT_MS });
    assert.equal(new URL(page.url()).searchParams.get("next"), `/runs/${run.id}`);

    await page.getByLabel("API key").fill("fgk_not-a-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "That API key is not valid" }).waitFor({ timeout: WAIT_MS });

    await page.getByLabel("API key").fill(server.apiKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: run.name }).waitFor({ timeout: WAIT_MS });
    await page.getByRole("banner").getByText("Signed in as admin").waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === "flowgate_session");
    assert.ok(cookie, "the session cookie is set");
    assert.deepEqual([cookie.httpOnly, cookie.sameSite, cookie.path, cookie.secure], [true, "Strict", "/", false]);
    assert.equal(await page.evaluate(() => document.cookie), "", "no script can read the session cookie");
    assert.equal(await page.getByLabel("API key").count(), 0);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Flowgate" }).waitFor({ timeout: WAIT_MS });
    await page.getByRole("status").filter({ hasText: "Signed out." }).waitFor();
    // The old cookie opens nothing any more, on this server or any other sharing the store.
    const res = await fetch(`${origin}/api/runs`, { headers: { cookie: `flowgate_session=${cookie.value}` } });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { reason: string }).reason, "UNAUTHENTICATED");
    await page.goto("/");
    await page.getByRole("heading", { name: "Sign in to Flowgate" }).waitFor({ timeout: WAIT_MS });
    await assertUnchanged(server, run);
  });

  test("a key that may only read sees runs and their pause, but is offered no Resume, Reject, Suspend or Cancel", async () => {
    const { secret } = await server.keys.createKey({ name: "auditor", scopes: ["runs:read"] });
    const run = await pausedRun(server, { key: "look-only" }, { withDeployment: true });
    const { page } = await open(`/runs/${run.id}`, {}, secret);
    await page.getByRole("heading", { name: run.name }).waitFor({ timeout: WAIT_MS });
    await page.getByRole("banner").getByText("Signed in as auditor").waitFor();
    await page.getByRole("region", { name: "Paused, waiting to be resumed" }).getByText("look-only").waitFor();
    await page.getByText("may read runs but not resume, suspend or cancel them").waitFor();
    for (const name of ["Resume", "Reject", "Suspend", "Cancel run"])
      assert.equal(await page.getByRole("button", { name }).count(), 0, name);
    // The run's JSON says the same to this caller, and the server refuses what is not offered.
    const json = await page.evaluate<{ actions: Record<string, boolean> }>(`fetch("/api/runs/${run.id}").then((r) => r.json())`);
    assert.deepEqual(json.actions, { resume: false, reject: false, suspend: false, cancel: false });
    const refused = await page.evaluate<{ status: number; reason: string }>(`fetch("/api/session").then((r) => r.json()).then((s) =>
      fetch("/api/runs/${run.id}/resume", { method: "POST", headers: { "content-type": "application/json", "x-flowgate-csrf": s.csrfToken }, body: "{}" }))
      .then(async (r) => ({ status: r.status, reason: (await r.json()).reason }))`);
    assert.deepEqual(refused, { status: 403, reason: "PERMISSION_DENIED" });
    await assertUnchanged(server, run);
  });

  test("a link to a run that does not exist says so", async () => {
    const { page } = await open("/runs/00000000-0000-4000-8000-000000000000");
    await page.getByRole("heading", { name: "Flow run not found" }).waitFor({ timeout: WAIT_MS });
    await page.getByRole("alert").filter({ hasText: "was not found" }).waitFor();
  });

  test("a final run's page says Final, not Reconnecting, and asks the server for its events once", async () => {
    // One run already complete when its page opens, one cancelled while its page watches it.
    const completed = await runningRun(server);
    await server.runs.setFlowRunState({ flowRunId: completed.id, state: { type: StateType.STATE_TYPE_COMPLETED } });
    const watched = await runningRun(server);
    const { page, context } = await open("/");
    const eventRequests = new Map<string, number>();
    context.on("request", (req) => {
      const m = /\/api\/runs\/([^/]+)\/events$/.exec(new URL(req.url()).pathname);
      if (m) eventRequests.set(m[1]!, (eventRequests.get(m[1]!) ?? 0) + 1);
    });
    await page.goto(`/runs/${completed.id}`);
    await page.getByLabel("Current state: Completed").waitFor({ timeout: WAIT_MS });
    await page.getByRole("status", { name: "Updates: Final" }).waitFor({ timeout: WAIT_MS });

    const second = await context.newPage();
    await second.goto(`/runs/${watched.id}`);
    await second.getByRole("status", { name: "Updates: Live" }).waitFor({ timeout: WAIT_MS });
    await server.runs.setFlowRunState({ flowRunId: watched.id, state: { type: StateType.STATE_TYPE_CANCELLED } });
    await second.getByLabel("Current state: Cancelled").waitFor({ timeout: WAIT_MS });
    await second.getByRole("status", { name: "Updates: Final" }).waitFor({ timeout: WAIT_MS });
    await second.screenshot({ path: screenshotPath("run-page-final.png"), fullPage: true });

    // EventSource reopens a stream the server ended about every 3 s: a second request for either run's
    // events would come within this window (its length bounds the wait, the count is what is checked).
    await page.waitForRequest((req) => req.url().includes(`/api/runs/${completed.id}/events`), { timeout: 8_000 }).catch(() => undefined);
    assert.deepEqual(Object.fromEntries(eventRequests), { [completed.id]: 1, [watched.id]: 1 });
    for (const p of [page, second]) {
      assert.equal(await p.getByText("Reconnecting").count(), 0);
      assert.equal(await p.getByRole("status", { name: "Updates: Final" }).count(), 1);
    }
  });
});
