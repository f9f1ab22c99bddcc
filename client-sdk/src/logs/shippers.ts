/** One log shipper per client, made on first use; what flows call to flush their lines before they end. */
import type { FlowgateClient } from "../transport/flowgate-client.js";
import { LogShipper } from "./log-shipper.js";

const shippers = new WeakMap<FlowgateClient, LogShipper>();

/** The client's log shipper (one per client, made on first use). */
export function shipperFor(client: FlowgateClient): LogShipper {
  let shipper = shippers.get(client);
  if (!shipper) {
    shipper = new LogShipper(client.logs);
    shippers.set(client, shipper);
  }
  return shipper;
}

/**
 * Waits (at most `timeoutMs`, 10 s by default) until the lines logged so far through this client are
 * stored; a flow calls it before it ends its run, so a watch that sees the run end has every line.
 */
export async function flushRunLogs(
  client: FlowgateClient,
  opts: { signal?: AbortSignal | undefined; timeoutMs?: number } = {},
): Promise<void> {
  await shippers.get(client)?.flush({ signal: opts.signal, timeoutMs: opts.timeoutMs ?? 10_000 });
}
