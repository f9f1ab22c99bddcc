/**
 * Debian's Chromium driven by playwright-core, for the web UI's scenarios (U01–U06). `.ci/run`
 * installs the `chromium` package; playwright-core brings no browser of its own.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env["FLOWGATE_CHROMIUM"] ?? "/usr/bin/chromium";

/** Where tests leave what a person should look at (the Resume form's screenshot). */
export const TEST_OUTPUT = fileURLToPath(new URL("../../test-output/", import.meta.url));

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium), as .ci/run does, or set FLOWGATE_CHROMIUM.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface UiSession {
  context: BrowserContext;
  page: Page;
  /** Every request the page made, in order, with whether it went to the Flowgate server. */
  requests: { url: string; toServer: boolean }[];
  /** Script errors, console errors and Content-Security-Policy violations the page reported. */
  problems: string[];
  /** Marks the current document; sameDocument() then tells whether it was never reloaded or replaced. */
  markDocument(): Promise<void>;
  sameDocument(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A fresh context on the server's origin. Requests to any other host are aborted and recorded, so a
 * page that needed a CDN would both break and be caught (U06).
 */
export async function openUi(browser: Browser, origin: string, opts: { width?: number; height?: number } = {}): Promise<UiSession> {
  const context = await browser.newContext({
    baseURL: origin,
    viewport: { width: opts.width ?? 1100, height: opts.height ?? 900 },
    serviceWorkers: "block",
  });
  const requests: UiSession["requests"] = [];
  await context.route("**/*", async (route) => {
    const url = route.request().url();
    const toServer = url.startsWith(`${origin}/`) || url.startsWith("data:");
    requests.push({ url, toServer });
    if (toServer) await route.continue();
    else await route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    // The browser logs every 4xx answer itself; the API's refusals are expected there and asserted on.
    if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) problems.push(`console: ${msg.text()}`);
  });
  return {
    context,
    page,
    requests,
    problems,
    markDocument: () => page.evaluate(() => void ((window as unknown as { flowgateMark?: boolean }).flowgateMark = true)),
    sameDocument: () => page.evaluate(() => (window as unknown as { flowgateMark?: boolean }).flowgateMark === true),
    close: () => context.close(),
  };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * axe-core's WCAG 2 A/AA checks on the page as it is now. Evaluated through the debugging protocol,
 * which the page's Content-Security-Policy does not govern (a <script> tag would be refused).
 */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const json =
    await page.evaluate<string>(`axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
    .then((r) => JSON.stringify(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target)) }))))`);
  return JSON.parse(json) as AxeViolation[];
}

export function screenshotPath(name: string): string {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  return join(TEST_OUTPUT, name);
}
