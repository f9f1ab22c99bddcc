/** What every command needs from the global options: a client for --address and --api-key, and how to print. */
import type { Command } from "commander";
import { resolveAddress } from "../config.js";
import { FlowgateClient } from "../transport/flowgate-client.js";
import { colorEnabled } from "./colors.js";
import { CliError, ExitCode } from "./errors.js";

export interface GlobalOptions {
  address?: string;
  /** The secret itself; never printed. Default: FLOWGATE_API_KEY, else .flowgate/admin-key for a loopback server. */
  apiKey?: string;
  json?: boolean;
}

export interface CliContext {
  address: string;
  json: boolean;
  color: boolean;
  client(): FlowgateClient;
  /** Prints human text, or the value as JSON with --json. */
  print(human: () => string, json: unknown): void;
  close(): void;
}

export function cliContext(command: Command): CliContext {
  const opts = command.optsWithGlobals<GlobalOptions>();
  let address: string;
  try {
    address = resolveAddress({ address: opts.address });
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), ExitCode.USAGE);
  }
  const json = opts.json === true;
  let client: FlowgateClient | undefined;
  return {
    address,
    json,
    color: !json && colorEnabled(),
    client: () => {
      // A command line should fail at once when the server is down, not retry for 30 s like a flow does.
      client ??= new FlowgateClient({ address, apiKey: opts.apiKey, retryUnavailableMs: 0 });
      return client;
    },
    print: (human, value) => {
      process.stdout.write(`${json ? JSON.stringify(value, null, 2) : human()}\n`);
    },
    close: () => client?.close(),
  };
}
