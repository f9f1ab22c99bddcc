/**
 * A deployment's Run form in Chromium when its flow declared a parameters schema (issue 14 item 2):
 * the form is built from the schema with the deployment's defaults filled in, the server's field
 * errors show under their fields and start nothing, and good values start a run.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { accessibilityViolations, launchChromium, openUi, screenshotPath, type UiSession } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { signIn } from "./sign-in.js";

const WAIT_MS = 10_000;

describe("web UI: a deployment's parameters form (Chromium)", () => {
  let server: TestServer;
  let browser: Browser;
  let ui: UiSession | undefined;

  before(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  after(async () => {
    await ui?.close();
    await browser?.close();
    if (ui) assert.deepEqual(ui.problems, [], "the page reported errors");
    await server?.stop();
  });

  test("the Run form is built from the schema; a bad value shows its error and starts nothing; a good one starts the run", async () => {
    const flow = `ui-params-${randomUUID().slice(0, 8)}`;
    // As z.toJSONSchema writes a flow's `parameters: z.object({...})`.
    const { deployment } = await server.deployments.createDeployment({
      name: "nightly",
      flowName: flow,
      entrypoint: "flows/report.ts:report",
      parameters: { region: "eu", days: 7 },
      parameterSchema: {
        type: "object",
        properties: {
          region: { type: "string", enum: ["eu", "us"] },
          days: { type: "integer", minimum: 1, maximum: 90, default: 7 },
          note: { type: "string" },
        },
        required: ["region"],
      },
    });
    const origin = `http://${server.httpAddress}`;
    ui = await openUi(browser, origin);
    await signIn(ui, origin, server.apiKey);
    const page = ui.page;
    await page.goto(`/deployments/${deployment!.id}`);
    await page.getByRole("heading", { name: `${flow}/nightly` }).waitFor({ timeout: WAIT_MS });

    const run = page.getByRole("region", { name: "Run" });
    const region = run.getByLabel(/^Region/);
    await region.waitFor({ timeout: WAIT_MS });
    assert.equal(await run.getByLabel("Parameters (JSON object)").count(), 0, "no JSON box when the flow declared its parameters");
    // rjsf's select carries option indexes as values: the shown text is what matters.
    const chosen = () => region.evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? "");
    assert.equal(await chosen(), "eu", "the deployment's defaults to start from");
    const days = run.getByLabel(/^Days/);
    assert.equal(await days.inputValue(), "7");

    await days.fill("0");
    await run.getByRole("button", { name: "Run" }).click();
    await run.getByRole("alert").filter({ hasText: "The parameters were not accepted" }).waitFor({ timeout: WAIT_MS });
    await run.getByText("must be >= 1").waitFor();
    assert.equal((await server.runs.listFlowRuns({ deploymentId: deployment!.id })).flowRuns.length, 0, "nothing started");
    await page.screenshot({ path: screenshotPath("deployment-parameters-refused.png"), fullPage: true });

    await region.selectOption({ label: "us" });
    assert.equal(await chosen(), "us");
    await days.fill("3");
    await run.getByLabel("Run name (optional)").fill("from-the-form");
    await run.getByRole("button", { name: "Run" }).click();
    await run.getByRole("status").filter({ hasText: "Started from-the-form" }).waitFor({ timeout: WAIT_MS });
    await run.getByRole("alert").waitFor({ state: "detached" });
    const runs = page.getByRole("region", { name: "Runs" });
    await runs.getByRole("link", { name: "from-the-form" }).waitFor({ timeout: WAIT_MS });

    const [started] = (await server.runs.listFlowRuns({ deploymentId: deployment!.id })).flowRuns;
    assert.equal(started?.name, "from-the-form");
    assert.equal(started.state?.type, StateType.STATE_TYPE_SCHEDULED);
    assert.deepEqual(started.parameters, { region: "us", days: 3 });
    await page.screenshot({ path: screenshotPath("deployment-parameters.png"), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), [], "the deployment page with its parameters form");
  });
});
