/**
 * `npm run build -w ui`: Vite builds into a folder next to ui/dist, which is then swapped in file by
 * file (swap-dir.mjs), so that a server running from ui/dist (`npm start`) keeps serving a complete
 * UI while `npm run build` or `npm test` rebuilds it; Vite's own emptyOutDir would leave it empty
 * (404s) for the whole build.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { swapInDir } from "./swap-dir.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const next = join(root, `.dist-next-${process.pid}`);
try {
  await build({ root, build: { outDir: next, emptyOutDir: true } });
  await swapInDir(next, join(root, "dist"));
} finally {
  await rm(next, { recursive: true, force: true });
}
