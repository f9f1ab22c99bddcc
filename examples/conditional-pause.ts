// The seed's conditional pause: the flow pauses (for only 2 s) if task one completed.
//   npx tsx examples/conditional-pause.ts   (server from `npm start`; FLOWGATE_API_ADDRESS, default 127.0.0.1:50051)
// Task one counts 0, 1, 2 (a second each); then the run is PAUSED and the run id printed. Resume it
// within the 2 s from another terminal:
//   npx flowgate runs resume <id>
// and the run COMPLETES (exit code 0); left alone, the pause times out and the run FAILS with
// "Flow run was paused and never resumed." (exit code 1).
import { setTimeout as delay } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { currentFlowRun, flow, pauseFlowRun, StateType, task } from "flowgate";

export const taskOne = task(
  async () => {
    for (let i = 0; i < 3; i++) {
      await delay(1000);
      console.log(i);
    }
  },
  { name: "task-one" },
);

export const myFlow = flow(
  async () => {
    // returnState: the flow decides on the task's final state instead of catching its error.
    const terminalState = await taskOne.with({ returnState: true }).submit();
    if (terminalState.type === StateType.COMPLETED) {
      const id = currentFlowRun()?.id;
      console.log(`Task one succeeded! Pausing flow run ${id} for 2 s, waiting to be resumed: npx flowgate runs resume ${id}`);
      await pauseFlowRun({ timeout: 2 });
      console.log("Resumed in time.");
    } else {
      console.log("Task one failed. Skipping pause flow run..");
    }
  },
  { name: "conditional-pause", logPrints: true },
);

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // returnState: an unresumed pause is an expected outcome here, reported rather than thrown.
  const state = await myFlow.with({ returnState: true })();
  console.log(`Flow run finished: ${state.type} ${state.message}`);
  if (state.type !== StateType.COMPLETED) process.exitCode = 1;
}
