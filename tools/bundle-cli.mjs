// `npm run build` (after tsc): bundles the `flowgate` CLI into one file, client-sdk/dist/cli/flowgate.cjs,
// which client-sdk/bin/flowgate.js runs. One file instead of ~190 modules (the SDK, commander, grpc-js,
// the generated contract) saves Node's per-module resolution and loading; CommonJS rather than ESM
// because only a classic script can be compiled with V8's code cache on Node 20 (the bin keeps one).
// The input is tsc's output, so the bundle is exactly the code tsc type-checked.
import { readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const cliDir = fileURLToPath(new URL("../client-sdk/dist/cli/", import.meta.url));
const outfile = `${cliDir}flowgate.cjs`;

await build({
  entryPoints: [`${cliDir}main.js`],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: "linked",
  // The bundle sits where dist/cli/main.js does, three levels below the repository root, so the
  // `import.meta.url`-relative paths (server-commands.ts) still point at the same files.
  define: { "import.meta.url": "__flowgateModuleUrl" },
  // "use strict" first: esbuild's own (for ESM input) would follow the banner and be a no-op.
  banner: { js: `"use strict";\nconst __flowgateModuleUrl = require("node:url").pathToFileURL(__filename).href;` },
  logLevel: "warning",
});

// Code caches made for the previous bundle (see client-sdk/bin/flowgate.js) no longer apply.
for (const name of readdirSync(cliDir)) if (name.startsWith("flowgate.cjs.") && name.endsWith(".cache")) rmSync(`${cliDir}${name}`);
