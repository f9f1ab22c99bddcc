// Preloaded into a benchmark's server process (NODE_OPTIONS="--expose-gc --import …/gc-on-signal.mjs"):
// SIGUSR2 runs a full garbage collection, so "memory after the streams closed" is measured after one.
// With FLOWGATE_BENCH_CPU_PROF=<dir> it also records a CPU profile of the whole run into <dir>
// (--cpu-prof is not allowed in NODE_OPTIONS; the inspector does the same).
import { Session } from "node:inspector";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

process.on("SIGUSR2", () => globalThis.gc?.());

const dir = process.env["FLOWGATE_BENCH_CPU_PROF"];
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 1000 });
  session.post("Profiler.start");
  // The in-process session answers synchronously, so the profile is written before the process ends.
  process.on("exit", () => {
    session.post("Profiler.stop", (err, result) => {
      if (!err) writeFileSync(join(dir, `server-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
