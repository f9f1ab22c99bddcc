import { NotFoundError } from "../domain/errors.js";
import type { FlowRun } from "../domain/flow-run.js";
import type { Clock } from "../domain/rules.js";
import { applyTransition, type Decision, type TransitionSubject } from "./apply-transition.js";
import type { AppContext } from "./context.js";

/** A flow run as the subject of transitions: every stored change is published and logged once. */
export function flowRunSubject(ctx: AppContext, runId: string): TransitionSubject<FlowRun> {
  return {
    label: `Flow run ${runId}`,
    read: async () => {
      const run = await ctx.store.runs.get(runId);
      if (!run) throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Flow run ${runId} was not found.`);
      return run;
    },
    write: (next) => ctx.store.runs.apply(next),
    written: (next, previous) => announce(ctx, next, previous),
  };
}

/** applyTransition on a flow run (see there). */
export function transitionRun<T>(
  ctx: AppContext,
  runId: string,
  decide: (run: FlowRun, clock: Clock) => Decision<FlowRun, T>,
  current?: FlowRun,
): Promise<T> {
  return applyTransition(flowRunSubject(ctx, runId), decide, current);
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
