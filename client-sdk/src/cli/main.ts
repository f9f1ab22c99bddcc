#!/usr/bin/env node
/**
 * The `flowgate` command line. Parsing and help come from commander; each command group lives in its
 * own module, and every failure ends here as one line on stderr with an exit code from ./errors.ts.
 */
import { Command, CommanderError, Option } from "commander";
import { DEFAULT_API_ADDRESS } from "../config.js";
import { auditCommand } from "./audit-commands.js";
import { deploymentsCommand } from "./deployments-commands.js";
import { ExitCode, reportError } from "./errors.js";
import { keysCommand, whoamiCommand } from "./keys-commands.js";
import { runsCommand } from "./runs-commands.js";
import { logsCommand } from "./logs-command.js";
import { serverCommand } from "./server-commands.js";
import { webhooksCommand } from "./webhooks-commands.js";

function buildProgram(): Command {
  const program = new Command("flowgate")
    .description("Pause, suspend and resume Flowgate flow runs from the command line.")
    .addOption(new Option("--address <host:port>", `Flowgate server (default: FLOWGATE_API_ADDRESS or ${DEFAULT_API_ADDRESS})`))
    .addOption(
      new Option("--api-key <secret>", "API key (default: FLOWGATE_API_KEY, else .flowgate/admin-key for a server on a loopback address)"),
    )
    .addOption(new Option("--tls", "connect over TLS (default: FLOWGATE_TLS; plaintext unless a TLS setting is given)"))
    .addOption(
      new Option("--tls-ca <file>", "PEM file of the CA that signed the server's certificate; implies --tls (default: FLOWGATE_TLS_CA)"),
    )
    .addOption(
      new Option("--tls-cert <file>", "PEM file of a client certificate, for a server requiring one (default: FLOWGATE_TLS_CLIENT_CERT)"),
    )
    .addOption(new Option("--tls-key <file>", "PEM file of the client certificate's key (default: FLOWGATE_TLS_CLIENT_KEY)"))
    .option("--json", "machine-readable JSON output")
    .showHelpAfterError()
    .exitOverride();
  // Created through program.command() so they inherit exitOverride and the help settings.
  serverCommand(program);
  logsCommand(runsCommand(program));
  deploymentsCommand(program);
  keysCommand(program);
  whoamiCommand(program);
  auditCommand(program);
  webhooksCommand(program);
  return program;
}

// grpc-js sends the address's host as the TLS server name even when it is an IP address, for which
// Node warns once (DEP0123; grpc/grpc-node#1919). Nothing a user of the CLI can act on.
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = (warning: string | Error, ...rest: unknown[]): void => {
  // emitWarning(warning, type, code) or emitWarning(warning, { type, code })
  const [typeOrOptions, code] = rest;
  const options = typeof typeOrOptions === "object" && typeOrOptions !== null ? (typeOrOptions as { code?: unknown }) : { code };
  if (options.code !== "DEP0123") emitWarning(warning, ...rest);
};

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version exit 0; commander has already printed its message for the others.
      process.exitCode = err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    } else {
      const address = program.opts<{ address?: string }>().address ?? process.env["FLOWGATE_API_ADDRESS"] ?? DEFAULT_API_ADDRESS;
      process.exitCode = reportError(err, address, (line) => process.stderr.write(`${line}\n`));
    }
  }
}

// No top-level await: the same module is bundled as CommonJS (tools/bundle-cli.mjs) for the bin.
void main(process.argv);
