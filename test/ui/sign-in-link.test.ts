/**
 * The one-time sign-in link `npm start` prints, followed in Chromium: it signs the browser in and
 * takes the token off the address bar; the same link a second time signs nobody in.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import type { Browser } from "playwright-core";
import { loadConfig } from "../../server/src/config.js";
import { startFlowgateServer, type RunningServer } from "../../server/src/flowgate-server.js";
import { launchChromium, openUi } from "../support/browser.js";
import { storeUri, uniqueDatabase } from "../support/test-server.js";

const WAIT_MS = 10_000;

describe("the one-time sign-in link (Chromium)", () => {
  let server: RunningServer;
  let browser: Browser;

  before(async () => {
    // In this process, for the link the server made at start (main.ts prints the same).
    const config = loadConfig({
      FLOWGATE_DATA_DIR: mkdtempSync(join(tmpdir(), "flowgate-link-")),
      FLOWGATE_GRPC_ADDRESS: "127.0.0.1:0",
      FLOWGATE_HTTP_ADDRESS: "127.0.0.1:0",
      FLOWGATE_MONGODB_URI: await storeUri(),
      FLOWGATE_MONGODB_DATABASE: uniqueDatabase(),
      FLOWGATE_EVENT_POLL_MS: "20",
    });
    server = await startFlowgateServer(config, pino({ level: "silent" }));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("works once: it signs the browser in and leaves no token in the address bar; the second use is refused", async () => {
    const link = server.signInUrl;
    assert.ok(link, "a server with a fresh admin key makes a sign-in link");
    const origin = new URL(link).origin;

    const first = await openUi(browser, origin);
    try {
      await first.page.goto(link);
      await first.page.getByRole("heading", { name: "Flow runs" }).waitFor({ timeout: WAIT_MS });
      await first.page.getByRole("banner").getByText("Signed in as admin").waitFor();
      assert.equal(new URL(first.page.url()).hash, "", "the token is gone from the address bar");
      // …and from the history: Back leaves the app rather than landing on the link again.
      assert.equal(await first.page.evaluate(() => history.length), 2, "about:blank, then the runs page in place of the link");
      assert.deepEqual(first.problems, []);
    } finally {
      await first.close();
    }

    const second = await openUi(browser, origin);
    try {
      await second.page.goto(link);
      await second.page
        .getByRole("alert")
        .filter({ hasText: "This sign-in link has been used already or has expired" })
        .waitFor({ timeout: WAIT_MS });
      await second.page.getByLabel("API key").waitFor();
      assert.equal((await second.context.cookies()).length, 0, "no session cookie");
      // Nothing else opens either: the runs page sends the browser back to sign in.
      await second.page.goto("/");
      await second.page.getByRole("heading", { name: "Sign in to Flowgate" }).waitFor({ timeout: WAIT_MS });
    } finally {
      await second.close();
    }
  });
});
