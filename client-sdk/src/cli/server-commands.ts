/**
 * `flowgate server start`: runs the server of this checkout the way `npm start` does, without building:
 * `node server/dist/main.js` when it is built, else the TypeScript source through tsx. The server reads
 * its configuration from the environment (FLOWGATE_GRPC_ADDRESS, FLOWGATE_MONGODB_URI, …; see README
 * "Configuration"); `--address` given explicitly sets FLOWGATE_GRPC_ADDRESS.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import type { GlobalOptions } from "./context.js";
import { CliError, ExitCode } from "./errors.js";

// Both src/cli/ and dist/cli/ sit three levels below the repository root.
const REPO = fileURLToPath(new URL("../../../", import.meta.url));

export function serverCommandLine(repo = REPO): string[] {
  const built = `${repo}server/dist/main.js`;
  if (existsSync(built)) return [built];
  const source = `${repo}server/src/main.ts`;
  if (existsSync(source)) return ["--import", "tsx", source];
  throw new CliError(
    `no Flowgate server at ${repo}server: "flowgate server start" runs the server of a Flowgate checkout`,
    ExitCode.FAILURE,
  );
}

export function serverCommand(program: Command): Command {
  const server = program.command("server").description("run the Flowgate server");
  server
    .command("start")
    .description("start the server of this checkout in the foreground (Ctrl-C stops it)")
    .action(async (_opts: unknown, cmd: Command) => {
      const { address } = cmd.optsWithGlobals<GlobalOptions>();
      const child = spawn(process.execPath, serverCommandLine(), {
        cwd: REPO,
        stdio: "inherit",
        env: { ...process.env, ...(address ? { FLOWGATE_GRPC_ADDRESS: address } : {}) },
      });
      // The server shuts down gracefully on SIGINT/SIGTERM; pass them on and wait for it.
      const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
      process.on("SIGINT", forward).on("SIGTERM", forward);
      const code = await new Promise<number>((resolve, reject) => {
        child.once("error", reject);
        child.once("exit", (c, signal) => resolve(c ?? (signal ? 128 + 2 : 1)));
      });
      process.removeListener("SIGINT", forward).removeListener("SIGTERM", forward);
      process.exitCode = code;
    });
  return server;
}
