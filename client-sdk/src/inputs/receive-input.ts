/**
 * receiveInput: Prefect's `receive_input`, an async iterator over the inputs sent to a run, oldest
 * first, each parsed by a zod schema (or a RunInput's schema).
 *
 * There is no push for inputs in the contract (WatchFlowRun reports state changes only), so this polls
 * FilterFlowRunInputs every `pollIntervalSeconds`, passing the keys already seen as `exclude_keys`, so
 * each poll returns only new inputs and the server keeps the oldest-first order.
 */
import type { z } from "zod";
import { getClient } from "../client.js";
import { InvalidRunInputError, NoFlowRunContextError, type FieldError } from "../errors.js";
import { sleep } from "../runtime/abortable.js";
import { currentContext } from "../runtime/run-context.js";
import type { FlowgateClient } from "../transport/flowgate-client.js";
import type { FlowRunInput } from "../types.js";
import { RunInput, type InputSchema } from "./run-input.js";
import { DEFAULT_INPUT_KEY_PREFIX, sendInput } from "./send-input.js";

export interface ReceiveInputOptions {
  /** Seconds to wait for each next input; then the iteration ends (default 3600; null: wait forever). */
  timeout?: number | null | undefined;
  /** Seconds between polls while nothing new has arrived (default 0.5). */
  pollIntervalSeconds?: number | undefined;
  /** Throw ReceiveInputTimeoutError instead of ending the iteration when `timeout` passes. */
  raiseTimeoutError?: boolean | undefined;
  /** Keys to skip, e.g. those handled by an earlier receiveInput. */
  excludeKeys?: readonly string[] | undefined;
  /** Only keys starting with this; default "run-input" (the sendInput default). */
  keyPrefix?: string | undefined;
  /** Yield `{ value, key, sender, respond }` instead of the bare value. */
  withMetadata?: boolean | undefined;
  /** The receiving run; default the current flow run. */
  flowRunId?: string | undefined;
  /** Stops the iteration (the pending poll or sleep rejects with the signal's reason). Default: the current run's signal. */
  signal?: AbortSignal | undefined;
  client?: FlowgateClient | undefined;
}

/** One received input with where it came from. */
export interface ReceivedInput<T> {
  value: T;
  key: string;
  /** The sending run's id; "" when the sender was not a flow run. */
  sender: string;
  /** Who sent it: the principal (API key name) the server authenticated. */
  sentBy: string;
  createdAt: Date | undefined;
  /** Sends `value` to the sender run (as an input from this run). @throws Error when there is no sender. */
  respond(value: unknown, opts?: { keyPrefix?: string; key?: string; signal?: AbortSignal }): Promise<FlowRunInput>;
}

/** receiveInput with `raiseTimeoutError` waited `timeout` seconds without a new input. */
export class ReceiveInputTimeoutError extends Error {
  override readonly name = "ReceiveInputTimeoutError";
}

type Schema<S extends z.ZodType> = InputSchema<S>;

function parseWith<S extends z.ZodType>(schema: S, input: FlowRunInput): z.output<S> {
  const result = schema.safeParse(input.value);
  if (result.success) return result.data;
  const fieldErrors: FieldError[] = result.error.issues.map((i) => ({ field: i.path.map(String).join("."), description: i.message }));
  const detail = fieldErrors.map((f) => `${f.field || "(input)"}: ${f.description}`).join("; ");
  throw new InvalidRunInputError(`Input "${input.key}" does not match its schema: ${detail}`, fieldErrors);
}

/** Rejects with the signal's own reason once it aborted, whatever the aborted call threw. */
async function abortable<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}

export function receiveInput<S extends z.ZodType>(
  input: Schema<S>,
  opts: ReceiveInputOptions & { withMetadata: true },
): AsyncGenerator<ReceivedInput<z.output<S>>, void, undefined>;
export function receiveInput<S extends z.ZodType>(
  input: Schema<S>,
  opts?: ReceiveInputOptions & { withMetadata?: false | undefined },
): AsyncGenerator<z.output<S>, void, undefined>;
/**
 * Yields inputs of the run as they arrive, oldest first; ends when none arrives within `timeout`.
 * A value that fails the schema throws InvalidRunInputError (its key is in the message); iterate
 * again with that key in `excludeKeys` to skip it.
 * @throws NoFlowRunContextError without `flowRunId` outside a flow run; FlowRunNotFoundError
 */
export async function* receiveInput<S extends z.ZodType>(
  input: Schema<S>,
  opts: ReceiveInputOptions = {},
): AsyncGenerator<z.output<S> | ReceivedInput<z.output<S>>, void, undefined> {
  const ctx = currentContext();
  const client = opts.client ?? ctx?.client ?? getClient();
  const flowRunId = opts.flowRunId ?? ctx?.flowRun.id;
  if (flowRunId === undefined) throw new NoFlowRunContextError("receiveInput needs a flowRunId outside a flow run.");
  const schema: S = input instanceof RunInput ? input.schema : input;
  const keyPrefix = opts.keyPrefix ?? DEFAULT_INPUT_KEY_PREFIX;
  const timeoutMs = opts.timeout === null ? Infinity : (opts.timeout ?? 3600) * 1000;
  const pollMs = (opts.pollIntervalSeconds ?? 0.5) * 1000;
  const signal = opts.signal ?? ctx?.signal;
  const seen = new Set(opts.excludeKeys ?? []);

  let waitingSince = Date.now();
  for (;;) {
    const batch = await abortable(signal, () => client.filterFlowRunInputs(flowRunId, { keyPrefix, excludeKeys: [...seen] }, { signal }));
    for (const record of batch) {
      // Marked seen before parsing, so a value that fails its schema is not retried forever.
      seen.add(record.key);
      const value = parseWith(schema, record);
      if (!opts.withMetadata) {
        yield value;
      } else {
        const sender = record.senderFlowRunId;
        yield {
          value,
          key: record.key,
          sender,
          sentBy: record.sender,
          createdAt: record.createdAt,
          respond: (reply, r = {}) => {
            if (!sender) return Promise.reject(new Error(`Input "${record.key}" has no sender to respond to.`));
            return sendInput(reply, { flowRunId: sender, sender: flowRunId, client, ...r });
          },
        };
      }
    }
    // The timeout counts the wait for the next input, not the time the consumer spent on the last one.
    if (batch.length > 0) {
      waitingSince = Date.now();
      continue;
    }
    const remaining = waitingSince + timeoutMs - Date.now();
    if (remaining <= 0) {
      if (opts.raiseTimeoutError) throw new ReceiveInputTimeoutError(`No input arrived within ${opts.timeout} seconds.`);
      return;
    }
    await abortable(signal, () => sleep(Math.min(pollMs, remaining), signal));
  }
}
