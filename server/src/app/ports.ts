/**
 * What the application needs from storage, declared here so that the application depends on these
 * interfaces and the store (server/src/store) implements them. Records are plain data; no document
 * shape, id field or driver type crosses this line.
 */
import type { FlowRun, JsonObject, PastState, PauseRecord } from "../domain/flow-run.js";
import type { State } from "../domain/states.js";
import type { TaskRun } from "../domain/task-run.js";
import type { ApiKeyRecord } from "../domain/access.js";
import type { AuditEvent } from "../domain/audit.js";
import type { WebhookDeliveryStore, WebhookStore } from "./webhook-ports.js";
import type { LogStores } from "./log-ports.js";
import type { WriteOptions } from "./apply-transition.js";

export type TaskRunRecord = TaskRun;

export interface FlowRunInputRecord {
  flowRunId: string;
  key: string;
  value: unknown;
  /** The principal that stored it (set by the server from the caller, never from the request). */
  sender?: string;
  /** The flow run it says it was sent from (where receive_input replies go). */
  senderFlowRunId?: string;
  createdAt: Date;
}

export interface DeploymentRecord {
  id: string;
  name: string;
  flowName: string;
  entrypoint: string;
  parameters: JsonObject;
  /** JSON Schema its runs' parameters (merged over `parameters`) must match; absent when the flow declares none. */
  parameterSchema?: JsonObject;
  createdAt: Date;
  /** The principal that created it; absent on deployments stored before owners were recorded. */
  owner?: string;
}

/** One state change, as written to the shared event feed. */
export interface RunEvent {
  /** Unique per event; lets every server skip events it has already delivered. */
  id: string;
  run: FlowRun;
  previousState?: State;
}

export interface RunFilter {
  stateTypes?: readonly State["type"][];
  flowName?: string;
  deploymentId?: string;
  parentFlowRunId?: string;
  /** Runs whose name contains this text, ignoring case (matched literally). */
  nameContains?: string;
  /** Created at or after. */
  createdAfter?: Date;
  /** Created before. */
  createdBefore?: Date;
}

/** The stored outcome of a mutating call, replayed to a retry with the same request id. */
export type StoredOutcome =
  | { ok: true; value: unknown }
  | { ok: false; reason?: string; kind?: string; message: string; violations: { field: string; description: string }[] };

/**
 * A version-guarded write: `apply(next)` stores `next` only if the record is still at
 * `next.version - 1`, and tells whether it did. Of writers that read the same version, exactly one
 * gets true; the others re-read and decide again. A write that finds the version claimed by a writer
 * that died finishes that writer's update and reports it through `options.finished` (see WriteOptions).
 */
export interface VersionedStore<T extends { version: number }> {
  apply(next: T, options?: WriteOptions<T>): Promise<boolean>;
}

export interface FlowRunStore extends VersionedStore<FlowRun> {
  /** False when a run with this id exists already (nothing is written then). */
  insert(run: FlowRun): Promise<boolean>;
  get(id: string): Promise<FlowRun | undefined>;
  /** Newest first. */
  list(filter: RunFilter, offset: number, limit: number): Promise<FlowRun[]>;
  /** How many runs match `filter` (its state types aside), by their state's type; types with none are absent. */
  countByState(filter: RunFilter): Promise<Partial<Record<State["type"], number>>>;
  findPaused(): Promise<FlowRun[]>;
  findByIds(ids: readonly string[]): Promise<FlowRun[]>;
  /** Oldest first. */
  findScheduled(deploymentIds: readonly string[], limit: number): Promise<FlowRun[]>;
}

export interface TaskRunStore extends VersionedStore<TaskRunRecord> {
  /** Inserts, or returns the existing task run with the same (flow run, task key, dynamic key). */
  findOrCreate(record: TaskRunRecord): Promise<{ taskRun: TaskRunRecord; created: boolean }>;
  get(id: string): Promise<TaskRunRecord | undefined>;
  countFor(flowRunId: string, taskKey: string): Promise<number>;
  /** Makes the task run's result the one found by `cacheKey`. */
  putResult(cacheKey: string, taskRunId: string, now: Date): Promise<void>;
  getByCacheKey(cacheKey: string): Promise<TaskRunRecord | undefined>;
  /** A flow run's task runs, oldest first. */
  listByFlowRun(flowRunId: string, offset: number, limit: number): Promise<TaskRunRecord[]>;
}

export interface FlowRunInputStore {
  /** Fails with INPUT_KEY_EXISTS when the run already has the key. */
  create(input: FlowRunInputRecord): Promise<void>;
  /** Writes or overwrites. */
  put(input: FlowRunInputRecord): Promise<void>;
  read(flowRunId: string, key: string): Promise<FlowRunInputRecord | undefined>;
  /** Oldest first; the key prefix is matched literally. */
  filter(flowRunId: string, keyPrefix: string, excludeKeys: readonly string[], limit: number): Promise<FlowRunInputRecord[]>;
  delete(flowRunId: string, key: string): Promise<boolean>;
  deleteIfPresent(flowRunId: string, keys: readonly string[]): Promise<void>;
}

export interface DeploymentStore {
  /**
   * Creates, or updates entrypoint and parameters of the deployment with the same flow and name.
   * With `onlyOwnedBy`, an existing deployment is updated only when that principal owns it; otherwise
   * nothing changes and it fails with DEPLOYMENT_EXISTS. One without an owner yet (stored before owners
   * were recorded) gets `record.owner` when it is changed.
   */
  upsert(record: DeploymentRecord, onlyOwnedBy?: string): Promise<{ deployment: DeploymentRecord; created: boolean }>;
  get(id: string): Promise<DeploymentRecord | undefined>;
  getByName(flowName: string, name: string): Promise<DeploymentRecord | undefined>;
  list(flowName: string | undefined, offset: number, limit: number): Promise<DeploymentRecord[]>;
}

/**
 * What the request log holds for a request id: the call's outcome once it is known, before that the
 * reservation of the call doing the work (its owner token and how long the owner is trusted to live).
 */
export type RequestLogEntry = { state: "done"; outcome: StoredOutcome } | { state: "pending"; owner: string; leaseUntil: Date };

/**
 * The request log. Every operation addresses one entry by its id alone: the embedded store applies a
 * filtered write non-atomically, but a unique insert atomically, so each race here is won by an insert.
 */
export interface RequestLogStore {
  /** Reserves `id` for `owner` if the log holds nothing for it; of concurrent reservers exactly one gets true. */
  reserve(id: string, owner: string, leaseUntil: Date, now: Date): Promise<boolean>;
  read(id: string): Promise<RequestLogEntry | undefined>;
  /**
   * Takes over the reservation of an owner `from` whose lease ran out: of concurrent takers of that
   * owner's reservation exactly one gets true, and the reservation is then `owner`'s. False too when
   * the entry no longer is `from`'s reservation (its outcome arrived, or it was released).
   */
  takeOver(id: string, from: string, owner: string, leaseUntil: Date, now: Date): Promise<boolean>;
  /** Replaces `owner`'s reservation with the call's outcome. */
  complete(id: string, owner: string, outcome: StoredOutcome, now: Date): Promise<void>;
  /** Drops `owner`'s reservation, so that the next try with this id does the work. */
  release(id: string, owner: string): Promise<void>;
  /** The outcome, once there is one. */
  get(id: string): Promise<StoredOutcome | undefined>;
  /** Stores an outcome without a reservation; first writer wins, a concurrent duplicate keeps the first outcome. */
  put(id: string, outcome: StoredOutcome, now: Date): Promise<void>;
  deleteOlderThan(cutoff: Date): Promise<void>;
}

/** The feed every server appends its state changes to and reads the others' from, numbered 1, 2, 3, … */
export interface EventFeedStore {
  /** The current end of the feed. */
  readHead(): Promise<number>;
  /** Appends and returns the event's number. */
  append(run: FlowRun, previousState: State | undefined): Promise<number>;
  /** The event with this number, if it has been written. */
  get(n: number): Promise<RunEvent | undefined>;
  deleteOlderThan(cutoff: Date): Promise<number>;
}

/**
 * A server's entry in the store's list of live servers, through which servers on one store learn where
 * to send each other wake-up hints (peer-wakeups.ts). Each server refreshes its own and drops expired ones.
 */
export interface ServerRegistration {
  id: string;
  /** Where this server receives wake-up hints ("host:port", UDP). */
  address: string;
  /** The machine's host name, to tell a loopback address that other machines cannot reach. */
  hostName: string;
  expiresAt: Date;
}

export interface ServerRegistryStore {
  /** Writes or refreshes an entry. */
  put(entry: ServerRegistration): Promise<void>;
  /** Entries that have not expired at `now`. */
  listLive(now: Date): Promise<ServerRegistration[]>;
  remove(id: string): Promise<void>;
  deleteExpired(now: Date): Promise<number>;
}

export interface ApiKeyStore {
  /** Inserts a new key; when `onlyIfFirst`, only while no key exists at all (first start), else false. */
  insert(key: ApiKeyRecord, opts?: { onlyIfFirst?: boolean }): Promise<boolean>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Newest first. */
  list(offset: number, limit: number, includeRevoked: boolean): Promise<ApiKeyRecord[]>;
  /** Sets `revokedAt` unless already set; the key as stored afterwards, undefined when there is none. */
  revoke(id: string, at: Date): Promise<ApiKeyRecord | undefined>;
}

/** A web UI session: only a hash of its secret is stored; it acts for the key it was opened with. */
export interface SessionRecord {
  /** SHA-256 of the session secret (the cookie's value), hex. */
  idHash: string;
  keyId: string;
  createdAt: Date;
  /** When a request last used it (updated at most about once a minute). */
  lastSeenAt: Date;
  /** The end of its life however active it is. */
  expiresAt: Date;
}

export interface SessionStore {
  insert(session: SessionRecord): Promise<void>;
  get(idHash: string): Promise<SessionRecord | undefined>;
  touch(idHash: string, at: Date): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Deletes sessions idle since before `idleCutoff` or past their `expiresAt`; how many. */
  deleteEnded(idleCutoff: Date, now: Date): Promise<number>;
}

export interface AuditFilter {
  flowRunId?: string;
  principal?: string;
  /** At or after. */
  from?: Date;
  /** Before. */
  to?: Date;
}

/** The audit trail: append-only, numbered 1, 2, 3, … with no gaps across every server sharing the store. */
export interface AuditStore {
  /**
   * Appends the entry `seal(seq, prevHash)` makes for the next free number, `prevHash` being the hash
   * of the entry before it; when another writer takes that number first, seals again for the next.
   */
  append(seal: (seq: number, prevHash: string) => AuditEvent): Promise<AuditEvent>;
  /** Matching entries with a number above `afterSeq`, oldest first. */
  list(filter: AuditFilter, afterSeq: number, limit: number): Promise<AuditEvent[]>;
  /** Matching entries with a number below `beforeSeq` (every number when 0), newest first. */
  listNewestFirst(filter: AuditFilter, beforeSeq: number, limit: number): Promise<AuditEvent[]>;
}

/** Ended pauses that left their run's document (FlowRun.pauses); each is final. */
export interface EndedPauseStore {
  put(flowRunId: string, pauses: readonly PauseRecord[]): Promise<void>;
  get(flowRunId: string, key: string): Promise<PauseRecord | undefined>;
}

/** The states runs have left (FlowRun.leftState), for their timelines; each is final. */
export interface StateHistoryStore {
  put(flowRunId: string, state: PastState): Promise<void>;
  /** The run's latest `limit` past states, oldest first. */
  latest(flowRunId: string, limit: number): Promise<PastState[]>;
}

/** A resume link as stored: its token only as a hash. */
export interface ResumeLinkRecord {
  /** SHA-256 of the token, hex. */
  tokenHash: string;
  id: string;
  flowRunId: string;
  pauseKey: string;
  pauseInstanceId: string;
  /** The principal it acts for; absent for a shared link. */
  approver?: string;
  createdAt: Date;
  /** Set (after the decision is stored) once it was used; the run's pause is the authority on use. */
  usedAt?: Date;
  revokedAt?: Date;
}

export interface ResumeLinkStore {
  insertMany(links: readonly ResumeLinkRecord[]): Promise<void>;
  byTokenHash(tokenHash: string): Promise<ResumeLinkRecord | undefined>;
  byId(id: string): Promise<ResumeLinkRecord | undefined>;
  listByRun(flowRunId: string): Promise<ResumeLinkRecord[]>;
  markRevoked(id: string, at: Date): Promise<void>;
  markUsed(id: string, at: Date): Promise<void>;
}

export interface Store {
  readonly runs: FlowRunStore;
  readonly inputs: FlowRunInputStore;
  readonly taskRuns: TaskRunStore;
  readonly deployments: DeploymentStore;
  readonly requests: RequestLogStore;
  readonly events: EventFeedStore;
  /** The servers on this store and their wake-up addresses. */
  readonly servers: ServerRegistryStore;
  readonly keys: ApiKeyStore;
  readonly audit: AuditStore;
  readonly sessions: SessionStore;
  readonly resumeLinks: ResumeLinkStore;
  readonly endedPauses: EndedPauseStore;
  readonly stateHistory: StateHistoryStore;
  /** Run logs (log-ports.ts). */
  readonly logs: LogStores;
  /** The compatibility strategy the store was opened with ("mongodb", "ferretdb"), for logs. */
  readonly strategy: string;
  /** Drops bookkeeping of version-guarded writes older than the cutoff (some strategies keep none). */
  trimWriteGuards(cutoff: Date): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  readonly webhooks: WebhookStore;
  /** The webhooks' outbox. */
  readonly webhookDeliveries: WebhookDeliveryStore;
}

/**
 * The store could not be reached (as opposed to a refusal or a bug): callers may retry shortly. Store
 * implementations raise this, with the driver's error as `cause`, for every failure of that kind.
 */
export class StoreUnavailableError extends Error {
  constructor(options: { cause: unknown }) {
    super("The store is unavailable.", options);
    this.name = "StoreUnavailableError";
  }
}

export function isStoreUnavailable(err: unknown): boolean {
  return err instanceof StoreUnavailableError;
}

/** A wait stopped by the call's signal (AbortSignal's reason): the caller went away, or the server is stopping. */
export function isCallAborted(err: unknown): boolean {
  return err instanceof Error && err.name === "AbortError";
}
