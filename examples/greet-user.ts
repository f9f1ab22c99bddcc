// The seed's greet_user: the flow pauses until someone resumes it with a name.
//   npx tsx examples/greet-user.ts          (server from `npm start`; FLOWGATE_API_ADDRESS, default 127.0.0.1:50051)
// It prints the run id and waits (the run is PAUSED, for up to an hour). In another terminal:
//   npx flowgate runs resume <id> --input '{"name": "Marvin"}'
// or open the run's page in the web UI (the link it prints: the address the server serves the UI on,
// or FLOWGATE_UI_URL), type the name and press Resume;
// and this process prints "Hello, Marvin!" and exits; the run is COMPLETED.
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { currentFlowRun, flow, getClient, pauseFlowRun, RunInput } from "flowgate";

const UserNameInput = RunInput.define(z.object({ name: z.string() }), { description: "Who are you?" });

export const greetUser = flow(
  async () => {
    const id = currentFlowRun()?.id;
    console.log(`Paused; resume with: npx flowgate runs resume ${id} --input '{"name": "Marvin"}'`);
    const link = id ? await getClient().runUrl(id) : undefined;
    if (link) console.log(`  or in the web UI: ${link}`);
    const { name } = await pauseFlowRun({ waitForInput: UserNameInput });
    console.log(`Hello, ${name}!`);
  },
  { name: "greet-user", logPrints: true },
);

// Only when run as a script: tests (and other scripts) import the flow without starting a run.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await greetUser();
