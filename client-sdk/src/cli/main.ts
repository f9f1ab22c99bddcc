#!/usr/bin/env node
/**
 * The `flowgate` command line. Parsing and help come from commander; each command group lives in its
 * own module, and every failure ends here as one line on stderr with an exit code from ./errors.ts.
 */
import { Command, CommanderError, Option } from "commander";
import { DEFAULT_API_ADDRESS } from "../config.js";
import { deploymentsCommand } from "./deployments-commands.js";
import { ExitCode, reportError } from "./errors.js";
import { keysCommand, whoamiCommand } from "./keys-commands.js";
import { runsCommand } from "./runs-commands.js";
import { serverCommand } from "./server-commands.js";

function buildProgram(): Command {
  const program = new Command("flowgate")
    .description("Pause, suspend and resume Flowgate flow runs from the command line.")
    .addOption(new Option("--address <host:port>", `Flowgate server (default: FLOWGATE_API_ADDRESS or ${DEFAULT_API_ADDRESS})`))
    .addOption(
      new Option("--api-key <secret>", "API key (default: FLOWGATE_API_KEY, else .flowgate/admin-key for a server on a loopback address)"),
    )
    .option("--json", "machine-readable JSON output")
    .showHelpAfterError()
    .exitOverride();
  // Created through program.command() so they inherit exitOverride and the help settings.
  serverCommand(program);
  runsCommand(program);
  deploymentsCommand(program);
  keysCommand(program);
  whoamiCommand(program);
  return program;
}

const program = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and --version exit 0; commander has already printed its message for the others.
    process.exitCode = err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  } else {
    const address = program.opts<{ address?: string }>().address ?? process.env["FLOWGATE_API_ADDRESS"] ?? DEFAULT_API_ADDRESS;
    process.exitCode = reportError(err, address, (line) => process.stderr.write(`${line}\n`));
  }
}
