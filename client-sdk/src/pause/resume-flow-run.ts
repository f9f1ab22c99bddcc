/** resumeFlowRun: resume a paused or suspended run from anywhere, optionally with input. */
import type { z } from "zod";
import { getClient } from "../client.js";
import type { RunInput } from "../inputs/run-input.js";
import { currentContext } from "../runtime/run-context.js";
import type { FlowRun, JsonObject } from "../types.js";

export interface ResumeOptions {
  signal?: AbortSignal;
}

/**
 * Resumes `flowRunId`. `runInput` is checked by the server against the pause's schema before anything
 * changes. Returns the run as the resume left it (RUNNING, or SCHEDULED "Resuming" after a suspend).
 * @throws FlowRunNotFoundError; NotPausedError; FlowPauseTimeout ("Flow run can no longer be resumed.");
 *   InvalidRunInputError with `fieldErrors` naming every failing field.
 */
export function resumeFlowRun(flowRunId: string, runInput?: JsonObject, options: ResumeOptions = {}): Promise<FlowRun> {
  return (currentContext()?.client ?? getClient()).resumeFlowRun(flowRunId, runInput, { signal: options.signal });
}

/** Typed resume: the value is checked and shaped (`{ value }` for primitives) by the RunInput first. */
export function resumeFlowRunWith<S extends z.ZodType>(
  flowRunId: string,
  input: RunInput<S>,
  value: z.input<S>,
  options: ResumeOptions = {},
): Promise<FlowRun> {
  return resumeFlowRun(flowRunId, input.toRunInput(value), options);
}
