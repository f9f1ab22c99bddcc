/** Where the SDK finds the server: explicit config first, then FLOWGATE_API_ADDRESS, then the default. */
import type { HeadersInit, Interceptor } from "./transport/interceptor.js";

export const DEFAULT_API_ADDRESS = "127.0.0.1:50051";

export interface ClientConfig {
  /** "host:port" of the Flowgate gRPC server. */
  address?: string | undefined;
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
