/**
 * A05: a page of another origin, opened in the same Chromium as a signed-in Flowgate tab, can neither
 * read runs nor resume, cancel or suspend them. Two hostile origins: another site (127.0.0.2, whose
 * requests carry no SameSite=Strict cookie) and another port of the same host (127.0.0.1:<other>,
 * same-site, so the browser does send the session cookie: only the server's origin checks and the
 * CSRF token stand in the way). Every attempt is checked three ways: what the page could see, what
 * the server did with it (its access log: refused, and why), and that the runs did not change.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { launchChromium } from "../support/browser.js";
import { assertUnchanged, getRun, pausedRun, runningRun } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { signIn } from "./sign-in.js";

const WAIT_MS = 10_000;

/** A page with nothing on it but a form target: the attacks are run in it as its own script would. */
const HOSTILE_PAGE = `<!doctype html><html><head><title>Free prizes</title></head><body><h1>Free prizes</h1>
<iframe name="sink" title="sink"></iframe></body></html>`;

/** Serves the hostile page on `host`, port 0. */
async function hostileServer(host: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(HOSTILE_PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { origin: `http://${host}:${(server.address() as AddressInfo).port}`, server };
}

/** A request of the hostile page to Flowgate, as the browser sent it. */
interface Sent {
  url: string;
  method: string;
  hadCookie: boolean;
  allowOrigin: string | null;
}

/** A line of the server's access log. */
interface LogLine {
  msg?: string;
  transport?: string;
  method?: string;
  reason?: string;
}

describe("A05 cross-origin pages cannot read or drive a signed-in web UI (Chromium)", () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let flowgate: Page;
  let origin: string;
  const hostile: { name: string; origin: string; server: Server }[] = [];
  const log: LogLine[] = [];

  /** The HTTP calls the server refused since log line `from`, as "METHOD /route reason". */
  const refusedSince = (from: number): string[] =>
    log
      .slice(from)
      .filter((l) => l.msg === "call failed" && l.transport === "http")
      .map((l) => `${(l.method ?? "").replace(/[0-9a-f-]{36}/g, ":id")} ${l.reason ?? ""}`)
      .sort();

  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split("\n").filter(Boolean)) log.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    server = await startTestServer({ logger: pino({ level: "info" }, sink) });
    origin = `http://${server.httpAddress}`;
    browser = await launchChromium();
    // No request blocking here (unlike openUi): the hostile pages must load in the same browser.
    context = await browser.newContext();
    await signIn({ context }, origin, server.apiKey);
    const port = Number(new URL(origin).port);
    const otherSite = await hostileServer("127.0.0.2");
    const samePortless = await hostileServer("127.0.0.1");
    assert.notEqual(Number(new URL(samePortless.origin).port), port);
    hostile.push(
      { name: "another site (127.0.0.2)", ...otherSite },
      { name: "another port of the same host (same-site)", ...samePortless },
    );
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    for (const h of hostile) await new Promise((resolve) => h.server.close(resolve));
    await server?.stop();
  });

  /** Opens the hostile page in the signed-in browser and records every request it sent Flowgate. */
  async function openHostile(hostileOrigin: string): Promise<{ page: Page; sent: Sent[]; settled: () => Promise<void> }> {
    const page = await context.newPage();
    const sent: Sent[] = [];
    const pending: Promise<void>[] = [];
    const record = (request: Request): void => {
      if (!request.url().startsWith(`${origin}/`)) return;
      pending.push(
        (async () => {
          const response = await request.response();
          const headers = await request.allHeaders();
          sent.push({
            url: request.url().slice(origin.length),
            method: request.method(),
            hadCookie: (headers["cookie"] ?? "").includes("flowgate_session="),
            allowOrigin: response ? await response.headerValue("access-control-allow-origin") : null,
          });
        })(),
      );
    };
    page.on("requestfinished", record);
    page.on("requestfailed", record);
    await page.goto(`${hostileOrigin}/`);
    await page.getByRole("heading", { name: "Free prizes" }).waitFor();
    return { page, sent, settled: async () => void (await Promise.all(pending)) };
  }

  test("the signed-in tab works: it shows runs and reads the session", async () => {
    flowgate = await context.newPage();
    await flowgate.goto(`${origin}/`);
    await flowgate.getByRole("heading", { name: "Flow runs" }).waitFor({ timeout: WAIT_MS });
    await flowgate.getByRole("banner").getByText("Signed in as admin").waitFor();
  });

  for (const index of [0, 1]) {
    test(`A05 a page of ${["another site", "another port of the same host"][index]} cannot read runs`, async () => {
      const run = await pausedRun(server, { key: "secret-review" });
      const { page, sent, settled } = await openHostile(hostile[index]!.origin);
      const from = log.length;
      const results = await page.evaluate<string[]>(`(async () => {
        const base = ${JSON.stringify(origin)};
        const attempt = async (f) => {
          try {
            const r = await f();
            // An opaque response (no-cors) shows nothing: no status, no body.
            return r.type + ":" + r.status + ":" + (await r.text()).length;
          } catch (err) {
            return "refused:" + err.name;
          }
        };
        return [
          await attempt(() => fetch(base + "/api/runs", { credentials: "include" })),
          await attempt(() => fetch(base + "/api/session", { credentials: "include" })),
          await attempt(() => fetch(base + "/api/runs", { credentials: "include", mode: "no-cors" })),
        ];
      })()`);
      assert.deepEqual(results, ["refused:TypeError", "refused:TypeError", "opaque:0:0"], "the page reads nothing");
      await settled();
      // And the server did not answer with the runs at all: it refused each request for its origin.
      assert.deepEqual(refusedSince(from), [
        "GET /api/runs PERMISSION_DENIED",
        "GET /api/runs PERMISSION_DENIED",
        "GET /api/session PERMISSION_DENIED",
      ]);
      assert.ok(
        sent.every((s) => s.allowOrigin === null),
        "no CORS grant",
      );
      await assertUnchanged(server, run);
      await page.close();
    });

    test(`A05 a page of ${["another site", "another port of the same host"][index]} cannot resume, cancel or suspend (form posts, text/plain and JSON fetches, with and without cookies)`, async () => {
      const paused = await pausedRun(server, { key: "approve-payout" }, { withDeployment: true });
      const running = await runningRun(server, { withDeployment: true });
      const { page, sent, settled } = await openHostile(hostile[index]!.origin);
      const from = log.length;
      const targets = [
        `/api/runs/${paused.id}/resume`,
        `/api/runs/${paused.id}/cancel`,
        `/api/runs/${running.id}/suspend`,
        `/api/runs/${running.id}/cancel`,
      ];
      // In the page, as its own script would run (a string: tsx would wrap functions in a helper the page lacks).
      const outcomes = await page.evaluate<string[]>(`(async () => {
        const base = ${JSON.stringify(origin)};
        const out = [];
        const attempt = async (what, f) => {
          try {
            const r = await f();
            out.push(what + ":" + r.type + ":" + r.status);
          } catch (err) {
            out.push(what + ":refused:" + err.name);
          }
        };
        for (const path of ${JSON.stringify(targets)}) {
          const url = base + path;
          // The classic JSON CSRF: a text/plain body that parses as JSON, cookies included or not.
          for (const credentials of ["include", "omit"]) {
            await attempt("text " + credentials, () =>
              fetch(url, { method: "POST", mode: "no-cors", credentials, headers: { "content-type": "text/plain" }, body: '{"input":{}}' }),
            );
          }
          // A real JSON request needs a CORS preflight, which the server never grants.
          await attempt("json", () => fetch(url, { method: "POST", credentials: "include", headers: { "content-type": "application/json" }, body: "{}" }));
          // Form posts (text/plain with a JSON-looking field, and urlencoded), into a frame.
          for (const enctype of ["text/plain", "application/x-www-form-urlencoded"]) {
            const form = document.createElement("form");
            form.method = "POST";
            form.action = url;
            form.enctype = enctype;
            form.target = "sink";
            const field = document.createElement("input");
            field.name = '{"input":{},"x":"';
            field.value = '"}';
            form.appendChild(field);
            document.body.appendChild(form);
            const loaded = new Promise((resolve) => document.querySelector("iframe").addEventListener("load", resolve, { once: true }));
            form.submit();
            await loaded;
            form.remove();
          }
        }
        return out;
      })()`);
      for (const o of outcomes) {
        assert.match(o, /^text (include|omit):opaque:0$|^json:refused:TypeError$/, "the page learns nothing from any attempt");
      }
      await settled();

      // Everything that reached the server was refused for coming from another origin: per target two
      // fetches and two form posts, and the JSON attempt's preflight (its POST was never sent).
      const routes = ["POST /api/runs/:id/resume", "POST /api/runs/:id/cancel", "POST /api/runs/:id/suspend", "POST /api/runs/:id/cancel"];
      const expected = routes.flatMap((route) => [
        ...Array<string>(4).fill(`${route} PERMISSION_DENIED`),
        `OPTIONS ${route.slice(5)} PERMISSION_DENIED`,
      ]);
      assert.deepEqual(refusedSince(from), expected.sort());
      assert.ok(
        sent.every((s) => s.allowOrigin === null),
        "no CORS grant",
      );
      // The same-site page's requests did carry the session cookie (SameSite=Strict lets them): refused anyway.
      const withCookie = sent.filter((s) => s.method === "POST" && s.hadCookie).length;
      if (index === 1) assert.ok(withCookie > 0, "the same-site page's requests carried the session cookie");
      else assert.equal(withCookie, 0, "another site's requests carry no SameSite=Strict cookie");

      await assertUnchanged(server, paused);
      await assertUnchanged(server, running);
      await page.close();

      // Meanwhile the signed-in tab does what the page could not.
      await flowgate.goto(`${origin}/runs/${paused.id}`);
      await flowgate.getByRole("button", { name: "Resume" }).click();
      await flowgate.getByRole("dialog", { name: "Resume this run?" }).getByRole("button", { name: "Resume" }).click();
      await flowgate.getByLabel("Current state: Running").waitFor({ timeout: WAIT_MS });
      assert.equal((await getRun(server, paused.id)).state?.type, StateType.STATE_TYPE_RUNNING);
      await flowgate.goto(`${origin}/runs/${running.id}`);
      await flowgate.getByRole("button", { name: "Suspend" }).click();
      await flowgate.getByLabel(/^Current state: Suspended/).waitFor({ timeout: WAIT_MS });
    });
  }

  test("the session cookie without its CSRF token is refused, even from the server's own origin", async () => {
    const paused = await pausedRun(server, { key: "csrf" });
    await flowgate.goto(`${origin}/runs/${paused.id}`);
    await flowgate.getByRole("button", { name: "Resume" }).waitFor({ timeout: WAIT_MS });
    const answer = await flowgate.evaluate<{ status: number; reason: string }>(`fetch("/api/runs/${paused.id}/cancel", {
      method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).then(async (r) => ({ status: r.status, reason: (await r.json()).reason }))`);
    assert.deepEqual(answer, { status: 403, reason: "PERMISSION_DENIED" });
    await assertUnchanged(server, paused);
  });
});
