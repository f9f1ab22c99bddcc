/**
 * The web UI in Debian's Chromium, measured inside the page:
 *   (a) open /runs/<id> → the Resume form is on screen (document load, scripts, the run's JSON, the
 *       lazily loaded form code; a fresh browser context each time, so nothing is cached between loads,
 *       signed in with the server's admin key before the clock starts);
 *   (b) click Resume → the page shows "Running" (POST, the server's resume, the reply or the event
 *       stream, React's render).
 * A paused run with the SDK's Approval-style schema per sample, one at a time.
 *
 *   npm run bench:ui                 (FLOWGATE_BENCH_PAUSES=50 by default)
 */
import { performance } from "node:perf_hooks";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { launchChromium, openUi } from "../test/support/browser.js";
import { signIn } from "../test/ui/sign-in.js";
import { benchServer, machine, summary } from "./support.js";

const N = Number(process.env["FLOWGATE_BENCH_PAUSES"] ?? 50);
const WARMUP = 5;

const schema = {
  type: "object",
  properties: {
    approver: { type: "string", minLength: 1 },
    copies: { type: "integer", minimum: 1, default: 2 },
    priority: { type: "string", enum: ["low", "normal", "high"], default: "normal" },
    notify: { type: "boolean", default: true },
  },
  required: ["approver", "copies", "priority", "notify"],
};

const { server, stop, storeKind } = await benchServer();
const browser = await launchChromium();
try {
  const origin = `http://${server.httpAddress}`;
  const open: number[] = [];
  const resume: number[] = [];
  for (let i = 0; i < N + WARMUP; i++) {
    const { flowRun } = await server.runs.createFlowRun({ flowName: "bench-ui", state: { type: StateType.STATE_TYPE_RUNNING } });
    const id = flowRun!.id;
    await server.runs.pauseFlowRun({ flowRunId: id, key: "approval", inputSchema: schema, inputDescription: "Approve **this**." });
    const ui = await openUi(browser, origin);
    try {
      // Signed in before the clock starts (the session is the cookie any later visit would carry).
      await signIn(ui, origin, server.apiKey);
      const t0 = performance.now();
      await ui.page.goto(`/runs/${id}`);
      await ui.page.getByRole("button", { name: "Resume" }).waitFor();
      const opened = performance.now() - t0;
      await ui.page.getByLabel(/^Approver/).fill(`bench ${i}`);
      // Timed in the page: from the click to the DOM showing the new state. (A string, because tsx
      // would wrap named functions in a helper that does not exist in the page.)
      const ms = await ui.page.evaluate<number>(`new Promise((resolve) => {
        const button = Array.from(document.querySelectorAll("button")).find((b) => b.textContent === "Resume");
        const observer = new MutationObserver(() => {
          if (document.querySelector('[aria-label="Current state: Running"]') !== null) {
            observer.disconnect();
            resolve(performance.now() - start);
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
        const start = performance.now();
        button.click();
      })`);
      if (ui.problems.length > 0) throw new Error(`the page reported: ${ui.problems.join("; ")}`);
      if (i >= WARMUP) {
        open.push(opened);
        resume.push(ms);
      }
    } finally {
      await ui.close();
    }
  }
  console.log(`machine: ${machine()}; store: ${storeKind}; browser: ${browser.version()}; ${N} runs after ${WARMUP} warm-up`);
  console.log(summary("open /runs/<id> → Resume form shown (fresh context)", open));
  console.log(summary("click Resume → page shows Running", resume));
} finally {
  await browser.close();
  await stop();
}
