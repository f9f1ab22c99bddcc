/**
 * Approvals in the web UI (issue 11), in Chromium against a real server: the "Awaiting me" view and
 * its count, a pause's policy and progress on the run page, Reject with a reason, why someone may not
 * decide, and the resume-link page (/approve/<token>) used without signing in. Every outcome is
 * checked on the page and through gRPC.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import pino from "pino";
import type { ApprovalPolicy, FlowRun, ResumeLink } from "@flowgate/contract/flowgate/v1/types.js";
import { ResumeLinks, StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { rejectViaLinkPage, resumeViaLinkPage } from "../approvals/paths/link-page.js";
import { as } from "../support/as-principal.js";
import { accessibilityViolations, launchChromium, openUi, screenshotPath, type UiSession } from "../support/browser.js";
import { eventually, getRun, runningRun } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { signIn } from "./sign-in.js";

const WAIT_MS = 10_000;

describe("approvals in the web UI (Chromium)", () => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;
  let ui: UiSession | undefined;
  /** Every line the server logged, at debug level: a resume link's token must never be among them. */
  const log: string[] = [];
  const keys: Record<"alice" | "bob" | "carol" | "dave", string> = { alice: "", bob: "", carol: "", dave: "" };

  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log.push(chunk.toString("utf8"));
        done();
      },
    });
    server = await startTestServer({ logger: pino({ level: "debug" }, sink) });
    origin = `http://${server.httpAddress}`;
    browser = await launchChromium();
    for (const name of Object.keys(keys) as (keyof typeof keys)[]) {
      const { secret } = await server.keys.createKey({
        name,
        scopes: ["runs:read", "runs:resume"],
        groups: name === "carol" ? ["finance"] : [],
      });
      keys[name] = secret;
    }
  });
  after(async () => {
    await ui?.close();
    await browser?.close();
    if (ui) assert.deepEqual(ui.problems, [], "the last page reported errors");
    await server?.stop();
  });

  /** A fresh browser context on `path`, signed in with `key` unless it is null. */
  async function open(path: string, key: string | null, size: { width?: number; height?: number } = {}): Promise<Page> {
    const previous = ui;
    await previous?.close();
    if (previous) assert.deepEqual(previous.problems, [], "the previous page reported errors");
    ui = await openUi(browser, origin, size);
    if (key !== null) await signIn(ui, origin, key);
    await ui.page.goto(path);
    return ui.page;
  }

  /** A RUNNING run paused by the admin key with `approval` (and any other PauseFlowRun fields); its links too. */
  async function approvalPause(
    approval: Partial<ApprovalPolicy>,
    pause: { key?: string; inputSchema?: Record<string, unknown>; inputDescription?: string } = {},
    run?: FlowRun,
  ): Promise<{ run: FlowRun; links: ResumeLink[] }> {
    const running = run ?? (await runningRun(server));
    const { flowRun, links } = await server.runs.pauseFlowRun({ flowRunId: running.id, approval, ...pause });
    assert.equal(flowRun?.state?.type, StateType.STATE_TYPE_PAUSED);
    return { run: flowRun, links };
  }

  function linkFor(links: readonly ResumeLink[], approver: string): ResumeLink {
    const link = links.find((l) => l.approver === approver);
    assert.ok(link, `a link for ${approver}`);
    return link;
  }

  function pauseRegion(page: Page) {
    return page.getByRole("region", { name: /waiting to be resumed/ });
  }

  function timeline(page: Page) {
    return page.getByRole("region", { name: "State timeline" });
  }

  /** The header's "Awaiting me" count, once it is known. */
  async function headerCount(page: Page): Promise<number> {
    const count = page.getByRole("navigation", { name: "Site" }).locator(".count");
    await count.waitFor({ timeout: WAIT_MS });
    return Number(await count.textContent());
  }

  /** Waits until the header's count is `expected` (it follows the streams the page has open). */
  async function headerCountBecomes(page: Page, expected: number): Promise<void> {
    await eventually(
      `the header's count becomes ${expected}`,
      async () => ((await headerCount(page)) === expected ? true : undefined),
      WAIT_MS,
    );
  }

  /** The header's count and the rows of the Awaiting me page, once both show the same answer. */
  async function awaitingRows(page: Page): Promise<string[]> {
    return eventually(
      "the header's count matches the rows",
      async () => {
        const count = page.getByRole("navigation", { name: "Site" }).locator(".count");
        if ((await count.count()) === 0) return undefined;
        const rows = await page
          .locator("table.awaiting tbody tr")
          .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-run-id") ?? ""));
        const empty = await page.getByText("Nothing awaits you.").count();
        if (rows.length === 0 && empty === 0) return undefined;
        return Number(await count.textContent()) === rows.length ? rows : undefined;
      },
      WAIT_MS,
    );
  }

  test("Awaiting me lists the paused runs alice may decide, newest first, counted in the header and kept current; not for dave", async () => {
    const first = await approvalPause({ approvers: ["alice", "bob"] });
    const page = await open("/awaiting", keys.alice);
    await page.getByRole("heading", { name: "Awaiting me", level: 1 }).waitFor({ timeout: WAIT_MS });
    await page.getByRole("status", { name: "Updates: Live" }).waitFor({ timeout: WAIT_MS });
    await ui!.markDocument();
    let rows = await awaitingRows(page);
    assert.ok(rows.includes(first.run.id), "the run naming alice is listed");
    const listed = rows.length;

    // A run paused for a group alice is not in is not hers; a new one naming her comes on top.
    const forFinance = await approvalPause({ approvers: ["group:finance"] });
    const second = await approvalPause({ approvers: ["carol", "alice"], required: 2 });
    await page.locator(`tr[data-run-id="${second.run.id}"]`).waitFor({ timeout: WAIT_MS });
    rows = await awaitingRows(page);
    assert.equal(rows.length, listed + 1);
    assert.equal(rows[0], second.run.id, "the newest pause comes first");
    assert.ok(!rows.includes(forFinance.run.id), "a pause for group:finance is not alice's");
    const row = page.locator(`tr[data-run-id="${second.run.id}"]`);
    assert.equal(await row.getByRole("cell").nth(2).textContent(), "0 of 2 approvals: waiting for carol and alice");
    await page.screenshot({ path: screenshotPath("awaiting-me.png"), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), [], "the Awaiting me page");

    // bob approves the first over gRPC: it resumes, and leaves alice's list and count without a reload.
    const bob = as(server.address, keys.bob);
    try {
      const answer = await bob.resume(first.run.id);
      assert.equal(answer.resumed, true);
    } finally {
      bob.close();
    }
    await page.locator(`tr[data-run-id="${first.run.id}"]`).waitFor({ state: "detached", timeout: WAIT_MS });
    rows = await awaitingRows(page);
    assert.equal(rows.length, listed);
    assert.equal(await ui!.sameDocument(), true, "the list and count updated in place");

    // On the runs list the count follows the list's own stream: a new pause naming alice counts at once.
    const runsPage = await open("/", keys.alice);
    await runsPage.getByRole("status", { name: "Updates: Live" }).waitFor({ timeout: WAIT_MS });
    await ui!.markDocument();
    const counted = await headerCount(runsPage);
    assert.equal(counted, listed);
    await approvalPause({ approvers: ["alice"] });
    await headerCountBecomes(runsPage, counted + 1);
    assert.equal(await ui!.sameDocument(), true);

    // dave is named by neither: neither run is his to decide.
    const davePage = await open("/awaiting", keys.dave);
    await davePage.getByRole("status", { name: "Updates: Live" }).waitFor({ timeout: WAIT_MS });
    const daveRows = await awaitingRows(davePage);
    assert.ok(!daveRows.includes(second.run.id), "dave is not an approver");
    assert.ok(!daveRows.includes(forFinance.run.id));
  });

  test("who may not decide is told why, and offered neither Resume nor Reject", async () => {
    const { run } = await approvalPause({ approvers: ["alice", "bob"] });
    const cases: [string, string, RegExp][] = [
      ["dave", keys.dave, /^You \(dave\) are not an approver of this pause: only alice or bob may approve or reject it\.$/],
      // The admin key paused it, and the policy does not allow self-approval.
      ["admin", server.apiKey, /^You \(admin\) paused this run, and its policy does not allow self-approval/],
    ];
    for (const [who, key, why] of cases) {
      const page = await open(`/runs/${run.id}`, key);
      const pause = pauseRegion(page);
      await pause.locator(".decision-refused").waitFor({ timeout: WAIT_MS });
      assert.match((await pause.locator(".decision-refused").textContent()) ?? "", why, who);
      for (const name of ["Resume", "Reject"]) assert.equal(await page.getByRole("button", { name }).count(), 0, `${who}: ${name}`);
      assert.equal(await pause.locator(".approval-progress").textContent(), "0 of 1 approval: waiting for alice or bob");
      assert.deepEqual(await accessibilityViolations(page), [], who);
    }
    assert.equal((await getRun(server, run.id)).state?.type, StateType.STATE_TYPE_PAUSED);
  });

  test("the run page shows the policy and its progress after one approval; the approval that meets the quorum resumes the run", async () => {
    const { run } = await approvalPause({ approvers: ["alice", "bob", "carol"], required: 2 });
    const bob = as(server.address, keys.bob);
    try {
      assert.equal((await bob.resume(run.id)).resumed, false, "below the quorum bob's approval is recorded");
    } finally {
      bob.close();
    }

    const page = await open(`/runs/${run.id}`, keys.alice);
    const pause = pauseRegion(page);
    await pause.locator(".approval-progress").waitFor({ timeout: WAIT_MS });
    assert.equal(await pause.locator(".approval-progress").textContent(), "1 of 2 approvals: bob ✔, waiting for alice or carol");
    await pause.getByText("alice, bob or carol").waitFor();
    const paused = timeline(page).getByRole("listitem").last();
    await paused.getByText(/^Approved by bob over gRPC at /).waitFor({ timeout: WAIT_MS });
    // bob's approval made no new state: the pause's entry says who paused it, then who approved.
    assert.deepEqual(
      (await paused.locator(".cause").allTextContents()).map((t) => t.replace(/ at .*$/, "")),
      ["by admin over gRPC", "Approved by bob over gRPC"],
    );
    await page.screenshot({ path: screenshotPath("run-page-approvals.png"), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), [], "the run page with a policy and an approval");
    await ui!.markDocument();

    await pause.getByRole("button", { name: "Resume" }).click();
    await page.getByRole("dialog", { name: "Resume this run?" }).getByRole("button", { name: "Resume" }).click();
    await page.getByLabel("Current state: Running").waitFor({ timeout: WAIT_MS });
    await page.getByRole("status").filter({ hasText: "Resumed." }).waitFor();
    const entries = timeline(page).getByRole("listitem");
    await entries
      .last()
      .getByText(/^Resumed by alice in the web UI at /)
      .waitFor({ timeout: WAIT_MS });
    assert.equal(await entries.last().locator(".cause").count(), 1, "the resume that met the quorum, once");
    // The pause's entry keeps who approved before the quorum was met.
    await entries
      .nth(-2)
      .getByText(/^Approved by bob over gRPC at /)
      .waitFor({ timeout: WAIT_MS });
    assert.equal((await getRun(server, run.id)).state?.type, StateType.STATE_TYPE_RUNNING);
    assert.equal(await ui!.sameDocument(), true);
  });

  test("Resume that only records an approval says so (1 of 2), and the page then says alice has approved", async () => {
    const { run } = await approvalPause({ approvers: ["alice", "bob"], required: 2 });
    const page = await open(`/runs/${run.id}`, keys.alice);
    const pause = pauseRegion(page);
    await pause.getByRole("button", { name: "Resume" }).waitFor({ timeout: WAIT_MS });
    const counted = await headerCount(page);
    await pause.getByRole("button", { name: "Resume" }).click();
    await page.getByRole("dialog", { name: "Resume this run?" }).getByRole("button", { name: "Resume" }).click();
    await page.getByRole("status").filter({ hasText: "Your approval is recorded: 1 of 2" }).waitFor({ timeout: WAIT_MS });
    await pause.getByText("You (alice) approved this pause already; it waits for the other approvals.").waitFor({ timeout: WAIT_MS });
    assert.equal(await pause.locator(".approval-progress").textContent(), "1 of 2 approvals: alice ✔, waiting for bob");
    for (const name of ["Resume", "Reject"]) assert.equal(await page.getByRole("button", { name }).count(), 0, name);
    await timeline(page)
      .getByText(/^Approved by alice in the web UI at /)
      .waitFor({ timeout: WAIT_MS });
    // Approved by her, the run no longer awaits her: the header's count follows the run page's stream.
    await headerCountBecomes(page, counted - 1);
    const after = await getRun(server, run.id);
    assert.equal(after.state?.type, StateType.STATE_TYPE_PAUSED);
    assert.deepEqual(
      after.pause?.approvals.map((a) => a.by?.principal),
      ["alice"],
    );
  });

  test("Reject with a reason from the run page ends the pause, whatever the approvals so far", async () => {
    const { run } = await approvalPause({ approvers: ["alice", "bob"], required: 2 });
    const bob = as(server.address, keys.bob);
    try {
      await bob.resume(run.id);
    } finally {
      bob.close();
    }
    const page = await open(`/runs/${run.id}`, keys.alice);
    const pause = pauseRegion(page);
    await pause.getByRole("button", { name: "Reject" }).click({ timeout: WAIT_MS });
    const dialog = page.getByRole("dialog", { name: "Reject this run?" });
    await dialog.waitFor();
    assert.equal(await dialog.getByRole("button", { name: "Reject" }).isDisabled(), true, "no reason, no reject");
    await dialog.getByLabel("Reason").fill("The totals do not add up.");
    assert.deepEqual(await accessibilityViolations(page), [], "the reject dialog");
    await dialog.getByRole("button", { name: "Reject" }).click();

    // An in-process pause goes back to RUNNING, and the flow is told who said no and why.
    await page.getByLabel("Current state: Running").waitFor({ timeout: WAIT_MS });
    await page.getByRole("status").filter({ hasText: "Rejected." }).waitFor();
    await page.locator(".page-header + .state-message").getByText("Rejected by alice: The totals do not add up.").waitFor();
    await timeline(page)
      .getByRole("listitem")
      .last()
      .getByText(/^Rejected by alice in the web UI at /)
      .waitFor({ timeout: WAIT_MS });
    const after = await getRun(server, run.id);
    assert.equal(after.state?.type, StateType.STATE_TYPE_RUNNING);
    assert.equal(after.state?.message, "Rejected by alice: The totals do not add up.");

    // A suspended run rejected ends FAILED, and the page says so.
    const withDeployment = await runningRun(server, { withDeployment: true });
    await server.runs.suspendFlowRun({ flowRunId: withDeployment.id, approval: { approvers: ["alice"] } });
    await open(`/runs/${withDeployment.id}`, keys.alice);
    await ui!.page
      .getByRole("region", { name: "Suspended, waiting to be resumed" })
      .getByRole("button", { name: "Reject" })
      .click({ timeout: WAIT_MS });
    await ui!.page.getByRole("dialog", { name: "Reject this run?" }).getByLabel("Reason").fill("Not this quarter.");
    await ui!.page.getByRole("dialog", { name: "Reject this run?" }).getByRole("button", { name: "Reject" }).click();
    await ui!.page.getByLabel("Current state: Failed").waitFor({ timeout: WAIT_MS });
    await ui!.page.getByText("Rejected by alice: Not this quarter.").first().waitFor();
    assert.equal((await getRun(server, withDeployment.id)).state?.type, StateType.STATE_TYPE_FAILED);
  });

  test("a resume link's page resumes the run without signing in, and its token appears in no title, referrer or log", async () => {
    const schema = {
      type: "object",
      properties: { approver: { type: "string", minLength: 1 }, copies: { type: "integer", minimum: 1 } },
      required: ["approver", "copies"],
    };
    const { run, links } = await approvalPause(
      { approvers: ["alice", "bob"], links: ResumeLinks.RESUME_LINKS_PER_APPROVER },
      { key: "sign-off", inputSchema: schema, inputDescription: "Approve the **quarterly report**." },
    );
    const link = linkFor(links, "alice");
    const path = new URL(link.url).pathname;
    assert.equal(path, `/approve/${link.token}`);

    const page = await open(path, null);
    await page.getByRole("heading", { name: run.name, level: 1 }).waitFor({ timeout: WAIT_MS });
    await ui!.markDocument();
    assert.equal(new URL(page.url()).pathname, path, "no detour to the sign-in page");
    const pause = pauseRegion(page);
    assert.equal(await pause.locator("strong", { hasText: "quarterly report" }).count(), 1, "the description is Markdown, rendered");
    await page.getByText("acts for alice, and is good for one decision").waitFor();
    await pause.getByRole("button", { name: "Reject" }).waitFor();
    await page.screenshot({ path: screenshotPath("link-page.png"), fullPage: true });
    assert.deepEqual(await accessibilityViolations(page), [], "the link page");

    // Invalid input is refused by the server and shown under the field, as on the run page.
    await pause.getByLabel(/^Approver/).fill("Ada");
    await pause.getByLabel(/^Copies/).fill("0");
    await pause.getByRole("button", { name: "Resume" }).click();
    await page.getByRole("alert").filter({ hasText: "The input was not accepted" }).waitFor({ timeout: WAIT_MS });
    await pause.getByText("must be >= 1").waitFor();
    assert.equal((await getRun(server, run.id)).state?.type, StateType.STATE_TYPE_PAUSED);

    await pause.getByLabel(/^Copies/).fill("3");
    await pause.getByRole("button", { name: "Resume" }).click();
    await page.getByRole("status").filter({ hasText: "Resumed: the run continues." }).waitFor({ timeout: WAIT_MS });
    await page.getByLabel("Current state: Running").waitFor();
    assert.equal(await page.getByRole("button", { name: "Resume" }).count(), 0, "the link is spent: nothing more is offered");
    assert.equal(await ui!.sameDocument(), true);
    const after = await getRun(server, run.id);
    assert.equal(after.state?.type, StateType.STATE_TYPE_RUNNING);
    assert.equal(after.state?.by?.principal, "alice", "the link acts for alice");
    const { input } = await server.runs.readFlowRunInput({ flowRunId: run.id, key: "paused-sign-off-response" });
    assert.deepEqual(input?.value, { approver: "Ada", copies: 3 });

    // The token went nowhere but the server: no session was made, nothing left the origin, the page's
    // title does not hold it, the page is sent with no-referrer, and the server logged it nowhere.
    assert.deepEqual(await ui!.context.cookies(), []);
    assert.deepEqual(
      ui!.requests.filter((r) => !r.toServer),
      [],
    );
    assert.ok(!(await page.title()).includes(link.token), "the title");
    const res = await fetch(`${origin}${path}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    assert.equal(await page.locator('meta[name="referrer"]').getAttribute("content"), "no-referrer");
    assert.ok(log.length > 0, "the server logged the calls");
    assert.deepEqual(
      log.filter((line) => line.includes(link.token)),
      [],
    );
  });

  test("the Awaiting me page and a link's page read correctly at a narrow (mobile) width", async () => {
    const { links } = await approvalPause({ approvers: ["alice"], links: ResumeLinks.RESUME_LINKS_PER_APPROVER });
    for (const [path, key] of [
      ["/awaiting", keys.alice],
      [new URL(linkFor(links, "alice").url).pathname, null],
    ] as const) {
      const page = await open(path, key, { width: 360, height: 740 });
      await page.getByRole("heading", { level: 1 }).waitFor({ timeout: WAIT_MS });
      if (key === null) await page.getByRole("button", { name: "Reject" }).waitFor({ timeout: WAIT_MS });
      else await page.locator("table.awaiting").waitFor({ timeout: WAIT_MS });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${path.startsWith("/approve/") ? "the link page" : path} scrolls sideways by ${overflow}px at 360px wide`);
    }
    await ui!.page.screenshot({ path: screenshotPath("link-page-narrow.png"), fullPage: true });
  });

  test("a used link says it was used, a link of an earlier pause says it has expired, a made-up one is not valid (link page path)", async () => {
    // Two approvals needed: alice's link records hers and the run goes on waiting; the link is spent.
    const { run, links } = await approvalPause({ approvers: ["alice", "bob"], required: 2, links: ResumeLinks.RESUME_LINKS_PER_APPROVER });
    const alice = linkFor(links, "alice");
    assert.equal(await resumeViaLinkPage(browser, alice.url), "ok");
    const waiting = await getRun(server, run.id);
    assert.equal(waiting.state?.type, StateType.STATE_TYPE_PAUSED);
    assert.deepEqual(
      waiting.pause?.approvals.map((a) => [a.by?.principal, a.linkId]),
      [["alice", alice.id]],
    );
    assert.equal(await resumeViaLinkPage(browser, alice.url), "RESUME_LINK_USED");
    assert.equal(await rejectViaLinkPage(browser, alice.url, "changed my mind"), "RESUME_LINK_USED");
    let page = await open(new URL(alice.url).pathname, null);
    await page.getByRole("heading", { name: "This link has been used" }).waitFor({ timeout: WAIT_MS });
    assert.deepEqual(await accessibilityViolations(page), [], "the used-link page");
    // bob's link still works, and completes the quorum.
    assert.equal(await resumeViaLinkPage(browser, linkFor(links, "bob").url), "ok");
    assert.equal((await getRun(server, run.id)).state?.type, StateType.STATE_TYPE_RUNNING);

    // A shared link of the first pause, which bob resumed; the run then paused again with new links.
    const earlier = await approvalPause({ approvers: ["bob"], links: ResumeLinks.RESUME_LINKS_SHARED }, { key: "first" });
    const bob = as(server.address, keys.bob);
    try {
      await bob.resume(earlier.run.id);
    } finally {
      bob.close();
    }
    const later = await approvalPause(
      { approvers: ["bob"], links: ResumeLinks.RESUME_LINKS_SHARED },
      { key: "second" },
      await getRun(server, earlier.run.id),
    );
    const [oldLink] = earlier.links;
    const [newLink] = later.links;
    assert.ok(oldLink && newLink);
    assert.equal(await rejectViaLinkPage(browser, oldLink.url, "too late"), "RESUME_LINK_EXPIRED");
    page = await open(new URL(oldLink.url).pathname, null);
    await page.getByRole("heading", { name: "This link has expired" }).waitFor({ timeout: WAIT_MS });
    assert.equal((await getRun(server, earlier.run.id)).state?.type, StateType.STATE_TYPE_PAUSED, "the later pause is untouched");
    // The later pause's own link rejects it, recorded as the shared link's principal.
    assert.equal(await rejectViaLinkPage(browser, newLink.url, "Not now."), "ok");
    const rejected = await getRun(server, earlier.run.id);
    assert.equal(rejected.state?.type, StateType.STATE_TYPE_RUNNING);
    assert.equal(rejected.state?.message, "Rejected by link: Not now.");

    // A token nobody made.
    const madeUp = `${origin}/approve/fgr_${"A".repeat(43)}`;
    assert.equal(await resumeViaLinkPage(browser, madeUp), "RESUME_LINK_INVALID");
    page = await open(new URL(madeUp).pathname, null);
    await page.getByRole("heading", { name: "This link is not valid" }).waitFor({ timeout: WAIT_MS });
    assert.equal(new URL(page.url()).pathname, new URL(madeUp).pathname, "a refused link does not send anyone to sign in");
  });
});
