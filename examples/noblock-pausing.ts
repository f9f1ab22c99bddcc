// The seed's noblock_pausing: pauseFlowRun({ reschedule: true }) does not block — the flow's process
// exits and, once resumed, the run is executed again from the start by a runner; the persisted result
// of the first foo is reused instead of recomputed.
//   npx tsx examples/noblock-pausing.ts     (server from `npm start`; FLOWGATE_API_ADDRESS, default 127.0.0.1:50051)
// A rescheduled run needs a runner to execute it again, so this script is one: it serves the flow as
// deployment "noblock-pausing/example" (runner lines on stderr), starts a run, and prints its id once
// the run has suspended itself. Within 30 s, in another terminal:
//   npx flowgate runs resume <id>
// The runner executes the run again, it completes, and the script exits (Ctrl-C stops it earlier).
import { setTimeout as delay } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { flow, getClient, isFinalStateType, pauseFlowRun, runDeployment, serve, StateType, task } from "flowgate";

// `label` only names the call in the output, so you can see which calls the re-execution skips.
export const foo = task(
  async (label: string) => {
    console.log(`foo(${label}) running`);
    await delay(100);
    return 42;
  },
  { name: "foo", persistResult: true },
);

export const noblockPausing = flow(
  async () => {
    const x = foo.submit("x");
    await pauseFlowRun({ timeout: 30, reschedule: true });
    const y = foo.submit("y");
    const z = await foo.with({ waitFor: [x] })("z");
    const alpha = await foo.with({ waitFor: [y] })("alpha");
    const omega = await foo.with({ waitFor: [x, y] })("omega");
    console.log(`noblock-pausing returned ${[await x.result(), await y.result(), z, alpha, omega].join(", ")}`);
  },
  { name: "noblock-pausing", persistResult: true },
);

async function main(): Promise<void> {
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  // serve()'s handle says when the deployment exists: only then can a run of it be started. In the
  // runner's child processes (which re-run this script) serve() executes the run and is never ready.
  const serving = serve(noblockPausing, { name: "example", signal: stop.signal });
  try {
    await serving.ready;
    const run = await runDeployment("noblock-pausing/example", { timeout: 0 });
    console.log(`Started flow run ${run.id} of deployment noblock-pausing/example`);
    // Printed here, not in the flow: the flow's code runs again after the resume, when its pause
    // returns at once (that key already fired), and the hint would be wrong there.
    let told = false;
    for await (const { flowRun } of getClient().watchFlowRun(run.id, { signal: stop.signal })) {
      const type = flowRun.state?.type;
      if (type === StateType.PAUSED && !told) {
        told = true;
        console.log(
          `Flow run ${run.id} suspended itself for up to 30 s (its process exits), waiting to be resumed: npx flowgate runs resume ${run.id}`,
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
