/**
 * The web UI's overview in Chromium (issue 14 item 2): the runs list's filters, name search, time
 * range, paging and counts by state; a run page's task runs, parameters and resume input; the
 * deployments pages and their Run button. Outcomes are checked on the page and through gRPC.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { accessibilityViolations, launchChromium, openUi, screenshotPath, type UiSession } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { signIn } from "./sign-in.js";

const WAIT_MS = 10_000;

describe("web UI overview (Chromium)", () => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;
  let ui: UiSession | undefined;

  before(async () => {
    server = await startTestServer();
    origin = `http://${server.httpAddress}`;
    browser = await launchChromium();
  });
  after(async () => {
    await ui?.close();
    await browser?.close();
    if (ui) assert.deepEqual(ui.problems, [], "the last page reported errors");
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

  async function createRun(flowName: string, name: string, type = StateType.STATE_TYPE_RUNNING, extra: { deploymentId?: string } = {}) {
    const { flowRun } = await server.runs.createFlowRun({ flowName, name, state: { type }, ...extra });
    return flowRun!;
  }

  /** The run names in the list, top to bottom, once the list shows `count` rows. */
  async function listedNames(page: Page, count: number): Promise<string[]> {
    const rows = page.locator("table.runs tbody tr");
    await page.waitForFunction((n) => document.querySelectorAll("table.runs tbody tr").length === n, count, { timeout: WAIT_MS });
    return rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector("td a")?.textContent ?? ""));
  }

  test("filters and a name search narrow the list; the address holds them, so the view can be shared", async () => {
    const flow = `ui-filter-${randomUUID().slice(0, 8)}`;
    await createRun(flow, "invoice-march");
    await createRun(flow, "Invoice-April");
    await createRun(flow, "payroll-april");
    await createRun(`${flow}-other`, "invoice-other-flow");

    const page = await open(`/?flow=${flow}`);
    await page.getByRole("heading", { name: "Flow runs" }).waitFor();
    assert.deepEqual((await listedNames(page, 3)).sort(), ["Invoice-April", "invoice-march", "payroll-april"]);

    const filters = page.getByRole("search", { name: "Filter runs" });
    await filters.getByLabel("Name contains").fill("INVOICE");
    await filters.getByRole("button", { name: "Apply" }).click();
    assert.deepEqual((await listedNames(page, 2)).sort(), ["Invoice-April", "invoice-march"]);
    const shared = new URL(page.url());
    assert.equal(shared.searchParams.get("search"), "INVOICE");
    assert.equal(shared.searchParams.get("flow"), flow);

    // The shared address opens the same view in a fresh browser.
    const again = await open(shared.pathname + shared.search);
    assert.deepEqual((await listedNames(again, 2)).sort(), ["Invoice-April", "invoice-march"]);
    assert.equal(await again.getByLabel("Name contains").inputValue(), "INVOICE");
    await again.screenshot({ path: screenshotPath("runs-list-filtered.png"), fullPage: true });
    assert.deepEqual(await accessibilityViolations(again), [], "the runs list with filters");

    // A time range: nothing was created before 2000.
    await again.getByLabel("Created before").fill("2000-01-01T00:00");
    await again.getByRole("button", { name: "Apply" }).click();
    await again.getByText("No runs match these filters.").waitFor({ timeout: WAIT_MS });
    assert.match(new URL(again.url()).searchParams.get("createdBefore") ?? "", /^\d{4}-\d\d-\d\dT[\d:.]+Z$/, "stored as an ISO time");
    await again.getByRole("button", { name: "Clear" }).click();
    assert.equal(new URL(again.url()).search, "", "Clear removes every filter");
  });

  test("paging: Load more reads the next pages until every run is shown", async () => {
    const flow = `ui-paging-${randomUUID().slice(0, 8)}`;
    const names: string[] = [];
    for (let i = 0; i < 7; i++) names.push((await createRun(flow, `page-run-${i}`)).name);

    const page = await open(`/?flow=${flow}&pageSize=3`);
    const first = await listedNames(page, 3);
    assert.deepEqual(first, ["page-run-6", "page-run-5", "page-run-4"], "newest first");
    await page.getByRole("button", { name: "Load more" }).click();
    await listedNames(page, 6);
    await page.getByRole("button", { name: "Load more" }).click();
    assert.deepEqual(await listedNames(page, 7), [...names].reverse());
    await page.getByRole("button", { name: "Load more" }).waitFor({ state: "detached", timeout: WAIT_MS });
    await page.getByText("Showing 7 of 7").waitFor({ timeout: WAIT_MS });
  });

  test("counts by state match the runs, follow changes, and pick the state filter", async () => {
    const flow = `ui-counts-${randomUUID().slice(0, 8)}`;
    await createRun(flow, "a", StateType.STATE_TYPE_RUNNING);
    const b = await createRun(flow, "b", StateType.STATE_TYPE_RUNNING);
    await createRun(flow, "c", StateType.STATE_TYPE_SCHEDULED);
    const d = await createRun(flow, "d", StateType.STATE_TYPE_RUNNING);
    await server.runs.pauseFlowRun({ flowRunId: d.id });

    const page = await open(`/?flow=${flow}`);
    const counts = page.getByRole("navigation", { name: "Run counts" });
    const count = (state: string) => counts.locator(`[data-count-state="${state}"] .count`);
    await count("ALL").filter({ hasText: /^4$/ }).waitFor({ timeout: WAIT_MS });
    assert.equal(await count("RUNNING").textContent(), "2");
    assert.equal(await count("PAUSED").textContent(), "1");
    assert.equal(await count("SCHEDULED").textContent(), "1");
    assert.equal(await count("COMPLETED").count(), 0, "a state with no runs is not listed");

    // A run pausing moves one from Running to Paused, without reloading.
    await ui!.markDocument();
    await server.runs.pauseFlowRun({ flowRunId: b.id });
    await count("PAUSED").filter({ hasText: /^2$/ }).waitFor({ timeout: WAIT_MS });
    assert.equal(await count("RUNNING").textContent(), "1");

    await counts.getByRole("link", { name: /Paused/ }).click();
    assert.deepEqual((await listedNames(page, 2)).sort(), ["b", "d"]);
    assert.equal(new URL(page.url()).searchParams.get("state"), "PAUSED");
    assert.equal(await page.getByLabel("State", { exact: true }).inputValue(), "PAUSED");
    assert.equal(await ui!.sameDocument(), true);
    await page.screenshot({ path: screenshotPath("runs-list-counts.png"), fullPage: true });
  });

  test("a run page shows its task runs, parameters and the input it was resumed with", async () => {
    const flow = `ui-tasks-${randomUUID().slice(0, 8)}`;
    const { flowRun } = await server.runs.createFlowRun({
      flowName: flow,
      name: "with-tasks",
      parameters: { customer: "Marvin", limit: 3 },
      state: { type: StateType.STATE_TYPE_RUNNING },
    });
    const runId = flowRun!.id;
    const fetch = (await server.runs.createTaskRun({ flowRunId: runId, taskKey: "fetch", dynamicKey: "0", name: "fetch-0" })).taskRun!;
    await server.runs.setTaskRunState({ taskRunId: fetch.id, state: { type: StateType.STATE_TYPE_RUNNING } });
    // A retry: back to SCHEDULED ("AwaitingRetry", as the SDK does), then running a second time.
    await server.runs.setTaskRunState({ taskRunId: fetch.id, state: { type: StateType.STATE_TYPE_SCHEDULED, name: "AwaitingRetry" } });
    await server.runs.setTaskRunState({ taskRunId: fetch.id, state: { type: StateType.STATE_TYPE_RUNNING } });
    await server.runs.setTaskRunState({
      taskRunId: fetch.id,
      state: { type: StateType.STATE_TYPE_COMPLETED },
      result: 1,
      persistResult: true,
    });
    const cached = (await server.runs.createTaskRun({ flowRunId: runId, taskKey: "load", dynamicKey: "0", name: "load-0" })).taskRun!;
    await server.runs.setTaskRunState({ taskRunId: cached.id, state: { type: StateType.STATE_TYPE_COMPLETED, name: "Cached" } });
    const schema = { type: "object", properties: { approved: { type: "boolean" } }, required: ["approved"] };
    await server.runs.pauseFlowRun({ flowRunId: runId, key: "review", inputSchema: schema });
    await server.runs.resumeFlowRun({ flowRunId: runId, runInput: { approved: true } });

    const page = await open(`/runs/${runId}`);
    const tasks = page.getByRole("region", { name: "Task runs" });
    const fetchRow = tasks.getByRole("row").filter({ hasText: "fetch-0" });
    await fetchRow.waitFor({ timeout: WAIT_MS });
    assert.match((await fetchRow.textContent()) ?? "", /Completed/);
    const taskCells = async (name: string) => tasks.getByRole("row").filter({ hasText: name }).getByRole("cell").allTextContents();
    const fetchCells = await taskCells("fetch-0");
    assert.equal(fetchCells[4], "Stored");
    assert.equal(fetchCells[5], "2 (1 retried)");
    const loadCells = await taskCells("load-0");
    assert.equal(loadCells[4], "Cached");
    assert.equal(loadCells[5], "0", "taken from the cache, it never ran");

    const parameters = page.getByRole("region", { name: "Parameters" });
    assert.deepEqual(JSON.parse((await parameters.locator("pre").textContent()) ?? ""), { customer: "Marvin", limit: 3 });
    const resumed = page.getByRole("region", { name: "Resume input" });
    await resumed.waitFor({ timeout: WAIT_MS });
    assert.match((await resumed.textContent()) ?? "", /review/);
    assert.deepEqual(JSON.parse((await resumed.locator("pre").textContent()) ?? ""), { approved: true });
    await page.screenshot({ path: screenshotPath("run-page-task-runs.png"), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), [], "the run page with task runs and a resume input");
  });

  test("the deployments page lists deployments; Run starts a run with the parameters, which appears in its runs", async () => {
    const flow = `ui-deploy-${randomUUID().slice(0, 8)}`;
    const { deployment } = await server.deployments.createDeployment({
      name: "nightly",
      flowName: flow,
      entrypoint: "flows/nightly.ts:nightly",
      parameters: { region: "eu" },
    });
    const earlier = await createRun(flow, "earlier-run", StateType.STATE_TYPE_COMPLETED, { deploymentId: deployment!.id });

    const page = await open("/deployments");
    const row = page.getByRole("row").filter({ hasText: flow });
    await row.waitFor({ timeout: WAIT_MS });
    assert.match((await row.textContent()) ?? "", /flows\/nightly\.ts:nightly/);
    await page.screenshot({ path: screenshotPath("deployments.png"), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), [], "the deployments page");
    await ui!.markDocument();
    await row.getByRole("link", { name: "nightly", exact: true }).click();

    await page.getByRole("heading", { name: `${flow}/nightly` }).waitFor({ timeout: WAIT_MS });
    const runs = page.getByRole("region", { name: "Runs" });
    await runs.getByRole("link", { name: earlier.name }).waitFor({ timeout: WAIT_MS });

    // Not a JSON object: refused on the page, nothing started.
    const run = page.getByRole("region", { name: "Run" });
    const parameters = run.getByLabel("Parameters (JSON object)");
    assert.deepEqual(JSON.parse(await parameters.inputValue()), { region: "eu" }, "the deployment's defaults to start from");
    await parameters.fill("[1, 2]");
    await run.getByRole("button", { name: "Run" }).click();
    await run.getByRole("alert").filter({ hasText: "must be a JSON object" }).waitFor();
    await parameters.fill("{ not json");
    await run.getByRole("button", { name: "Run" }).click();
    await run.getByRole("alert").filter({ hasText: "not valid JSON" }).waitFor();
    assert.equal((await server.runs.listFlowRuns({ deploymentId: deployment!.id })).flowRuns.length, 1);

    await parameters.fill('{ "region": "us", "dryRun": true }');
    await run.getByLabel("Run name (optional)").fill("started-from-the-ui");
    await run.getByRole("button", { name: "Run" }).click();
    await run.getByRole("status").filter({ hasText: "Started started-from-the-ui" }).waitFor({ timeout: WAIT_MS });
    const startedRow = runs.getByRole("row").filter({ has: page.getByRole("link", { name: "started-from-the-ui" }) });
    await startedRow.getByText("Scheduled").waitFor({ timeout: WAIT_MS });
    assert.equal(await ui!.sameDocument(), true);

    const listed = (await server.runs.listFlowRuns({ deploymentId: deployment!.id })).flowRuns;
    const started = listed.find((r) => r.name === "started-from-the-ui");
    assert.ok(started, "the run exists on the server");
    assert.equal(started.state?.type, StateType.STATE_TYPE_SCHEDULED);
    assert.deepEqual(started.parameters, { region: "us", dryRun: true });
    await page.screenshot({ path: screenshotPath("deployment-run.png"), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), [], "the deployment page after a run");
  });
});
