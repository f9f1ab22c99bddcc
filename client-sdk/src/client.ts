/**
 * The process-wide client flows and tasks use, created on first use so importing the SDK opens no
 * connection. `configure()` points it elsewhere (tests, several servers).
 */
import type { ClientConfig } from "./config.js";
import { FlowgateClient } from "./transport/flowgate-client.js";

let current: FlowgateClient | undefined;

export function getClient(): FlowgateClient {
  current ??= new FlowgateClient();
  return current;
}

/** Replaces the default client (closing the previous one); returns the new client. */
export function configure(config: ClientConfig): FlowgateClient {
  current?.close();
  current = new FlowgateClient(config);
  return current;
}
