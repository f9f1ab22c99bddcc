/**
 * sendInput: Prefect's `send_input`, a value stored under a fresh key of another run's inputs, for that
 * run to pick up with `receiveInput`. Stored as given (any JSON): no server-side schema is involved,
 * the receiver parses it with its own zod schema.
 */
import { randomUUID } from "node:crypto";
import { getClient } from "../client.js";
import { currentContext } from "../runtime/run-context.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import type { FlowRunInput, JsonValue } from "../types.js";

/**
 * The key prefix both sides use when none is given. Prefect derives it from the input's class name; a
 * zod schema has no name, so one shared default stands in, and `keyPrefix` separates kinds of input.
 * It cannot clash with pause inputs, whose keys start with "paused-" or "suspended-".
 */
export const DEFAULT_INPUT_KEY_PREFIX = "run-input";

export interface SendInputOptions {
  /** The run that receives the value. */
  flowRunId: string;
  /** Keys are `${keyPrefix}-${uuid}`; default "run-input". */
  keyPrefix?: string | undefined;
  /** An exact key instead of a generated one; sending the same key twice fails with AlreadyExistsError. */
  key?: string | undefined;
  /** Which run sent it; default the current flow run, so the receiver can `respond()`. */
  sender?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Default: the current flow run's client, else the default client. */
  client?: FlowgateClient | undefined;
}

/**
 * Stores `value` as an input of run `flowRunId` and returns the stored record.
 * @throws FlowRunNotFoundError, AlreadyExistsError (key), InvalidArgumentError (key, size)
 */
export async function sendInput(value: unknown, opts: SendInputOptions): Promise<FlowRunInput> {
  const ctx = currentContext();
  const client = opts.client ?? ctx?.client ?? getClient();
  const key = opts.key ?? `${opts.keyPrefix ?? DEFAULT_INPUT_KEY_PREFIX}-${randomUUID()}`;
  const sender = opts.sender ?? ctx?.flowRun.id ?? "";
  // JSON round trip: what arrives is what JSON can carry (dates become strings, undefined fields vanish).
  const json = JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
  return client.createFlowRunInput(opts.flowRunId, key, json, sender, { signal: opts.signal });
}
