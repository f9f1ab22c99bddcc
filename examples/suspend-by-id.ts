// The seed's suspend_flow_run(flow_run_id=...): a run of a deployment is suspended from outside, by
// its id. It stops at its next task boundary (the running task finishes and stores its result) and its
// process exits; once resumed, a runner executes it from the start, reusing the persisted steps.
//   npx tsx examples/suspend-by-id.ts       (server from `npm start`; FLOWGATE_API_ADDRESS, default 127.0.0.1:50051)
// Only runs of a deployment can be suspended, and a resumed one needs a runner, so this script is one:
// it serves "long-report/example" (runner lines on stderr), starts a run, suspends it by id once it is
// running, and prints the id. In another terminal:
//   npx flowgate runs resume <id>
// The runner executes the rest, the run completes, and the script exits (Ctrl-C stops it earlier).
// (`npx flowgate runs suspend <id>` does the same suspend from the command line.)
import { setTimeout as delay } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { flow, getClient, isFinalStateType, runDeployment, serve, StateType, suspendFlowRun, task } from "flowgate";

// Persisted, so the re-execution after the resume skips the steps that already ran.
export const step = task(
  async (n: number) => {
    console.log(`step ${n} running`);
    await delay(1000);
    return n * 10;
  },
  { name: "step", persistResult: true },
);

export const longReport = flow(
  async () => {
    const results: number[] = [];
    for (let n = 1; n <= 3; n++) results.push(await step(n));
    console.log(`long-report returned ${results.join(", ")}`);
  },
  { name: "long-report" },
);

async function main(): Promise<void> {
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  // serve()'s handle says when the deployment exists: only then can a run of it be started. In the
  // runner's child processes (which re-run this script) serve() executes the run and is never ready.
  const serving = serve(longReport, { name: "example", signal: stop.signal });
  try {
    await serving.ready;
    const run = await runDeployment("long-report/example", { timeout: 0 });
    console.log(`Started flow run ${run.id} of deployment long-report/example`);
    let suspended = false;
    for await (const { flowRun } of getClient().watchFlowRun(run.id, { signal: stop.signal })) {
      const type = flowRun.state?.type;
      // Suspending needs a RUNNING run: wait until the runner's child has started it.
      if (type === StateType.RUNNING && !suspended) {
        suspended = true;
        await suspendFlowRun({ flowRunId: run.id, timeout: 600 });
        console.log(
          `Suspended flow run ${run.id} from outside for up to 10 minutes, waiting to be resumed: npx flowgate runs resume ${run.id}`,
        );
      }
      if (type !== undefined && isFinalStateType(type)) {
        console.log(`Flow run ${run.id} finished: ${type}`);
        break;
      }
    }
  } finally {
    stop.abort();
    await serving;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
