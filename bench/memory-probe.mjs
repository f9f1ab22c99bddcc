/**
 * Preloaded into a benchmark's server process (FLOWGATE_SERVER_NODE_FLAGS="--expose-gc --import
 * ./bench/memory-probe.mjs"), so a benchmark can ask the server where its memory is without an
 * endpoint for it in the product. On SIGWINCH it collects garbage and prints one line to stderr:
 * `memory-probe {json}` with process.memoryUsage() and v8 heap statistics. On SIGUSR2 it also
 * writes a heap snapshot into FLOWGATE_PROBE_DIR and names the file in the line.
 */
import { getHeapStatistics, writeHeapSnapshot } from "node:v8";
import { join } from "node:path";

function report(snapshot) {
  globalThis.gc?.();
  globalThis.gc?.();
  const line = { ...process.memoryUsage(), heap: getHeapStatistics() };
  if (snapshot) line.snapshot = writeHeapSnapshot(join(process.env.FLOWGATE_PROBE_DIR ?? ".", `server-${Date.now()}.heapsnapshot`));
  process.stderr.write(`memory-probe ${JSON.stringify(line)}\n`);
}

process.on("SIGWINCH", () => report(false));
process.on("SIGUSR2", () => report(true));
