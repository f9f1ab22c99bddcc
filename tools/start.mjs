// `npm start`: builds what the server needs, then runs it (node server/dist/main.js).
// The TypeScript and web UI build (`npm run build`) and the embedded store's Go build run at the same
// time: the store build does not need the TypeScript one (tsx runs the launcher from source). The store
// binary is cached per user (docs/first-start.md), so only a user's first start, or a change to the store's
// source or Go version, builds it. Every step prints a line with the seconds since `npm start`, and a step
// still running says so every 10 s. With FLOWGATE_MONGODB_URI set, the server uses that MongoDB and no
// store is built.
import { spawn } from "node:child_process";
import { constants } from "node:os";

const STILL_RUNNING_EVERY_MS = 10_000;
const started = Date.now();
const seconds = () => `${Math.round((Date.now() - started) / 1000)} s`;
const say = (line) => console.error(`flowgate start [${seconds()}]: ${line}`);

const controller = new AbortController();
let stopSignal;
const onPrepareSignal = (sig) => {
  stopSignal = sig;
  controller.abort(new Error(`stopped by ${sig}`));
};
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, onPrepareSignal);

say("building the TypeScript packages and the web UI (npm run build) while the embedded store is made ready");
const results = await Promise.allSettled([buildPackages(controller.signal), prepareStore(controller.signal)]);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.off(sig, onPrepareSignal);
if (stopSignal) process.exit(128 + constants.signals[stopSignal]);
const failed = results.find((r) => r.status === "rejected");
if (failed) {
  // The step that failed first stopped the other one; its error is the one to show.
  const cause = controller.signal.aborted ? controller.signal.reason : failed.reason;
  say(cause instanceof Error ? cause.message : String(cause));
  process.exit(1);
}

say("starting the server (node server/dist/main.js)");
const server = spawn(process.execPath, ["server/dist/main.js"], { stdio: "inherit" });
// Ctrl-C reaches the server through the terminal's process group; a signal sent to npm alone is passed on.
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => server.kill(sig));
server.on("error", (err) => {
  say(`cannot start the server: ${err.message}`);
  process.exit(1);
});
server.on("exit", (code, sig) => process.exit(code ?? 128 + constants.signals[sig]));

/** `npm run build`, with a line when it ends and every 10 s while it runs; aborting stops it. */
function buildPackages(signal) {
  const begun = Date.now();
  return new Promise((resolve, reject) => {
    // npm.cmd on Windows is a batch file, which spawn() runs only through a shell.
    const child = spawn("npm", ["run", "build", "--silent"], { stdio: "inherit", shell: process.platform === "win32" });
    const timer = setInterval(
      () => say(`build: …still running (${Math.round((Date.now() - begun) / 1000)} s so far)`),
      STILL_RUNNING_EVERY_MS,
    );
    const onAbort = () => child.kill("SIGTERM");
    signal.addEventListener("abort", onAbort, { once: true });
    const done = (err) => {
      clearInterval(timer);
      signal.removeEventListener("abort", onAbort);
      if (err) reject(err);
      else resolve();
    };
    child.once("error", (err) => done(new Error(`build: cannot run npm: ${err.message}`)));
    child.once("exit", (code, sig) => {
      if (code === 0) {
        say(`build: done in ${Math.round((Date.now() - begun) / 1000)} s`);
        done();
      } else {
        const err = new Error(`build: npm run build ${sig ? `was killed by ${sig}` : `failed (exit ${code})`}`);
        // The store build stops too: a start that cannot succeed should not keep building.
        controller.abort(err);
        done(err);
      }
    });
  });
}

/** The embedded store's binary, from the per-user cache or built into it. */
async function prepareStore(signal) {
  if (process.env.FLOWGATE_MONGODB_URI) {
    say("embedded store: not needed (FLOWGATE_MONGODB_URI is set)");
    return;
  }
  const begun = Date.now();
  const { register } = await import("tsx/esm/api");
  register();
  const { ensureEmbeddedStoreBinary } = await import("../server/src/embedded-store/binary.ts");
  try {
    const binary = await ensureEmbeddedStoreBinary({ signal, onProgress: (line) => say(line) });
    say(`embedded store: ready in ${Math.round((Date.now() - begun) / 1000)} s (${binary})`);
  } catch (err) {
    // The other step stops too: a start that cannot succeed should not keep building.
    controller.abort(err);
    throw err;
  }
}
