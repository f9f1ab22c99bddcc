import { causeOf, SERVER_ACTOR, stateChangeFacts, type Actor } from "../domain/audit.js";
import { NotFoundError } from "../domain/errors.js";
import { pauseKeyset, type FlowRun } from "../domain/flow-run.js";
import type { Clock } from "../domain/rules.js";
import { applyTransition, type Decision, type TransitionSubject } from "./apply-transition.js";
import { recordAudit } from "./audit-trail.js";
import type { AppContext } from "./context.js";
import type { IssuedLink } from "./run-change-notifier.js";

/** A flow run as the subject of transitions: every stored change is published and logged once. */
export function flowRunSubject(ctx: AppContext, runId: string, links?: () => readonly IssuedLink[]): TransitionSubject<FlowRun> {
  return {
    label: `Flow run ${runId}`,
    key: `flow-run:${runId}`,
    read: async () => {
      const run = await ctx.store.runs.get(runId);
      if (!run) throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Flow run ${runId} was not found.`);
      ctx.hub.recent.note(run);
      return run;
    },
    write: (next, options) => ctx.store.runs.apply(next, options),
    // A resume's waiter goes on as soon as the resume is certain, not once the run is rewritten.
    committed: (next, previous) => ctx.hub.tellFollowers(next, previous.state),
    // A dead writer's change finished by this call issued none of this call's links.
    written: async (next, previous, finished) => {
      await Promise.all([announce(ctx, next, previous, finished ? undefined : links?.()), mirrorResumeInputs(ctx, next, previous)]);
      if (finished) await auditFinished(ctx, next, previous);
    },
  };
}

/**
 * Mirrors the input of each pause this change resumed into the run's flow-run inputs
 * ("paused-{key}-response", Prefect's keyset). Derived from the change alone, so that a change another
 * writer finished for one that died mirrors it too. The input is already stored with the run, so a
 * failure here is logged, not the caller's error.
 */
async function mirrorResumeInputs(ctx: AppContext, next: FlowRun, previous: FlowRun): Promise<void> {
  for (const pause of Object.values(next.pauses)) {
    if (pause.status !== "resumed" || !pause.runInput || previous.pauses[pause.key]?.status === "resumed") continue;
    const key = `${pauseKeyset(pause)}-response`;
    const sender = next.state?.by?.principal;
    try {
      await ctx.store.inputs.put({ flowRunId: next.id, key, value: pause.runInput, ...(sender ? { sender } : {}), createdAt: new Date() });
    } catch (err) {
      ctx.logger.error({ err, flowRunId: next.id, key }, "could not mirror the resume input into flow-run inputs");
    }
  }
}

/**
 * The audit entry of a change whose writer died after claiming it, written by whoever finished it: the
 * caller who made it is the one its state names; which call it was, the finished claim does not say.
 */
async function auditFinished(ctx: AppContext, next: FlowRun, previous: FlowRun): Promise<void> {
  const by = next.state?.by ?? causeOf(SERVER_ACTOR);
  const actor: Actor = { principal: by.principal, channel: by.channel, call: FINISHED_CALL, admin: false };
  await recordAudit(ctx, actor, { flowRunId: next.id, ...stateChangeFacts(previous, next) });
}

/** The `call` of an audit entry written for a change its own server did not live to finish. */
export const FINISHED_CALL = "finished after its server stopped";

/** The run as the winning decision found it, and as it left it (the same run when nothing changed). */
export interface Observed {
  before?: FlowRun;
  after?: FlowRun;
}

/**
 * applyTransition on a flow run (see there), made by `actor`: a new state it enters names the actor
 * (`by`), in the same version-guarded write as the state itself. `observed` receives the run before
 * and after the decision that counted (the last one: earlier ones lost their race and stored nothing).
 * `signal` (the call's) stops a wait for this server's other writers of the run, or another server's.
 */
export function transitionRun<T>(
  ctx: AppContext,
  actor: Actor,
  runId: string,
  decide: (run: FlowRun, clock: Clock) => Decision<FlowRun, T>,
  opts: { current?: FlowRun; observed?: Observed; links?: () => readonly IssuedLink[]; signal?: AbortSignal | undefined } = {},
): Promise<T> {
  const by = causeOf(actor);
  return applyTransition(
    flowRunSubject(ctx, runId, opts.links),
    (run, clock) => {
      const d = decide(run, clock);
      const next = d.next;
      // The decision's run is freshly made by the pure rules and is also what its result holds, so
      // the cause is set on it in place: the caller's answer then shows `by` too.
      if (next?.state && next.state.id !== run.state?.id) next.state = { ...next.state, by };
      if (opts.observed) {
        opts.observed.before = run;
        opts.observed.after = next ?? run;
      }
      return d;
    },
    { first: opts.current, cached: opts.current ? undefined : () => ctx.hub.recent.get(runId), signal: opts.signal ?? actor.signal },
  );
}

/** Logs and publishes a stored change, and tells the notifier (webhooks); `links` were issued by this change. */
export async function announce(
  ctx: AppContext,
  next: FlowRun,
  previous: FlowRun | undefined,
  links?: readonly IssuedLink[],
): Promise<void> {
  ctx.logger.info(
    {
      flowRunId: next.id,
      from: previous?.state?.type ?? null,
      to: next.state?.type ?? null,
      name: next.state?.name ?? null,
      version: next.version,
      ...(next.state?.by ? { by: next.state.by.principal, channel: next.state.by.channel } : {}),
    },
    "flow run state changed",
  );
  await ctx.hub.publish(next, previous?.state);
  await ctx.notifier?.runChanged(next, previous, links);
}
