// Resumes a paused flow run, optionally with JSON input; prints the server's reason on refusal.
//   npx tsx examples/resume.ts <flow-run-id> ['{"name": "Marvin"}']
import { InvalidRunInputError, resumeFlowRun, type JsonObject } from "flowgate";

const [id, input] = process.argv.slice(2);
if (!id) {
  console.error("usage: resume.ts <flow-run-id> [json-input]");
  process.exit(2);
}
try {
  const run = await resumeFlowRun(id, input ? (JSON.parse(input) as JsonObject) : undefined);
  console.log(`${run.name}: ${run.state?.type} ${run.state?.name}`);
} catch (err) {
  if (err instanceof InvalidRunInputError) for (const f of err.fieldErrors) console.error(`${f.field || "(input)"}: ${f.description}`);
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
