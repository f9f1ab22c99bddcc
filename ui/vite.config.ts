import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The server serves ui/dist itself; `npm run dev -w ui` proxies the API to a server on the default port.
// `npm run build` builds elsewhere and swaps the result into dist (scripts/build.mjs), so that a
// running server never serves an empty dist; a bare `vite build` empties dist first.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: { proxy: { "/api": "http://127.0.0.1:4200" } },
});
