/**
 * Where the SDK finds the server and its API key. Address: explicit config first, then
 * FLOWGATE_API_ADDRESS, then the default. API key: explicit config, then FLOWGATE_API_KEY, then — for
 * a server on a loopback address only — the admin key `npm start` wrote into `.flowgate/admin-key`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TlsOptions } from "./tls.js";
import type { HeadersInit, Interceptor } from "./transport/interceptor.js";

export const DEFAULT_API_ADDRESS = "127.0.0.1:50051";

/** Where a server started in the working directory writes its first admin key (FLOWGATE_DATA_DIR's default). */
export const LOCAL_ADMIN_KEY_FILE = join(".flowgate", "admin-key");

export interface ClientConfig {
  /** "host:port" of the Flowgate gRPC server. */
  address?: string | undefined;
  /**
   * The API key's secret, sent as `authorization: Bearer <secret>` with every call. Default:
   * FLOWGATE_API_KEY, else (loopback servers only) `.flowgate/admin-key` of the working directory.
   */
  apiKey?: string | undefined;
  /**
   * TLS: `true` (trusting the system's CAs, or FLOWGATE_TLS_CA), `false` (plaintext, whatever the
   * environment says), or the CA to trust and a client certificate and key for mTLS (each a PEM
   * file's path, or the PEM as a Buffer). Default: FLOWGATE_TLS, FLOWGATE_TLS_CA,
   * FLOWGATE_TLS_CLIENT_CERT and FLOWGATE_TLS_CLIENT_KEY, else plaintext. See tls.ts.
   */
  tls?: boolean | TlsOptions | undefined;
  /** How long calls keep retrying while the server is unreachable (default 30 000 ms; 0: never). */
  retryUnavailableMs?: number | undefined;
  /** Sent as gRPC metadata with every call (a credential, a tenant); a call's own `headers` add to them. */
  headers?: HeadersInit | undefined;
  /** Every call passes through these, the first outermost (see transport/interceptor.ts). */
  interceptors?: readonly Interceptor[] | undefined;
}

export function resolveAddress(config: ClientConfig = {}, env: NodeJS.ProcessEnv = process.env): string {
  const address = config.address ?? env["FLOWGATE_API_ADDRESS"] ?? DEFAULT_API_ADDRESS;
  if (!/^[^\s:]+:\d+$/.test(address) && !/^\[[^\]]+\]:\d+$/.test(address)) {
    throw new Error(`Flowgate API address must look like "host:port", got "${address}".`);
  }
  return address;
}

/** "127.0.0.1:50051", "localhost:4200", "[::1]:50051": a server on this machine. */
export function isLoopbackAddress(address: string): boolean {
  const host = address
    .slice(0, address.lastIndexOf(":"))
    .replace(/^\[(.*)\]$/, "$1")
    .toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The API key for a server at `address`, or undefined when there is none (the server then answers
 * UNAUTHENTICATED, saying how to send one). The local key file is read only for a loopback address:
 * a key meant for the server on this machine must not be sent to another one.
 */
export function resolveApiKey(
  config: Pick<ClientConfig, "apiKey">,
  address: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string | undefined {
  const explicit = config.apiKey?.trim() || env["FLOWGATE_API_KEY"]?.trim();
  if (explicit) return explicit;
  if (!isLoopbackAddress(address)) return undefined;
  const file = join(cwd, LOCAL_ADMIN_KEY_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw new Error(`Cannot read the API key from ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return text.trim() || undefined;
}
