import { AbortedError, NotFoundError } from "../domain/errors.js";
import type { FlowRun } from "../domain/flow-run.js";
import type { Clock, Transition } from "../domain/rules.js";
import { systemClock, type AppContext } from "./context.js";

/** Lost races are retried this often before giving up; each retry means another writer made progress. */
const MAX_ATTEMPTS = 50;

/** What a decision wants done: a transition to apply (or none), and the value to return once applied. */
export interface Outcome<T> {
  transition?: Transition;
  value: (applied: FlowRun) => T;
  /** Work to do just before the transition is applied (e.g. writing mirrors readers must see first). */
  before?: () => Promise<void>;
  /** Work to do after the transition is stored and published (e.g. throwing a "timed out" error). */
  after?: () => Promise<void> | void;
}

/**
 * Reads the run, decides, and applies the decision as one conditional update; when another writer
 * moved the run first, reads and decides again. Every stored change is published and logged once.
 */
export async function transitionRun<T>(
  ctx: AppContext,
  runId: string,
  decide: (run: FlowRun, clock: Clock) => Outcome<T>,
): Promise<T> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const run = await ctx.store.runs.get(runId);
    if (!run) throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Flow run ${runId} was not found.`);
    const outcome = decide(run, systemClock());
    if (!outcome.transition) return outcome.value(run);
    await outcome.before?.();
    if (!(await ctx.store.runs.apply(outcome.transition))) continue;
    const next = outcome.transition.run;
    await announce(ctx, next, run);
    await outcome.after?.();
    return outcome.value(next);
  }
  throw new AbortedError("CONTENTION", `Flow run ${runId} kept changing under ${MAX_ATTEMPTS} attempts to update it; retry.`);
}

export async function announce(ctx: AppContext, next: FlowRun, previous: FlowRun | undefined): Promise<void> {
  ctx.logger.info(
    {
      flowRunId: next.id,
      from: previous?.state?.type ?? null,
      to: next.state?.type ?? null,
      name: next.state?.name ?? null,
      version: next.version,
    },
    "flow run state changed",
  );
  await ctx.hub.publish(next, previous?.state);
}
