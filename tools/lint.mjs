// `npm run lint`: every package's linters, failing on any finding. The contract (buf lint), the
// TypeScript packages (typescript-eslint with type information, Prettier's formatting check), and the
// Python and Go clients (tools/lint-clients.mjs: ruff, mypy --strict, go vet, staticcheck).
// Generated code is skipped by every one of them.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const bin = (name) => join("node_modules", ".bin", name);
const steps = [
  { name: "buf lint (contract)", cmd: bin("buf"), args: ["lint"] },
  { name: "eslint (server, SDK, UI, tests, bench, examples, tools)", cmd: bin("eslint"), args: ["--max-warnings=0", "."] },
  { name: "prettier --check", cmd: bin("prettier"), args: ["--check", "--log-level=warn", "."] },
  { name: "Python and Go clients", cmd: process.execPath, args: [join("tools", "lint-clients.mjs")] },
];

let failed = 0;
for (const step of steps) {
  console.log(`== ${step.name}`);
  const r = spawnSync(step.cmd, step.args, { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.error(`${step.name}: failed${r.error ? ` (${r.error.message})` : ""}`);
  }
}
if (failed > 0) {
  console.error(`lint: ${failed} of ${steps.length} steps failed`);
  process.exit(1);
}
console.log("lint: clean");
