/** What every command needs from the global options: a client for --address, --api-key and --tls*, and how to print. */
import type { Command } from "commander";
import { resolveAddress } from "../config.js";
import { TlsSettingsError, type TlsOptions } from "../tls.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import { colorEnabled } from "./colors.js";
import { CliError, ExitCode } from "./errors.js";

export interface GlobalOptions {
  address?: string;
  /** The secret itself; never printed. Default: FLOWGATE_API_KEY, else .flowgate/admin-key for a loopback server. */
  apiKey?: string;
  /** --tls, --tls-ca, --tls-cert, --tls-key; each else its FLOWGATE_TLS* variable (see tls.ts). */
  tls?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  json?: boolean;
}

/** The client's `tls` option from the flags: undefined (the environment decides) unless one is given. */
function tlsOption(opts: GlobalOptions): TlsOptions | undefined {
  if (!opts.tls && opts.tlsCa === undefined && opts.tlsCert === undefined && opts.tlsKey === undefined) return undefined;
  return { ca: opts.tlsCa, cert: opts.tlsCert, key: opts.tlsKey };
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

/**
 * The context of a command that talks to a server. Async because it loads the transport (grpc-js and
 * the generated contract, most of the CLI's start-up time) only now: `--help`, usage errors and
 * `server start` never pay for it.
 */
export async function cliContext(command: Command): Promise<CliContext> {
  const opts = command.optsWithGlobals<GlobalOptions>();
  let address: string;
  try {
    address = resolveAddress({ address: opts.address });
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), ExitCode.USAGE);
  }
  const json = opts.json === true;
  const transport = await import("../transport/flowgate-client.js");
  let client: FlowgateClient | undefined;
  return {
    address,
    json,
    color: !json && colorEnabled(),
    client: () => {
      try {
        // A command line should fail at once when the server is down, not retry for 30 s like a flow does.
        client ??= new transport.FlowgateClient({
          address,
          apiKey: opts.apiKey,
          tls: tlsOption(opts),
          retryUnavailableMs: 0,
          headers: { "x-flowgate-client": "cli" },
        });
      } catch (err) {
        if (err instanceof TlsSettingsError) throw new CliError(err.message, ExitCode.USAGE);
        throw err;
      }
      return client;
    },
    print: (human, value) => {
      process.stdout.write(`${json ? JSON.stringify(value, null, 2) : human()}\n`);
    },
    close: () => client?.close(),
  };
}
