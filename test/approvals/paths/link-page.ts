/**
 * The resume-link page (/approve/<token>) as one path of the approval rules: a person who is not
 * signed in opens the link in Chromium and presses Resume or Reject. Each function opens the link in
 * a fresh browser context (no session, no key), acts as a person would (roles and labels), and returns
 * what the page said: "ok" when it reports the decision done (resumed, or approval recorded, or
 * rejected), else the refusal's reason as the page shows it (RESUME_LINK_USED, RESUME_LINK_EXPIRED,
 * RESUME_LINK_INVALID, SELF_APPROVAL, INVALID_RUN_INPUT, …).
 *
 * Pass the browser from launchChromium() (test/support/browser.ts); the page must be built (ui/dist).
 */
import type { Browser, Locator, Page } from "playwright-core";
import { openUi } from "../../support/browser.js";

/** "ok", or the reason of the refusal the page shows. */
export type LinkPageOutcome = "ok" | (string & {});

/** What the page said, in the shape of paths.ts's Outcome: done (and whether the run resumed), or refused with a reason. */
export type LinkPageResult = { ok: true; resumed?: boolean } | { ok: false; reason: string };

// A deadline, not a measure: a loaded machine may take a while to open a fresh browser context.
const WAIT_MS = 30_000;

/**
 * Opens `url` (a link's `<ui url>/approve/<token>`) and resumes: the pause's form filled with `input`
 * (flat fields by name: text and numbers typed, booleans ticked, enums selected; fields not named keep
 * their initial values), or, for a pause without input, Resume confirmed. An input given for a pause
 * that takes none is an error of the caller.
 */
export async function resumeViaLinkPage(browser: Browser, url: string, input?: Record<string, unknown>): Promise<LinkPageOutcome> {
  return outcomeOf(await approveOnLinkPage(browser, url, input));
}

/** Opens `url` and rejects with `reason` (the page asks for one; an empty reason cannot be sent). */
export async function rejectViaLinkPage(browser: Browser, url: string, reason: string): Promise<LinkPageOutcome> {
  return outcomeOf(await rejectOnLinkPage(browser, url, reason));
}

/**
 * The link page as a row source for the every-path table (test/approvals/paths.ts's LinkPath shape):
 * the token alone names the run, and the page goes through the link routes. `browser` may be a
 * function, for a table built before its before() hook launches Chromium.
 */
export function linkPagePath(browserOrGetter: Browser | (() => Browser)) {
  const browserOf = (): Browser => (typeof browserOrGetter === "function" ? browserOrGetter() : browserOrGetter);
  return {
    name: "link page (Chromium)",
    covers: ["GET /api/links/:token", "POST /api/links/:token/resume", "POST /api/links/:token/reject"] as readonly string[],
    namesRun: false,
    decide: (
      s: { httpAddress: string },
      token: string,
      _flowRunId: string,
      decision: { kind: "approve"; input?: Record<string, unknown> } | { kind: "reject"; reason: string },
    ): Promise<LinkPageResult> => {
      const url = `http://${s.httpAddress}/approve/${token}`;
      return decision.kind === "approve"
        ? approveOnLinkPage(browserOf(), url, decision.input)
        : rejectOnLinkPage(browserOf(), url, decision.reason);
    },
  };
}

function outcomeOf(result: LinkPageResult): LinkPageOutcome {
  return result.ok ? "ok" : result.reason;
}

function approveOnLinkPage(browser: Browser, url: string, input?: Record<string, unknown>): Promise<LinkPageResult> {
  return onLinkPage(browser, url, async (page, pause) => {
    const form = pause.locator("form.resume-form");
    if ((await form.count()) > 0) {
      for (const [field, value] of Object.entries(input ?? {})) await fill(form, field, value);
      await form.getByRole("button", { name: "Resume" }).click();
    } else {
      if (input !== undefined && Object.keys(input).length > 0) throw new Error("this pause takes no input, but the row gives some");
      await pause.getByRole("button", { name: "Resume" }).click();
      await page.getByRole("dialog", { name: "Resume this run?" }).getByRole("button", { name: "Resume" }).click();
    }
  });
}

function rejectOnLinkPage(browser: Browser, url: string, reason: string): Promise<LinkPageResult> {
  return onLinkPage(browser, url, async (page, pause) => {
    await pause.getByRole("button", { name: "Reject" }).click();
    const dialog = page.getByRole("dialog", { name: "Reject this run?" });
    await dialog.getByLabel("Reason").fill(reason);
    await dialog.getByRole("button", { name: "Reject" }).click();
  });
}

/** Opens the link, waits for its pause or its refusal, acts, and reads the outcome; the context is closed after. */
async function onLinkPage(browser: Browser, url: string, act: (page: Page, pause: Locator) => Promise<void>): Promise<LinkPageResult> {
  const ui = await openUi(browser, new URL(url).origin);
  try {
    const { page } = ui;
    await page.goto(url);
    const pause = page.getByRole("region", { name: /waiting to be resumed/ });
    const refusal = page.locator("main [role=alert][data-reason]");
    const notPaused = page.getByText("The run is not paused any more.");
    await pause.or(refusal).or(notPaused).first().waitFor({ timeout: WAIT_MS });
    if (await refusal.count()) return { ok: false, reason: await reasonOf(refusal) };
    if (await notPaused.count()) return { ok: false, reason: "NOT_PAUSED" };

    await act(page, pause);
    const done = page.getByRole("status").filter({ hasText: /^(Resumed|Rejected|Your approval is recorded)/ });
    await done.or(refusal).first().waitFor({ timeout: WAIT_MS });
    if (ui.problems.length > 0) throw new Error(`the link page reported errors: ${ui.problems.join("; ")}`);
    if (await refusal.count()) return { ok: false, reason: await reasonOf(refusal) };
    const said = (await done.first().textContent()) ?? "";
    return said.startsWith("Rejected") ? { ok: true } : { ok: true, resumed: said.startsWith("Resumed") };
  } finally {
    await ui.close();
  }
}

async function reasonOf(refusal: Locator): Promise<string> {
  const reason = await refusal.first().getAttribute("data-reason");
  const text = (await refusal.first().textContent())?.trim();
  if (!reason || !text) throw new Error(`the link page shows a refusal without a reason or a message (${reason ?? "?"}: ${text ?? ""})`);
  return reason;
}

/** One field of the pause's form (react-jsonschema-form names its controls root_<field>). */
async function fill(form: Locator, field: string, value: unknown): Promise<void> {
  const control = form.locator(`[id="root_${field}"]`);
  if ((await control.count()) === 0) throw new Error(`the form has no field "${field}"`);
  const kind = await control.evaluate((el) =>
    el instanceof HTMLSelectElement ? "select" : el instanceof HTMLInputElement ? el.type : "text",
  );
  if (kind === "checkbox") await control.setChecked(value === true);
  else if (kind === "select") await control.selectOption({ label: String(value) });
  else await control.fill(typeof value === "string" ? value : JSON.stringify(value));
}
