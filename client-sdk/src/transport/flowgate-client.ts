/* eslint-disable @typescript-eslint/unbound-method -- run(), deployment() and stream() bind each generated method to its client before calling it. */
/**
 * FlowgateClient: every RPC of flowgate.v1 as a promise (or async iterable for streams) over the SDK's
 * own types. Mutating calls carry a fresh request id so a retry by the caller is de-duplicated. Every
 * call carries the client's API key (`authorization: Bearer …`) and headers, and passes through its
 * interceptors (see interceptor.ts).
 */
import { randomUUID } from "node:crypto";
import { credentials, type ChannelCredentials } from "@grpc/grpc-js";
import { DeploymentServiceClient } from "@flowgate/contract/flowgate/v1/deployment_service.js";
import { KeyServiceClient } from "@flowgate/contract/flowgate/v1/key_service.js";
import { AuditServiceClient } from "@flowgate/contract/flowgate/v1/audit_service.js";
import * as runPb from "@flowgate/contract/flowgate/v1/run_service.js";
import { RunServiceClient } from "@flowgate/contract/flowgate/v1/run_service.js";
import { resolveAddress, resolveApiKey, type ClientConfig } from "../config.js";
import { UnavailableError } from "../errors.js";
import { backoffMs, sleep } from "../runtime/abortable.js";
import { describeTransport, resolveTls, tlsChildEnv, type TlsSettings } from "../tls.js";
import { configuredUiUrl, runPageUrl, withoutTrailingSlash } from "../ui-links.js";
import type {
  ApiKey,
  ApprovalPolicy,
  AuditChainVerdict,
  AuditEvent,
  CallOptions,
  Caller,
  Deployment,
  FlowRun,
  FlowRunEvent,
  FlowRunInput,
  JsonObject,
  JsonValue,
  ResumeLink,
  ResumeLinkInfo,
  ResumeResult,
  StateType,
  TaskRun,
  WaitEvent,
} from "../types.js";
import { serverStream, unary, type CallSetup, type StreamMethod, type UnaryMethod } from "./grpc-call.js";
import { mergeHeaders, type HeadersInit, type Interceptor } from "./interceptor.js";
import { WebhooksClient } from "./webhooks-client.js";
import { LogsClient } from "./logs-client.js";
import {
  toApiKey,
  toAuditChainVerdict,
  toAuditEvent,
  toCaller,
  toDeployment,
  toFlowRun,
  toFlowRunEvent,
  toFlowRunInput,
  toPbApprovalPolicy,
  toPbStateType,
  toPbTimeoutPolicy,
  toResumeLink,
  toResumeLinkInfo,
  toTaskRun,
  toWaitEvent,
} from "./convert.js";

export interface StateProposal {
  type: StateType;
  name?: string | undefined;
  message?: string | undefined;
}

export interface PauseParams {
  flowRunId: string;
  key: string;
  /** Seconds; null means the pause never expires. */
  timeoutSeconds: number | null;
  inputSchema?: JsonObject | undefined;
  inputDescription?: string | undefined;
  inputInitial?: JsonObject | undefined;
  /** Who may decide the pause and how many must agree; undefined: anyone with runs:resume, one is enough. */
  approval?: ApprovalPolicy | undefined;
  /** What the timeout does; `input` (with "resume") as the server takes it: `{ value }` for primitives. */
  onTimeout?: PauseTimeoutParams | undefined;
}

export interface PauseTimeoutParams {
  /** Default "fail". */
  action?: "fail" | "resume" | undefined;
  input?: JsonObject | undefined;
  remindAfterSeconds?: number | undefined;
}

export interface PauseOutcome {
  flowRun: FlowRun;
  alreadyFired: boolean;
  runInput: JsonObject | undefined;
  /** The resume links the policy asked for, with their tokens: the only place they ever appear. */
  links: ResumeLink[];
}

/** Options of a decision on a pause (resume = approve, or reject). */
export interface DecisionOptions extends CallOptions {
  /**
   * A resume link's token: the call acts as the link's approver and carries the token instead of the
   * client's API key (no key is sent, so a client without one can decide through a link).
   */
  resumeToken?: string | undefined;
  /** Idempotency: a call repeating this id gets the first call's outcome. Default: random. */
  requestId?: string | undefined;
}

export interface CreateFlowRunParams {
  flowName: string;
  name?: string | undefined;
  deploymentId?: string | undefined;
  parameters?: JsonObject | undefined;
  state?: StateProposal | undefined;
  parentFlowRunId?: string | undefined;
  parentTaskRunId?: string | undefined;
  labels?: Record<string, string> | undefined;
}

export interface ListFlowRunsParams {
  stateTypes?: StateType[] | undefined;
  flowName?: string | undefined;
  deploymentId?: string | undefined;
  parentFlowRunId?: string | undefined;
  pageSize?: number | undefined;
  pageToken?: string | undefined;
  /** Only PAUSED runs the caller may decide now and has not approved yet (newest first). */
  awaitingMe?: boolean | undefined;
}

export interface CreateTaskRunParams {
  flowRunId: string;
  taskKey: string;
  dynamicKey: string;
  name?: string | undefined;
  cacheKey?: string | undefined;
}

export interface RunDeploymentParams {
  deploymentId?: string | undefined;
  /** "flow-name/deployment-name". */
  fullName?: string | undefined;
  parameters?: JsonObject | undefined;
  asSubflow?: boolean | undefined;
  parentFlowRunId?: string | undefined;
  flowRunName?: string | undefined;
  /** Idempotency: a call repeating this id gets the run the first call created. Default: random. */
  requestId?: string | undefined;
}

const RUN_SERVICE = "flowgate.v1.RunService";
const DEPLOYMENT_SERVICE = "flowgate.v1.DeploymentService";
const KEY_SERVICE = "flowgate.v1.KeyService";
const AUDIT_SERVICE = "flowgate.v1.AuditService";
const WEBHOOK_SERVICE = "flowgate.v1.WebhookService";
const LOG_SERVICE = "flowgate.v1.LogService";

export interface CreateKeyParams {
  /** The principal the key acts as, e.g. "alice" or "billing-service". */
  name: string;
  /** See SCOPES: runs:read, runs:write, runs:resume, deployments:write, admin. */
  scopes: string[];
  groups?: string[] | undefined;
  /** How long the key lives; undefined or 0: it never expires. */
  expiresInSeconds?: number | undefined;
}

/** One set of credentials for all of the client's channels; grpc-js verifies the server's name against the address's host. */
function channelCredentials(tls: TlsSettings | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  return credentials.createSsl(tls.ca?.pem ?? null, tls.client?.key.pem ?? null, tls.client?.cert.pem ?? null);
}

function timeoutFields(timeoutSeconds: number | null): { timeoutSeconds?: number; noTimeout: boolean } {
  return timeoutSeconds === null ? { noTimeout: true } : { timeoutSeconds, noTimeout: false };
}

export class FlowgateClient {
  readonly address: string;
  private readonly retryUnavailableMs: number;
  // Private fields (not `private`), as they hold the key: util.inspect and JSON.stringify never show them.
  readonly #headers: HeadersInit | undefined;
  /** The same without any `authorization`: for calls that carry a resume link's token instead. */
  readonly #headersWithoutKey: HeadersInit;
  private readonly interceptors: readonly Interceptor[];
  private readonly runs: RunServiceClient;
  private readonly deployments: DeploymentServiceClient;
  private readonly keys: KeyServiceClient;
  private readonly audit: AuditServiceClient;
  readonly #apiKey: string | undefined;
  // Private too: it may hold a client certificate's key given as PEM.
  readonly #tls: TlsSettings | undefined;
  private readonly transport: string;
  /** FLOWGATE_UI_URL of this process, else the server's answer once asked (see uiUrl()). */
  private readonly configuredUiUrl: string | undefined;
  private reportedUiUrl: Promise<string> | undefined;
  #webhooks: WebhooksClient | undefined;
  #logs: LogsClient | undefined;

  /** @throws TlsSettingsError when a TLS setting contradicts another or names a file that cannot be read */
  constructor(config: ClientConfig = {}) {
    this.address = resolveAddress(config);
    // Over TLS too, the key file is read for a loopback address only (see resolveApiKey).
    this.#apiKey = resolveApiKey(config, this.address);
    this.#tls = resolveTls(config.tls);
    this.transport = describeTransport(this.#tls);
    this.retryUnavailableMs = config.retryUnavailableMs ?? 30_000;
    this.configuredUiUrl = configuredUiUrl();
    // The key and the client's name first, so the caller's own headers replace them: the audit trail
    // records the channel from x-flowgate-client (the CLI says "cli").
    const own: Record<string, string> = { "x-flowgate-client": "sdk" };
    if (this.#apiKey !== undefined) own["authorization"] = `Bearer ${this.#apiKey}`;
    this.#headers = mergeHeaders(own, config.headers);
    const withoutKey = mergeHeaders(own, config.headers);
    withoutKey.delete("authorization");
    this.#headersWithoutKey = withoutKey;
    this.interceptors = [...(config.interceptors ?? [])];
    // A paused flow waits on one stream for hours; after a server restart it should find the server
    // again within seconds, not after grpc-js's default back-off of up to two minutes.
    const options = { "grpc.initial_reconnect_backoff_ms": 200, "grpc.max_reconnect_backoff_ms": 3_000 };
    const channel = channelCredentials(this.#tls);
    this.runs = new RunServiceClient(this.address, channel, options);
    this.deployments = new DeploymentServiceClient(this.address, channel, options);
    this.keys = new KeyServiceClient(this.address, channel, options);
    this.audit = new AuditServiceClient(this.address, channel, options);
  }

  /** WebhookService (admin scope): register, list and delete webhooks, and read their deliveries. */
  get webhooks(): WebhooksClient {
    this.#webhooks ??= new WebhooksClient(this.address, channelCredentials(this.#tls), (rpc) => this.setup(WEBHOOK_SERVICE, rpc));
    return this.#webhooks;
  }

  /** LogService: write a run's log records, and page or watch them (runs:write, runs:read). */
  get logs(): LogsClient {
    this.#logs ??= new LogsClient(this.address, channelCredentials(this.#tls), (rpc) => this.setup(LOG_SERVICE, rpc));
    return this.#logs;
  }

  /** Whether calls go over TLS. */
  get tls(): boolean {
    return this.#tls !== undefined;
  }

  /** Closes the channels; calls in flight fail with CANCELLED. */
  close(): void {
    this.runs.close();
    this.deployments.close();
    this.keys.close();
    this.audit.close();
    this.#webhooks?.close();
    this.#logs?.close();
  }

  /**
   * The environment a process started on this client's behalf (a runner's child) needs to reach the
   * same server with the same key and TLS settings, however this client found them.
   */
  childEnv(): Record<string, string> {
    return {
      FLOWGATE_API_ADDRESS: this.address,
      ...(this.#apiKey === undefined ? {} : { FLOWGATE_API_KEY: this.#apiKey }),
      ...tlsChildEnv(this.#tls),
    };
  }

  private setup(service: string, rpc: string, withoutKey = false): CallSetup {
    const headers = withoutKey ? this.#headersWithoutKey : this.#headers;
    return { service, rpc, headers, interceptors: this.interceptors, transport: this.transport };
  }

  private run<Req, Res>(rpc: string, method: UnaryMethod<Req, Res>, request: Req, opts?: CallOptions, withoutKey = false): Promise<Res> {
    const bound = method.bind(this.runs);
    return this.retrying(() => unary(this.setup(RUN_SERVICE, rpc, withoutKey), bound, request, opts), opts?.signal);
  }

  private deployment<Req, Res>(rpc: string, method: UnaryMethod<Req, Res>, request: Req, opts?: CallOptions): Promise<Res> {
    const bound = method.bind(this.deployments);
    return this.retrying(() => unary(this.setup(DEPLOYMENT_SERVICE, rpc), bound, request, opts), opts?.signal);
  }

  /** KeyService calls are not retried: CreateKey has no request id, so a retry could make a second key. */
  private key<Req, Res>(rpc: string, method: UnaryMethod<Req, Res>, request: Req, opts?: CallOptions): Promise<Res> {
    return unary(this.setup(KEY_SERVICE, rpc), method.bind(this.keys), request, opts);
  }

  private stream<Req, Res>(
    rpc: string,
    method: StreamMethod<Req, Res>,
    request: Req,
    opts?: CallOptions,
  ): AsyncGenerator<Res, void, undefined> {
    return serverStream(this.setup(RUN_SERVICE, rpc), method.bind(this.runs), request, opts);
  }

  /**
   * Retries a call while the server is unreachable, for up to `retryUnavailableMs`. Safe for mutating
   * calls because the request (and its request id) is built once: the server answers a retry with
   * the first call's outcome, e.g. when a pause was applied but its response was lost in a crash.
   */
  private async retrying<T>(call: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const deadline = Date.now() + this.retryUnavailableMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (!(err instanceof UnavailableError) || Date.now() >= deadline) throw err;
        await sleep(Math.min(backoffMs(attempt, 100, 2_000), Math.max(deadline - Date.now(), 0)), signal);
      }
    }
  }

  private proposal(p: StateProposal): { type: number; name: string; message: string } {
    return { type: toPbStateType(p.type), name: p.name ?? "", message: clip(p.message ?? "", MAX_STATE_MESSAGE) };
  }

  /** @throws FlowRunNotFoundError (parent), DeploymentNotFoundError, InvalidArgumentError */
  async createFlowRun(p: CreateFlowRunParams, opts?: CallOptions): Promise<FlowRun> {
    const req = runPb.CreateFlowRunRequest.fromPartial({
      flowName: p.flowName,
      name: p.name ?? "",
      deploymentId: p.deploymentId ?? "",
      parameters: p.parameters ?? {},
      ...(p.state ? { state: this.proposal(p.state) } : {}),
      parentFlowRunId: p.parentFlowRunId ?? "",
      parentTaskRunId: p.parentTaskRunId ?? "",
      labels: p.labels ?? {},
      requestId: randomUUID(),
    });
    return toFlowRun((await this.run("CreateFlowRun", this.runs.createFlowRun, req, opts)).flowRun);
  }

  /** @throws FlowRunNotFoundError */
  async getFlowRun(flowRunId: string, opts?: CallOptions): Promise<FlowRun> {
    const req = runPb.GetFlowRunRequest.fromPartial({ flowRunId });
    return toFlowRun((await this.run("GetFlowRun", this.runs.getFlowRun, req, opts)).flowRun);
  }

  async listFlowRuns(p: ListFlowRunsParams = {}, opts?: CallOptions): Promise<{ flowRuns: FlowRun[]; nextPageToken: string }> {
    const req = runPb.ListFlowRunsRequest.fromPartial({
      stateTypes: (p.stateTypes ?? []).map(toPbStateType),
      flowName: p.flowName ?? "",
      deploymentId: p.deploymentId ?? "",
      parentFlowRunId: p.parentFlowRunId ?? "",
      pageSize: p.pageSize ?? 0,
      pageToken: p.pageToken ?? "",
      awaitingMe: p.awaitingMe ?? false,
    });
    const res = await this.run("ListFlowRuns", this.runs.listFlowRuns, req, opts);
    return { flowRuns: res.flowRuns.map(toFlowRun), nextPageToken: res.nextPageToken };
  }

  /** @throws FlowRunNotFoundError, AlreadyFinalError, TransitionRefusedError (the message says why), VersionConflictError */
  async setFlowRunState(flowRunId: string, state: StateProposal, opts: CallOptions & { expectedVersion?: number } = {}): Promise<FlowRun> {
    const req = runPb.SetFlowRunStateRequest.fromPartial({
      flowRunId,
      state: this.proposal(state),
      ...(opts.expectedVersion === undefined ? {} : { expectedVersion: opts.expectedVersion }),
      requestId: randomUUID(),
    });
    return toFlowRun((await this.run("SetFlowRunState", this.runs.setFlowRunState, req, opts)).flowRun);
  }

  /** @throws FlowRunNotFoundError, AlreadyFinalError */
  async cancelFlowRun(flowRunId: string, opts?: CallOptions): Promise<FlowRun> {
    const req = runPb.CancelFlowRunRequest.fromPartial({ flowRunId, requestId: randomUUID() });
    return toFlowRun((await this.run("CancelFlowRun", this.runs.cancelFlowRun, req, opts)).flowRun);
  }

  /** In-process pause. @throws FlowRunNotFoundError, TransitionRefusedError, InvalidArgumentError */
  async pauseFlowRun(p: PauseParams & { reschedule: boolean }, opts?: CallOptions): Promise<PauseOutcome> {
    const req = runPb.PauseFlowRunRequest.fromPartial({ ...pauseFields(p), reschedule: p.reschedule });
    return toPauseOutcome(await this.run("PauseFlowRun", this.runs.pauseFlowRun, req, opts));
  }

  /** @throws FlowRunNotFoundError, TransitionRefusedError ("Cannot suspend subflows.", …), InvalidArgumentError */
  async suspendFlowRun(p: PauseParams, opts?: CallOptions): Promise<PauseOutcome> {
    const req = runPb.SuspendFlowRunRequest.fromPartial(pauseFields(p));
    return toPauseOutcome(await this.run("SuspendFlowRun", this.runs.suspendFlowRun, req, opts));
  }

  /**
   * Resumes a paused run or, when its pause has an approval policy, approves it: `resumed` is false
   * when the approval was recorded and the quorum is not met yet (the run is still PAUSED; the same
   * approver again changes nothing). With `resumeToken`, acts through a resume link.
   * @throws FlowRunNotFoundError, NotPausedError, FlowPauseTimeout, InvalidRunInputError,
   *   NotAnApproverError, SelfApprovalError, ResumeLinkInvalidError, ResumeLinkUsedError, ResumeLinkExpiredError
   */
  async resumeFlowRun(flowRunId: string, runInput?: JsonObject, opts: DecisionOptions = {}): Promise<ResumeResult> {
    const req = runPb.ResumeFlowRunRequest.fromPartial({
      flowRunId,
      runInput,
      requestId: opts.requestId ?? randomUUID(),
      resumeToken: opts.resumeToken ?? "",
    });
    const res = await this.run("ResumeFlowRun", this.runs.resumeFlowRun, req, opts, opts.resumeToken !== undefined);
    return { ...toFlowRun(res.flowRun), resumed: res.resumed };
  }

  /**
   * Rejects a paused run: one reject ends the pause whatever the quorum. The waiting flow's
   * pauseFlowRun throws PauseRejectedError (the run is RUNNING again); a suspended run becomes FAILED
   * "Rejected by <who>: <reason>" and is not re-executed. `reason`: at most 2,000 characters.
   * @throws as resumeFlowRun (InvalidArgumentError for a reason that is too long)
   */
  async rejectFlowRun(flowRunId: string, reason: string, opts: DecisionOptions = {}): Promise<FlowRun> {
    const req = runPb.RejectFlowRunRequest.fromPartial({
      flowRunId,
      reason,
      requestId: opts.requestId ?? randomUUID(),
      resumeToken: opts.resumeToken ?? "",
    });
    return toFlowRun((await this.run("RejectFlowRun", this.runs.rejectFlowRun, req, opts, opts.resumeToken !== undefined)).flowRun);
  }

  /** A run's resume links (never their tokens): whom each is for, and whether it was used or revoked. @throws FlowRunNotFoundError */
  async listResumeLinks(flowRunId: string, opts?: CallOptions): Promise<ResumeLinkInfo[]> {
    const req = runPb.ListResumeLinksRequest.fromPartial({ flowRunId });
    return (await this.run("ListResumeLinks", this.runs.listResumeLinks, req, opts)).links.map((l) => toResumeLinkInfo(l));
  }

  /** Revokes a resume link: refused from then on (revoking it again answers it unchanged). @throws ResumeLinkInvalidError for an unknown id */
  async revokeResumeLink(linkId: string, opts?: CallOptions): Promise<ResumeLinkInfo> {
    const req = runPb.RevokeResumeLinkRequest.fromPartial({ linkId });
    return toResumeLinkInfo((await this.run("RevokeResumeLink", this.runs.revokeResumeLink, req, opts)).link);
  }

  /** One WaitForResume stream, as sent: heartbeats then one final event. No reconnects (see pause/wait-for-resume.ts). */
  async *waitForResume(
    flowRunId: string,
    key: string,
    heartbeatSeconds: number,
    opts?: CallOptions,
  ): AsyncGenerator<WaitEvent, void, undefined> {
    const req = runPb.WaitForResumeRequest.fromPartial({ flowRunId, key, heartbeatSeconds });
    for await (const m of this.stream("WaitForResume", this.runs.waitForResume, req, opts)) yield toWaitEvent(m);
  }

  /** The run's current state, then every change; ends after a final state. */
  async *watchFlowRun(flowRunId: string, opts?: CallOptions): AsyncGenerator<FlowRunEvent, void, undefined> {
    const req = runPb.WatchFlowRunRequest.fromPartial({ flowRunId });
    for await (const m of this.stream("WatchFlowRun", this.runs.watchFlowRun, req, opts)) yield toFlowRunEvent(m.event);
  }

  /** Current states of matching runs, then every change of one. */
  async *watchFlowRuns(
    filter: { stateTypes?: StateType[]; flowName?: string; deploymentId?: string } = {},
    opts?: CallOptions,
  ): AsyncGenerator<FlowRunEvent, void, undefined> {
    const req = runPb.WatchFlowRunsRequest.fromPartial({
      stateTypes: (filter.stateTypes ?? []).map(toPbStateType),
      flowName: filter.flowName ?? "",
      deploymentId: filter.deploymentId ?? "",
    });
    for await (const m of this.stream("WatchFlowRuns", this.runs.watchFlowRuns, req, opts)) yield toFlowRunEvent(m.event);
  }

  /** @throws FlowRunNotFoundError, InputKeyExistsError, InvalidArgumentError */
  /**
   * `senderFlowRunId`: the run this is sent from (where a reply goes); the stored sender is always
   * the caller's principal. (Also sent as the old `sender` field, which older servers read.)
   */
  async createFlowRunInput(
    flowRunId: string,
    key: string,
    value: JsonValue,
    senderFlowRunId = "",
    opts?: CallOptions,
  ): Promise<FlowRunInput> {
    const req = runPb.CreateFlowRunInputRequest.fromPartial({
      flowRunId,
      key,
      value,
      senderFlowRunId,
      sender: senderFlowRunId,
      requestId: randomUUID(),
    });
    return toFlowRunInput((await this.run("CreateFlowRunInput", this.runs.createFlowRunInput, req, opts)).input);
  }

  /** @throws FlowRunNotFoundError, FlowRunInputNotFoundError */
  async readFlowRunInput(flowRunId: string, key: string, opts?: CallOptions): Promise<FlowRunInput> {
    const req = runPb.ReadFlowRunInputRequest.fromPartial({ flowRunId, key });
    return toFlowRunInput((await this.run("ReadFlowRunInput", this.runs.readFlowRunInput, req, opts)).input);
  }

  /** Inputs whose key starts with `keyPrefix`, oldest first. */
  async filterFlowRunInputs(
    flowRunId: string,
    p: { keyPrefix?: string; limit?: number; excludeKeys?: string[] } = {},
    opts?: CallOptions,
  ): Promise<FlowRunInput[]> {
    const req = runPb.FilterFlowRunInputsRequest.fromPartial({
      flowRunId,
      keyPrefix: p.keyPrefix ?? "",
      limit: p.limit ?? 0,
      excludeKeys: p.excludeKeys ?? [],
    });
    return (await this.run("FilterFlowRunInputs", this.runs.filterFlowRunInputs, req, opts)).inputs.map(toFlowRunInput);
  }

  async deleteFlowRunInput(flowRunId: string, key: string, opts?: CallOptions): Promise<void> {
    const req = runPb.DeleteFlowRunInputRequest.fromPartial({ flowRunId, key, requestId: randomUUID() });
    await this.run("DeleteFlowRunInput", this.runs.deleteFlowRunInput, req, opts);
  }

  /** Creates a task run, or returns the existing one with the same flow run, task key and dynamic key. */
  async createTaskRun(p: CreateTaskRunParams, opts?: CallOptions): Promise<{ taskRun: TaskRun; created: boolean }> {
    const req = runPb.CreateTaskRunRequest.fromPartial({
      flowRunId: p.flowRunId,
      taskKey: p.taskKey,
      dynamicKey: p.dynamicKey,
      name: p.name ?? "",
      cacheKey: p.cacheKey ?? "",
      requestId: randomUUID(),
    });
    const res = await this.run("CreateTaskRun", this.runs.createTaskRun, req, opts);
    return { taskRun: toTaskRun(res.taskRun), created: res.created };
  }

  /** With COMPLETED and `persistResult`, the result is stored (under the task run's cache key, if any). */
  async setTaskRunState(
    taskRunId: string,
    state: StateProposal,
    result: { value: JsonValue; persist: boolean } | undefined,
    opts?: CallOptions,
  ): Promise<TaskRun> {
    const req = runPb.SetTaskRunStateRequest.fromPartial({
      taskRunId,
      state: this.proposal(state),
      ...(result ? { result: result.value, persistResult: result.persist } : {}),
      requestId: randomUUID(),
    });
    return toTaskRun((await this.run("SetTaskRunState", this.runs.setTaskRunState, req, opts)).taskRun);
  }

  /** The latest completed task run with a persisted result under `cacheKey`; TaskRunNotFoundError when none. */
  async getTaskRunByCacheKey(cacheKey: string, opts?: CallOptions): Promise<TaskRun> {
    const req = runPb.GetTaskRunRequest.fromPartial({ cacheKey });
    return toTaskRun((await this.run("GetTaskRun", this.runs.getTaskRun, req, opts)).taskRun);
  }

  async getTaskRun(taskRunId: string, opts?: CallOptions): Promise<TaskRun> {
    const req = runPb.GetTaskRunRequest.fromPartial({ taskRunId });
    return toTaskRun((await this.run("GetTaskRun", this.runs.getTaskRun, req, opts)).taskRun);
  }

  /** Creates or updates the deployment with this flow name and name. */
  async createDeployment(
    p: { name: string; flowName: string; entrypoint?: string; parameters?: JsonObject; parameterSchema?: JsonObject | undefined },
    opts?: CallOptions,
  ): Promise<{ deployment: Deployment; created: boolean }> {
    const req = {
      name: p.name,
      flowName: p.flowName,
      entrypoint: p.entrypoint ?? "",
      parameters: p.parameters ?? {},
      parameterSchema: p.parameterSchema,
      requestId: randomUUID(),
    };
    const res = await this.deployment("CreateDeployment", this.deployments.createDeployment, req, opts);
    return { deployment: toDeployment(res.deployment), created: res.created };
  }

  /** By id, or by "flow-name/deployment-name". @throws DeploymentNotFoundError */
  async getDeployment(idOrFullName: { deploymentId: string } | { fullName: string }, opts?: CallOptions): Promise<Deployment> {
    const req = { deploymentId: "", fullName: "", ...idOrFullName };
    return toDeployment((await this.deployment("GetDeployment", this.deployments.getDeployment, req, opts)).deployment);
  }

  async listDeployments(
    p: { flowName?: string; pageSize?: number; pageToken?: string } = {},
    opts?: CallOptions,
  ): Promise<{ deployments: Deployment[]; nextPageToken: string }> {
    const req = { flowName: p.flowName ?? "", pageSize: p.pageSize ?? 0, pageToken: p.pageToken ?? "" };
    const res = await this.deployment("ListDeployments", this.deployments.listDeployments, req, opts);
    return { deployments: res.deployments.map(toDeployment), nextPageToken: res.nextPageToken };
  }

  /** A SCHEDULED run of a deployment; with `asSubflow` linked to `parentFlowRunId`. */
  async runDeployment(p: RunDeploymentParams, opts?: CallOptions): Promise<FlowRun> {
    const req = {
      deploymentId: p.deploymentId ?? "",
      fullName: p.fullName ?? "",
      parameters: p.parameters ?? {},
      asSubflow: p.asSubflow ?? false,
      parentFlowRunId: p.parentFlowRunId ?? "",
      flowRunName: p.flowRunName ?? "",
      requestId: p.requestId ?? randomUUID(),
    };
    return toFlowRun((await this.deployment("RunDeployment", this.deployments.runDeployment, req, opts)).flowRun);
  }

  /** Moves up to `limit` SCHEDULED runs of the deployments to PENDING for this runner. */
  async claimFlowRuns(p: { deploymentIds: string[]; runnerId: string; limit?: number }, opts?: CallOptions): Promise<FlowRun[]> {
    const req = { deploymentIds: p.deploymentIds, runnerId: p.runnerId, limit: p.limit ?? 1 };
    return (await this.deployment("ClaimFlowRuns", this.deployments.claimFlowRuns, req, opts)).flowRuns.map(toFlowRun);
  }

  /** Creates an API key; its secret is in this result only. Scope: admin. @throws InvalidArgumentError, PermissionDeniedError */
  async createKey(p: CreateKeyParams, opts?: CallOptions): Promise<{ key: ApiKey; secret: string }> {
    const req = { name: p.name, scopes: p.scopes, groups: p.groups ?? [], expiresInSeconds: p.expiresInSeconds ?? 0 };
    const res = await this.key("CreateKey", this.keys.createKey, req, opts);
    return { key: toApiKey(res.key), secret: res.secret };
  }

  /** One page of API keys, newest first, without secrets; revoked ones only with `includeRevoked`. Scope: admin. */
  async listKeys(
    p: { pageSize?: number; pageToken?: string; includeRevoked?: boolean } = {},
    opts?: CallOptions,
  ): Promise<{ keys: ApiKey[]; nextPageToken: string }> {
    const req = { pageSize: p.pageSize ?? 0, pageToken: p.pageToken ?? "", includeRevoked: p.includeRevoked ?? false };
    const res = await this.key("ListKeys", this.keys.listKeys, req, opts);
    return { keys: res.keys.map(toApiKey), nextPageToken: res.nextPageToken };
  }

  /** Revokes a key: refused from the next call on. Revoking it again answers it unchanged. Scope: admin. @throws KeyNotFoundError */
  async revokeKey(keyId: string, opts?: CallOptions): Promise<ApiKey> {
    return toApiKey((await this.key("RevokeKey", this.keys.revokeKey, { keyId }, opts)).key);
  }

  /**
   * Audit entries, oldest first: of one run, one principal, and/or a time range [start, end). Scope:
   * runs:read. @throws InvalidArgumentError (page size or token, end before start)
   */
  async listAuditEvents(
    p: { flowRunId?: string; principal?: string; start?: Date; end?: Date; pageSize?: number; pageToken?: string } = {},
    opts?: CallOptions,
  ): Promise<{ events: AuditEvent[]; nextPageToken: string }> {
    const req = {
      flowRunId: p.flowRunId ?? "",
      principal: p.principal ?? "",
      startTime: p.start,
      endTime: p.end,
      pageSize: p.pageSize ?? 0,
      pageToken: p.pageToken ?? "",
    };
    const bound = this.audit.listAuditEvents.bind(this.audit);
    const res = await this.retrying(() => unary(this.setup(AUDIT_SERVICE, "ListAuditEvents"), bound, req, opts), opts?.signal);
    return { events: res.events.map(toAuditEvent), nextPageToken: res.nextPageToken };
  }

  /** Recomputes the server's whole audit chain: intact, or the first entry where it breaks. Scope: admin. */
  async verifyAuditChain(opts?: CallOptions): Promise<AuditChainVerdict> {
    const bound = this.audit.verifyAuditChain.bind(this.audit);
    return toAuditChainVerdict(
      await this.retrying(() => unary(this.setup(AUDIT_SERVICE, "VerifyAuditChain"), bound, {}, opts), opts?.signal),
    );
  }

  /** Who this client's calls act as. @throws UnauthenticatedError when the key is missing, unknown, expired or revoked */
  async getCaller(opts?: CallOptions): Promise<Caller> {
    return toCaller(await this.key("GetCaller", this.keys.getCaller, {}, opts));
  }

  /**
   * The web UI's base address ("http://127.0.0.1:4200", no trailing slash): FLOWGATE_UI_URL of this
   * process when set, else the address the server reports serving it on (asked once, then kept).
   * Empty when the server reports none (an older server).
   * @throws UnauthenticatedError as getCaller does, when the server must be asked
   */
  async uiUrl(opts?: CallOptions): Promise<string> {
    if (this.configuredUiUrl !== undefined) return this.configuredUiUrl;
    const asking = (this.reportedUiUrl ??= this.key("GetCaller", this.keys.getCaller, {}, opts).then((r) => withoutTrailingSlash(r.uiUrl)));
    try {
      const url = await asking;
      // An empty answer is not kept: the HTTP server may not have been up yet.
      if (!url && this.reportedUiUrl === asking) this.reportedUiUrl = undefined;
      return url;
    } catch (err) {
      // A failed (or aborted) question is asked again next time.
      if (this.reportedUiUrl === asking) this.reportedUiUrl = undefined;
      throw err;
    }
  }

  /** A run's page in the web UI, e.g. "http://127.0.0.1:4200/runs/<id>"; undefined when the UI's address is unknown. */
  async runUrl(flowRunId: string, opts?: CallOptions): Promise<string | undefined> {
    const base = await this.uiUrl(opts);
    return base ? runPageUrl(base, flowRunId) : undefined;
  }
}

/** The fields PauseFlowRun and SuspendFlowRun share (a suspend is a pause that reschedules). */
function pauseFields(p: PauseParams): runPb.DeepPartial<runPb.SuspendFlowRunRequest> {
  return {
    flowRunId: p.flowRunId,
    key: p.key,
    ...timeoutFields(p.timeoutSeconds),
    inputSchema: p.inputSchema,
    inputDescription: p.inputDescription ?? "",
    inputInitial: p.inputInitial,
    requestId: randomUUID(),
    ...(p.approval ? { approval: toPbApprovalPolicy(p.approval) } : {}),
    ...(p.onTimeout ? { onTimeout: toPbTimeoutPolicy(p.onTimeout) } : {}),
  };
}

function toPauseOutcome(res: runPb.PauseFlowRunResponse): PauseOutcome {
  return { flowRun: toFlowRun(res.flowRun), alreadyFired: res.alreadyFired, runInput: res.runInput, links: res.links.map(toResumeLink) };
}

/**
 * The server's limit on a state's message (characters). A flow's error text can be any length; cut
 * here, a FAILED state is still recorded instead of being refused and leaving the run RUNNING.
 */
export const MAX_STATE_MESSAGE = 4_000;

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}
