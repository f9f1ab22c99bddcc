// The seed's inspiring_joke: one task, a pause of up to 10 minutes, then the second task.
//   npx tsx examples/inspiring-joke.ts      (server from `npm start`; FLOWGATE_API_ADDRESS, default 127.0.0.1:50051)
// It prints the setup and the run id, then waits (the run is PAUSED). In another terminal:
//   npx flowgate runs resume <id>
// and this process prints the punchline and exits; the run is COMPLETED. Unresumed, it fails after 600 s.
import { pathToFileURL } from "node:url";
import { currentFlowRun, flow, pauseFlowRun, task } from "flowgate";

export const marvinSetup = task(async () => "a raft of ducks walk into a bar...", { name: "marvin-setup" });
export const marvinPunchline = task(async () => "it's a wonder none of them ducked!", { name: "marvin-punchline" });

export const inspiringJoke = flow(
  async () => {
    console.log(await marvinSetup());
    const id = currentFlowRun()?.id;
    console.log(`Flow run ${id} paused for up to 10 minutes, waiting to be resumed: npx flowgate runs resume ${id}`);
    await pauseFlowRun({ timeout: 600 });
    const punchline = await marvinPunchline();
    console.log(punchline);
    return punchline;
  },
  { name: "inspiring-joke" },
);

// Only when run as a script: tests (and other scripts) import the flow without starting a run.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await inspiringJoke();
