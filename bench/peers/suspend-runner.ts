// bench:peers' runner for suspend → running again (started by flowgate-peer.ts): one flow that
// suspends itself once, served as "suspends-once/peers" with serve()'s defaults. A resume schedules
// the run again; the runner executes it from the start in a process of its own, where the suspend
// returns at once and the flow prints when the code after it runs (epoch ms, comparable across
// processes on one machine).
import { performance } from "node:perf_hooks";
import { currentFlowRun, flow, serve, suspendFlowRun } from "../../client-sdk/src/index.js";

const suspendsOnce = flow(
  async () => {
    await suspendFlowRun({ timeout: null });
    console.log(`after-suspend:${currentFlowRun()?.id ?? "?"}:${(performance.timeOrigin + performance.now()).toFixed(3)}`);
  },
  { name: "suspends-once" },
);

const stop = new AbortController();
process.once("SIGTERM", () => stop.abort());
await serve(suspendsOnce, { name: "peers", signal: stop.signal });
