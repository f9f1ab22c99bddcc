/** flowgate: flows and tasks that pause, suspend and resume with typed human input. */
export { flow, type Flow, type FlowOptions, type StateFlow } from "./runtime/flow.js";
export { executeFlowRun } from "./runtime/execute-flow-run.js";
export { task, type Task, type TaskOptions, type TaskCallOptions, type StateTask } from "./runtime/task.js";
export { TaskFuture, type Waitable } from "./runtime/task-future.js";
export { State } from "./runtime/state.js";
export { currentFlowRun } from "./runtime/run-context.js";
export { setRunLogSink, type RunLogSink } from "./runtime/log-prints.js";
export { getRunLogger, type RunLogger } from "./logs/run-logger.js";
export { flushRunLogs } from "./logs/shippers.js";
export { followLogs, type FollowLogsOptions } from "./logs/follow-logs.js";
export { LogsClient } from "./transport/logs-client.js";
export { LOG_LEVELS } from "./logs/log-types.js";
export type {
  CreateLogsResult,
  ListLogsParams,
  LogFilterParams,
  LogLevel,
  LogPage,
  LogRecordInput,
  LogWatchMessage,
  RunLog,
  WatchLogsParams,
} from "./logs/log-types.js";
export { pauseFlowRun, type PauseOptions } from "./pause/pause-flow-run.js";
export { suspendFlowRun, type SuspendOptions } from "./pause/suspend-flow-run.js";
export { resumeFlowRun, resumeFlowRunWith, rejectFlowRun, type ResumeOptions } from "./pause/resume-flow-run.js";
export type { ApprovalOptions, ApprovedInput, OnPaused, PausedInfo, TimeoutPolicy } from "./pause/approval.js";
export { waitForPauseEnd, type WaitOptions } from "./pause/wait-for-resume.js";
export { RunInput, type InitialData, type InputSchema, type RunInputOptions } from "./inputs/run-input.js";
export { sendInput, DEFAULT_INPUT_KEY_PREFIX, type SendInputOptions } from "./inputs/send-input.js";
export { receiveInput, ReceiveInputTimeoutError, type ReceiveInputOptions, type ReceivedInput } from "./inputs/receive-input.js";
export { serve, type ServeHandle, type ServeOptions, type ServeReady, type ServableFlow } from "./runner/serve.js";
export { runDeployment, type RunDeploymentOptions } from "./runner/run-deployment.js";
export { getClient, configure } from "./client.js";
export { DEFAULT_API_ADDRESS, type ClientConfig } from "./config.js";
export { TlsSettingsError, type PemSource, type TlsOptions } from "./tls.js";
export { FlowgateClient, MAX_STATE_MESSAGE } from "./transport/flowgate-client.js";
export type {
  StateProposal,
  PauseParams,
  PauseOutcome,
  PauseTimeoutParams,
  DecisionOptions,
  CreateFlowRunParams,
  ListFlowRunsParams,
  CreateKeyParams,
} from "./transport/flowgate-client.js";
export type { CallKind, CallNext, CallRequest, HeadersInit, Interceptor } from "./transport/interceptor.js";
export { WebhooksClient, type CreateWebhookParams } from "./transport/webhooks-client.js";
export { WEBHOOK_EVENTS } from "./webhook-types.js";
export type { DeliveryAttempt, DeliveryStatus, Webhook, WebhookDelivery, WebhookEventName } from "./webhook-types.js";
export { StateType, isFinalStateType, SCOPES } from "./types.js";
export type {
  Actor,
  ApiKey,
  Approval,
  ApprovalPolicy,
  AuditChainVerdict,
  AuditEvent,
  AuditState,
  CallOptions,
  Caller,
  Deployment,
  FlowRun,
  FlowRunEvent,
  FlowRunInput,
  JsonObject,
  JsonValue,
  Pause,
  PauseApprovalPolicy,
  PauseTimeoutPolicy,
  Rejection,
  ResumeLink,
  ResumeLinkInfo,
  ResumeLinkMode,
  ResumeResult,
  RunState,
  Scope,
  StateDetails,
  TaskRun,
  WaitEvent,
  WaitEventType,
} from "./types.js";
export * from "./errors.js";
