/**
 * What pauseFlowRun and suspendFlowRun have in common: both send a pause (PauseFlowRun or
 * SuspendFlowRun) built the same way from a key, a timeout, an optional RunInput and the optional
 * approval and timeout policies (see approval.ts), and both carry on
 * with the stored input when that key already fired in an earlier execution of the run.
 */
import type { z } from "zod";
import type { RunInput } from "../inputs/run-input.js";
import type { PauseParams } from "../transport/flowgate-client.js";
import type { JsonObject } from "../types.js";

/** Prefect's default for both: an hour. */
export const DEFAULT_PAUSE_TIMEOUT_SECONDS = 3600;

/** `undefined` means the default; `null` means the pause never expires. */
export function pauseTimeout(timeout: number | null | undefined): number | null {
  return timeout === undefined ? DEFAULT_PAUSE_TIMEOUT_SECONDS : timeout;
}

/**
 * The request for a pause of `flowRunId` under `key`, with the input's schema when it waits for input,
 * and the approval and timeout policies when given.
 */
export function pauseParams(
  flowRunId: string,
  key: string,
  timeout: number | null | undefined,
  input: RunInput<z.ZodType> | undefined,
  policy: Pick<PauseParams, "approval" | "onTimeout"> = {},
): PauseParams {
  return {
    flowRunId,
    key,
    timeoutSeconds: pauseTimeout(timeout),
    inputSchema: input?.jsonSchema(),
    inputDescription: input?.description,
    inputInitial: input?.initialJson(),
    approval: policy.approval,
    onTimeout: policy.onTimeout,
  };
}

/** The value the caller gets back: the input parsed with its RunInput, or nothing without one. */
export function parseInput<S extends z.ZodType>(input: RunInput<S> | undefined, runInput: JsonObject | undefined): z.output<S> | undefined {
  return input ? input.parse(runInput) : undefined;
}
