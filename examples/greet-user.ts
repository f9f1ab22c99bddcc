// The seed's greet_user: the flow pauses until someone resumes it with a name.
//   npx tsx examples/greet-user.ts          (server at FLOWGATE_API_ADDRESS, default 127.0.0.1:50051)
import { z } from "zod";
import { currentFlowRun, flow, pauseFlowRun, RunInput } from "flowgate";

const UserNameInput = RunInput.define(z.object({ name: z.string() }), { description: "Who are you?" });

export const greetUser = flow(async () => {
  console.log(`Paused; resume with: npx flowgate runs resume ${currentFlowRun()?.id} --input '{"name": "Marvin"}'`);
  const { name } = await pauseFlowRun({ waitForInput: UserNameInput });
  console.log(`Hello, ${name}!`);
}, { name: "greet-user", logPrints: true });

await greetUser();
