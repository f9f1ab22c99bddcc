import {
  assertLinkUsable,
  hasApproved,
  normalizePolicy,
  refusalOf,
  requireRejectReason,
  SHARED_LINK_PRINCIPAL,
  type Decider,
  type LinkMode,
  type TimeoutPolicy,
} from "../domain/approval.js";
import { auditedInput, causeOf, SERVER_ACTOR, stateChangeFacts, type Actor, type AuditFacts } from "../domain/audit.js";
import { InvalidArgumentError, NotFoundError, UnauthenticatedError } from "../domain/errors.js";
import { currentPause, pauseKeyset, type FlowRun, type JsonObject, type PauseRecord } from "../domain/flow-run.js";
import { createFlowRun, runIdFor } from "../domain/run-creation.js";
import { DEPLOYMENT_PARAMETERS } from "../domain/run-input-schema.js";
import {
  decideCancel,
  decideExpire,
  decidePause,
  decideReject,
  decideResume,
  decideSetState,
  hasArchivedPauses,
  MAX_PAUSE_TIMEOUT_SECONDS,
  type Clock,
  type PauseRequest,
} from "../domain/rules.js";
import { makeLinks, resolveToken, withoutToken } from "./resume-links.js";
import type { IssuedLink } from "./run-change-notifier.js";
import type { ResumeLinkRecord } from "./ports.js";
import type { StateProposal } from "../domain/states.js";
import { optionalRequestId, requireId, requirePauseKey, requireWithinLimit } from "../domain/validation.js";
import { recordAudit } from "./audit-trail.js";
import { systemClock, type AppContext } from "./context.js";
import { pageOf, readPage } from "./paging.js";
import type { RunFilter } from "./ports.js";
import { once, requestLogId } from "./idempotency.js";
import type { Decision } from "./apply-transition.js";
import { announce, transitionRun, type Observed } from "./run-transitions.js";

export interface CreateFlowRunInput {
  flowName: string;
  name?: string;
  deploymentId?: string;
  parameters?: JsonObject;
  state?: StateProposal;
  parentFlowRunId?: string;
  parentTaskRunId?: string;
  labels?: Record<string, string>;
  requestId?: string;
}

export interface PauseInput {
  key?: string;
  timeoutSeconds?: number;
  noTimeout?: boolean;
  reschedule?: boolean;
  inputSchema?: JsonObject;
  inputDescription?: string;
  inputInitial?: JsonObject;
  requestId?: string;
  approval?: { approvers?: readonly string[]; required?: number; allowSelfApproval?: boolean; links?: LinkMode };
  onTimeout?: { action?: "fail" | "resume"; input?: JsonObject; remindAfterSeconds?: number };
}

export interface PauseResult {
  run: FlowRun;
  alreadyFired: boolean;
  runInput?: JsonObject;
  /** The resume links the policy asked for, with their tokens (empty tokens on a retried call's answer). */
  links: IssuedLink[];
}

/** Who decides: the caller, or the holder of a resume link (no API key then). */
export interface DecisionCredential {
  actor: Actor;
  /** A resume link's token; the call then acts as the link's principal. */
  resumeToken?: string | undefined;
  /** False when the call carried no API key (or session): only a token can stand in then. */
  authenticated: boolean;
}

export interface ResumeResult {
  run: FlowRun;
  /** False when an approval was recorded below the quorum (or was a repeat): the run is still PAUSED. */
  resumed: boolean;
}

/** Whether the caller may decide a run's pause now, and why not: what the UI shows instead of the buttons. */
export type MyDecision =
  { allowed: true } | { allowed: false; reason: "NOT_AN_APPROVER" | "SELF_APPROVAL" | "ALREADY_APPROVED"; message: string };

/**
 * Flow runs: creation, reads, state proposals, cancel, pause, suspend, resume and expiry. Every
 * mutating method takes the Actor making the call: it scopes the call's request id to the principal,
 * names who caused each new state, and leaves the call's one audit entry.
 */
export class RunService {
  constructor(private readonly ctx: AppContext) {}

  async create(actor: Actor, input: CreateFlowRunInput): Promise<FlowRun> {
    const requestId = optionalRequestId(input.requestId ?? "");
    return once(this.ctx.store.requests, actor, "create-flow-run", requestId, async () => {
      const id = requestId ? runIdFor(requestLogId(actor, "create-flow-run", requestId)) : undefined;
      const run = await this.createWithin(actor, input, id);
      await recordAudit(this.ctx, actor, { flowRunId: run.id, ...stateChangeFacts(undefined, run), ...(requestId ? { requestId } : {}) });
      return run;
    });
  }

  /**
   * Creates a run as part of another service's call (RunDeployment): no request id of its own and no
   * audit entry, which the calling service writes for the whole call.
   */
  async createWithin(actor: Actor, input: Omit<CreateFlowRunInput, "requestId">, id?: string): Promise<FlowRun> {
    const run = createFlowRun(input, this.ctx.limits.maxInputBytes, systemClock());
    // A run named by its request (runIdFor) that exists was made by an earlier try of this request.
    if (id !== undefined) run.id = id;
    if (run.state) run.state = { ...run.state, by: causeOf(actor) };
    if (run.deploymentId) {
      const deployment = await this.ctx.store.deployments.get(run.deploymentId);
      if (!deployment) throw new NotFoundError("DEPLOYMENT_NOT_FOUND", `Deployment ${run.deploymentId} was not found.`);
      // However a run of a deployment is created, its parameters match the deployment's schema
      // (CreateFlowRun names them in full: no defaults merged; RunDeployment checked its merge already).
      if (deployment.parameterSchema) {
        run.parameters = this.ctx.schemas.validate(deployment.parameterSchema, run.parameters, DEPLOYMENT_PARAMETERS);
      }
    }
    if (run.parentFlowRunId && !(await this.ctx.store.runs.get(run.parentFlowRunId))) {
      throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Parent flow run ${run.parentFlowRunId} was not found.`);
    }
    if (!(await this.ctx.store.runs.insert(run))) {
      const earlier = await this.ctx.store.runs.get(run.id);
      if (!earlier) throw new Error(`flow run ${run.id} both exists and does not`);
      // Announced by the try that made it, if it lived that long; not twice.
      return earlier;
    }
    await announce(this.ctx, run, undefined);
    return run;
  }

  async get(flowRunId: string): Promise<FlowRun> {
    const id = requireId("flow_run_id", flowRunId);
    const run = await this.ctx.store.runs.get(id);
    if (!run) throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Flow run ${id} was not found.`);
    return run;
  }

  async list(filter: RunFilter, pageSize: number, pageToken: string): Promise<{ runs: FlowRun[]; nextPageToken: string }> {
    const page = readPage(pageSize, pageToken);
    const { items, nextPageToken } = pageOf(await this.ctx.store.runs.list(filter, page.offset, page.size + 1), page);
    return { runs: items, nextPageToken };
  }

  async setState(
    actor: Actor,
    flowRunId: string,
    proposal: StateProposal,
    expectedVersion: number | undefined,
    requestIdText = "",
  ): Promise<FlowRun> {
    const id = requireId("flow_run_id", flowRunId);
    const requestId = optionalRequestId(requestIdText);
    return this.auditedTransition<FlowRun>(actor, "set-state", id, requestId, (run, clock) => {
      const d = decideSetState(run, proposal, expectedVersion, clock);
      const next = d.transition.run;
      return { next, result: d.kind === "expired" ? { error: d.error } : { value: next } };
    });
  }

  /**
   * The shape most mutating calls share: once per request id, one transition of the run as `actor`,
   * and the call's one audit entry from the run as the winning decision found and left it.
   */
  private auditedTransition<T>(
    actor: Actor,
    scope: string,
    id: string,
    requestId: string | undefined,
    decide: (run: FlowRun, clock: Clock) => Decision<FlowRun, T>,
  ): Promise<T> {
    return once(this.ctx.store.requests, actor, `${scope}:${id}`, requestId, async () => {
      const observed: Observed = {};
      const value = await transitionRun<T>(this.ctx, actor, id, decide, { observed });
      await this.audit(actor, id, observed, requestId);
      return value;
    });
  }

  async cancel(actor: Actor, flowRunId: string, requestIdText = ""): Promise<FlowRun> {
    const id = requireId("flow_run_id", flowRunId);
    const requestId = optionalRequestId(requestIdText);
    return this.auditedTransition<FlowRun>(actor, "cancel", id, requestId, (run, clock) => {
      const next = decideCancel(run, clock)?.run;
      return { next, result: { value: next ?? run } };
    });
  }

  /** PauseFlowRun; with `reschedule` it is SuspendFlowRun. */
  async pause(actor: Actor, flowRunId: string, input: PauseInput): Promise<PauseResult> {
    const id = requireId("flow_run_id", flowRunId);
    const requestId = optionalRequestId(input.requestId ?? "");
    const req = { ...this.pauseRequest(input), pausedBy: actor.principal };
    const stored = (r: PauseResult): PauseResult => ({ ...r, links: r.links.map(withoutToken) });
    return once(
      this.ctx.store.requests,
      actor,
      `pause:${id}`,
      requestId,
      async () => {
        const mirrored = new Set<string>();
        const observed: Observed = {};
        let issued: IssuedLink[] = [];
        let result: PauseResult;
        try {
          result = await transitionRun<PauseResult>(
            this.ctx,
            actor,
            id,
            (run, clock) => {
              const d = decidePause(run, req, clock);
              if (d.kind === "already_fired") {
                return {
                  result: { value: { run, alreadyFired: true, links: [], ...(d.pause.runInput ? { runInput: d.pause.runInput } : {}) } },
                };
              }
              return {
                next: d.transition.run,
                // Readers of flow-run inputs see the schema no later than the PAUSED state; the resume
                // itself reads the schema from the run, written in the same update as PAUSED.
                before: async () => {
                  // A key that fired long ago has left the run document for the archive; looked up after the
                  // read this decision was made from, and ended pauses are archived before they leave the
                  // document, so a fired key is always found in one or the other.
                  const fired = hasArchivedPauses(run) ? await this.ctx.store.endedPauses.get(run.id, d.pause.key) : undefined;
                  if (fired) throw new FiredBefore(run, fired);
                  // Compiled only now, for a run that exists, may be paused and is about to be: a
                  // schema sent with any random run id costs the server nothing (the caller's scope
                  // was checked before the call got here).
                  if (d.pause.inputSchema) this.ctx.schemas.check(d.pause.inputSchema);
                  this.checkTimeoutInput(d.pause);
                  for (const key of await this.mirrorSchema(run, d.pause)) mirrored.add(key);
                  // Stored before the pause is, so that a link works as soon as anyone can learn it; a
                  // decision that loses its race leaves links to an instance that never waited (refused).
                  issued = await this.issueLinks(run.id, d.pause, run);
                },
                result: { value: { run: d.transition.run, alreadyFired: false, links: [] } },
              };
            },
            { observed, links: () => issued },
          );
          result = { ...result, links: issued };
        } catch (err) {
          if (err instanceof FiredBefore) {
            const { run, pause } = err;
            return { run, alreadyFired: true, links: [], ...(pause.runInput ? { runInput: pause.runInput } : {}) };
          }
          await this.ctx.store.inputs.deleteIfPresent(id, [...mirrored]).catch(() => undefined);
          throw err;
        }
        await this.audit(actor, id, observed, requestId);
        return result;
      },
      { stored },
    );
  }

  /**
   * ResumeFlowRun: an approval. Without a policy it resumes at once, as always; with one, the decider
   * must be allowed (approval.ts), and the run resumes once enough distinct approvers agree.
   */
  async resume(
    credential: DecisionCredential,
    flowRunId: string,
    runInput: JsonObject | undefined,
    requestIdText = "",
  ): Promise<ResumeResult> {
    // The credential first, as for every call: a bad token is refused before the request is read.
    const { actor, decider } = await this.decider(credential, flowRunId);
    const id = requireId("flow_run_id", flowRunId);
    const requestId = optionalRequestId(requestIdText);
    if (runInput !== undefined) requireWithinLimit("run_input", runInput, this.ctx.limits.maxInputBytes, "INVALID_RUN_INPUT");
    // The pause keeps the winning resume's request id so that its retry reports success; scoped to
    // the principal, so another principal's reuse of the id is not taken for that retry.
    const pauseRequestId = requestId ? requestLogId(actor, "resume", requestId) : undefined;
    return once(this.ctx.store.requests, actor, `resume:${id}`, requestId, async () => {
      const observed: Observed = {};
      const outcome = await transitionRun<{ run: FlowRun; resumed: boolean }>(
        this.ctx,
        actor,
        id,
        (run, clock) => {
          const d = decideResume(run, runInput, pauseRequestId, this.ctx.schemas, clock, decider);
          switch (d.kind) {
            case "already_resumed":
              return { result: { value: { run, resumed: true } } };
            case "already_approved":
              return { result: { value: { run, resumed: false } } };
            case "expired":
              return { next: d.transition.run, result: { error: d.error } };
            case "approved":
              return { next: d.transition.run, result: { value: { run: d.transition.run, resumed: false } } };
            case "resume":
              return { next: d.transition.run, result: { value: { run: d.transition.run, resumed: true } } };
          }
        },
        { observed },
      );
      await this.audit(actor, id, observed, requestId, auditedInput(runInput));
      if (decider.link && observed.after !== observed.before) await this.markLinkUsed(decider.link.id);
      return { run: outcome.run, resumed: outcome.resumed };
    });
  }

  /** RejectFlowRun: one reject by anyone who may approve ends the pause. */
  async reject(credential: DecisionCredential, flowRunId: string, reasonText: string, requestIdText = ""): Promise<FlowRun> {
    const { actor, decider } = await this.decider(credential, flowRunId);
    const id = requireId("flow_run_id", flowRunId);
    const requestId = optionalRequestId(requestIdText);
    const reason = requireRejectReason(reasonText);
    const run = await this.auditedTransition<FlowRun>(actor, "reject", id, requestId, (run, clock) => {
      const d = decideReject(run, reason, clock, decider);
      return { next: d.transition.run, result: d.kind === "expired" ? { error: d.error } : { value: d.transition.run } };
    });
    if (decider.link) await this.markLinkUsed(decider.link.id);
    return run;
  }

  /** A link's page: the run it decides, and for whom. Refused like a decision would be (the token is the credential). */
  async linkView(token: string): Promise<{ run: FlowRun; link: { id: string; approver?: string } }> {
    const link = await resolveToken(this.ctx.store.resumeLinks, token);
    const run = await this.get(link.flowRunId);
    // Refuses a used link or one whose pause ended, with the same reasons a decision would get.
    assertLinkUsable(currentPause(run), link);
    return { run, link: { id: link.id, ...(link.approver !== undefined ? { approver: link.approver } : {}) } };
  }

  async listLinks(flowRunId: string): Promise<ResumeLinkRecord[]> {
    const run = await this.get(flowRunId);
    return this.ctx.store.resumeLinks.listByRun(run.id);
  }

  async revokeLink(actor: Actor, linkId: string): Promise<ResumeLinkRecord> {
    const id = requireId("link_id", linkId);
    const link = await this.ctx.store.resumeLinks.byId(id);
    if (!link) throw new NotFoundError("RESUME_LINK_INVALID", `Resume link ${id} was not found.`);
    await this.ctx.store.resumeLinks.markRevoked(id, new Date());
    await recordAudit(this.ctx, actor, { flowRunId: link.flowRunId, pauseKey: link.pauseKey });
    return (await this.ctx.store.resumeLinks.byId(id)) ?? link;
  }

  /** Paused runs `actor` may decide now and has not approved yet, newest first. */
  async awaiting(
    actor: Actor,
    filter: RunFilter,
    pageSize: number,
    pageToken: string,
  ): Promise<{ runs: FlowRun[]; nextPageToken: string }> {
    const page = readPage(pageSize, pageToken);
    // The other filters narrow it further; the state is PAUSED whatever they ask.
    const paused = await this.ctx.store.runs.list({ ...filter, stateTypes: ["PAUSED"] }, 0, AWAITING_SCAN_LIMIT);
    const mine = paused.filter((run) => this.myDecision(actor, run)?.allowed === true);
    const { items, nextPageToken } = pageOf(mine.slice(page.offset, page.offset + page.size + 1), page);
    return { runs: items, nextPageToken };
  }

  /** Whether `actor` may decide the run's pause now; undefined when the run waits for no decision. */
  myDecision(actor: Actor, run: FlowRun): MyDecision | undefined {
    const pause = currentPause(run);
    if (!pause || pause.status !== "pending") return undefined;
    const refusal = refusalOf(pause, deciderOf(actor));
    if (refusal) return { allowed: false, ...refusal };
    if (hasApproved(pause, actor.principal)) {
      return { allowed: false, reason: "ALREADY_APPROVED", message: `${actor.principal} has approved this pause already.` };
    }
    return { allowed: true };
  }

  /**
   * The decider of a call, and the actor its audit entry and request ids belong to: the caller, or,
   * with a resume token, the link's approver (a shared link's is "link") through channel "link".
   */
  private async decider(credential: DecisionCredential, flowRunId: string): Promise<{ actor: Actor; decider: Decider }> {
    const { actor, resumeToken } = credential;
    if (resumeToken) {
      const link = await resolveToken(this.ctx.store.resumeLinks, resumeToken, flowRunId);
      const linkActor: Actor = {
        principal: link.approver ?? SHARED_LINK_PRINCIPAL,
        channel: "link",
        call: actor.call,
        ...(actor.callId !== undefined ? { callId: actor.callId } : {}),
        admin: false,
        groups: [],
      };
      return { actor: linkActor, decider: { ...deciderOf(linkActor), link } };
    }
    if (!credential.authenticated) {
      throw new UnauthenticatedError(
        "This call needs an API key (`authorization: Bearer <secret>`) or a resume link's token (resume_token).",
      );
    }
    return { actor, decider: deciderOf(actor) };
  }

  private async markLinkUsed(linkId: string): Promise<void> {
    // The run's pause is the authority on use (its usedLinkIds, written with the decision); this is for listings.
    await this.ctx.store.resumeLinks.markUsed(linkId, new Date()).catch((err: unknown) => {
      this.ctx.logger.warn({ err, linkId }, "could not mark a resume link used");
    });
  }

  private async issueLinks(flowRunId: string, pause: PauseRecord, run: FlowRun): Promise<IssuedLink[]> {
    if (!pause.approval || pause.approval.links === "none") return [];
    // A suspend of a waiting pause keeps that instance and the links already handed out for it.
    const existing = currentPause(run);
    if (existing && existing.instanceId === pause.instanceId) return [];
    const { issued, records } = makeLinks(flowRunId, pause, this.ctx.uiUrl?.() ?? "", new Date());
    await this.ctx.store.resumeLinks.insertMany(records);
    return issued;
  }

  /** A timeout policy's default input must be one the pause would accept: checked when the pause is made. */
  private checkTimeoutInput(pause: PauseRecord): void {
    if (!pause.inputSchema || pause.onTimeout?.action !== "resume") return;
    try {
      this.ctx.schemas.validate(pause.inputSchema, pause.onTimeout.input);
    } catch (err) {
      if (!(err instanceof InvalidArgumentError)) throw err;
      throw new InvalidArgumentError(
        `on_timeout.input does not satisfy the pause's input schema: ${err.message}`,
        err.violations.map((v) => ({ field: v.field ? `on_timeout.input.${v.field}` : "on_timeout.input", description: v.description })),
      );
    }
  }

  /** Called by the expiry scheduler; a no-op when the pause was resolved meanwhile. Not a call: no audit entry. */
  async expire(flowRunId: string, key: string): Promise<void> {
    await transitionRun(this.ctx, SERVER_ACTOR, flowRunId, (run, clock) => ({
      next: decideExpire(run, key, clock)?.run,
      result: { value: undefined },
    }));
  }

  /** The call's audit entry: the run's state before and after, and the pause entered or left. */
  private async audit(
    actor: Actor,
    flowRunId: string,
    observed: Observed,
    requestId: string | undefined,
    more: AuditFacts = {},
  ): Promise<void> {
    await recordAudit(this.ctx, actor, {
      flowRunId,
      ...stateChangeFacts(observed.before, observed.after),
      ...(requestId ? { requestId } : {}),
      ...more,
    });
  }

  private pauseRequest(input: PauseInput): PauseRequest {
    // Only the cheap bounds here; the schema is compiled once the run is found (see pause()).
    if (input.inputSchema) requireWithinLimit("input_schema", input.inputSchema, this.ctx.limits.maxInputBytes);
    if (input.onTimeout?.input) requireWithinLimit("on_timeout.input", input.onTimeout.input, this.ctx.limits.maxInputBytes);
    if (input.inputInitial) requireWithinLimit("input_initial", input.inputInitial, this.ctx.limits.maxInputBytes);
    if (input.inputDescription) requireWithinLimit("input_description", input.inputDescription, this.ctx.limits.maxInputBytes);
    return {
      key: input.key ? requirePauseKey(input.key) : undefined,
      timeoutSeconds: input.timeoutSeconds,
      noTimeout: input.noTimeout ?? false,
      reschedule: input.reschedule ?? false,
      inputSchema: input.inputSchema,
      inputDescription: input.inputDescription,
      inputInitial: input.inputInitial,
      approval: normalizePolicy(input.approval),
      onTimeout: timeoutPolicy(input.onTimeout),
    };
  }

  private async mirrorSchema(run: FlowRun, pause: PauseRecord): Promise<string[]> {
    if (!pause.inputSchema) return [];
    const keyset = pauseKeyset(pause);
    const now = new Date();
    const keys = [`${keyset}-schema`];
    await this.ctx.store.inputs.put({ flowRunId: run.id, key: `${keyset}-schema`, value: pause.inputSchema, createdAt: now });
    if (pause.inputDescription) {
      keys.push(`${keyset}-description`);
      await this.ctx.store.inputs.put({ flowRunId: run.id, key: `${keyset}-description`, value: pause.inputDescription, createdAt: now });
    }
    return keys;
  }
}

/** Raised inside a pause decision whose key turned out to have fired before: the call answers already_fired. */
class FiredBefore extends Error {
  constructor(
    readonly run: FlowRun,
    readonly pause: PauseRecord,
  ) {
    super("pause key fired before");
  }
}

/** How many paused runs the "awaiting me" view considers (newest first). */
const AWAITING_SCAN_LIMIT = 2000;

function deciderOf(actor: Actor): Decider {
  return { principal: actor.principal, groups: actor.groups ?? [], channel: actor.channel };
}

function timeoutPolicy(raw: PauseInput["onTimeout"]): TimeoutPolicy | undefined {
  if (!raw) return undefined;
  const remind = raw.remindAfterSeconds;
  if (remind !== undefined && (!Number.isInteger(remind) || remind < 0 || remind > MAX_PAUSE_TIMEOUT_SECONDS)) {
    throw new InvalidArgumentError(`on_timeout.remind_after_seconds must be between 0 and ${MAX_PAUSE_TIMEOUT_SECONDS}.`, [
      { field: "on_timeout.remind_after_seconds", description: `must be between 0 and ${MAX_PAUSE_TIMEOUT_SECONDS}` },
    ]);
  }
  const action = raw.action ?? "fail";
  if (action === "fail" && raw.input !== undefined) {
    throw new InvalidArgumentError("on_timeout.input is used only with the RESUME action.", [
      { field: "on_timeout.input", description: "must be unset unless action is RESUME" },
    ]);
  }
  return {
    action,
    ...(action === "resume" && raw.input ? { input: raw.input } : {}),
    ...(remind ? { remindAfterSeconds: remind } : {}),
  };
}
