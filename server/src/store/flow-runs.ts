import type { Collection, Db, Filter } from "mongodb";
import type { ApprovalRecord, TimeoutPolicy } from "../domain/approval.js";
import type { FlowRun, JsonObject, PauseRecord } from "../domain/flow-run.js";
import type { StateType } from "../domain/states.js";
import { COLLECTIONS } from "./collections.js";
import { isDuplicateKey } from "./store-errors.js";
import { fromJsonText, optionalFromJsonText, optionalToJsonText, toJsonText } from "./json-text.js";
import type { EndedPauseStore, FlowRunStore, RunFilter, StateHistoryStore } from "../app/ports.js";
import type { WriteOptions } from "../app/apply-transition.js";
import type { StoreStrategy } from "./compat/strategy.js";

/** An approval as stored: its input as text. */
type ApprovalDocument = Omit<ApprovalRecord, "input"> & { input?: string };

/** A pause record as stored: user-supplied JSON as text (see json-text.ts). */
export type PauseDocument = Omit<PauseRecord, "inputSchema" | "inputInitial" | "runInput" | "approvals" | "onTimeout"> & {
  inputSchema?: string;
  inputInitial?: string;
  runInput?: string;
  approvals?: ApprovalDocument[];
  onTimeout?: Omit<TimeoutPolicy, "input"> & { input?: string };
};

type FlowRunDocument = Omit<FlowRun, "id" | "parameters" | "labels" | "pauses" | "evictedPauses" | "leftState"> & {
  _id: string;
  parameters: string;
  labels: string;
  pauses: Record<string, PauseDocument>;
  /** Runs stored before the history left the document (see state-history.ts) still carry theirs. */
  stateHistory?: unknown;
};

export type { FlowRunDocument };

/** `value` with its `input` field (user JSON) as text, or without it. */
function withInputText<T extends { input?: JsonObject }>(value: T): Omit<T, "input"> & { input?: string } {
  const { input, ...rest } = value;
  const text = optionalToJsonText(input);
  return text === undefined ? rest : { ...rest, input: text };
}

function withInputJson<T extends { input?: string }>(value: T): Omit<T, "input"> & { input?: JsonObject } {
  const { input, ...rest } = value;
  const json = optionalFromJsonText<JsonObject>(input);
  return json === undefined ? rest : { ...rest, input: json };
}

export function pauseToDocument(p: PauseRecord): PauseDocument {
  const { inputSchema, inputInitial, runInput, approvals, onTimeout, ...rest } = p;
  const doc: PauseDocument = { ...rest };
  const schema = optionalToJsonText(inputSchema);
  const initial = optionalToJsonText(inputInitial);
  const input = optionalToJsonText(runInput);
  if (schema !== undefined) doc.inputSchema = schema;
  if (initial !== undefined) doc.inputInitial = initial;
  if (input !== undefined) doc.runInput = input;
  if (approvals) doc.approvals = approvals.map(withInputText);
  if (onTimeout) doc.onTimeout = withInputText(onTimeout);
  return doc;
}

export function pauseFromDocument(d: PauseDocument): PauseRecord {
  const { inputSchema, inputInitial, runInput, approvals, onTimeout, ...rest } = d;
  const p: PauseRecord = { ...rest };
  const schema = optionalFromJsonText<JsonObject>(inputSchema);
  const initial = optionalFromJsonText<JsonObject>(inputInitial);
  const input = optionalFromJsonText<JsonObject>(runInput);
  if (schema !== undefined) p.inputSchema = schema;
  if (initial !== undefined) p.inputInitial = initial;
  if (input !== undefined) p.runInput = input;
  if (approvals) p.approvals = approvals.map(withInputJson);
  if (onTimeout) p.onTimeout = withInputJson(onTimeout);
  return p;
}

function pausesToDocument(pauses: FlowRun["pauses"]): Record<string, PauseDocument> {
  return Object.fromEntries(Object.entries(pauses).map(([k, p]) => [k, pauseToDocument(p)]));
}

export function toRun(doc: FlowRunDocument): FlowRun {
  const { _id, parameters, labels, pauses, stateHistory: _legacy, ...rest } = doc;
  return {
    id: _id,
    ...rest,
    parameters: fromJsonText<JsonObject>(parameters),
    labels: fromJsonText<Record<string, string>>(labels),
    pauses: Object.fromEntries(Object.entries(pauses).map(([k, p]) => [k, pauseFromDocument(p)])),
  };
}

export function toDocument(run: FlowRun): FlowRunDocument {
  const { id, parameters, labels, pauses, evictedPauses: _evicted, leftState: _left, ...rest } = run;
  return { _id: id, ...rest, parameters: toJsonText(parameters), labels: toJsonText(labels), pauses: pausesToDocument(pauses) };
}

/** Flow runs, with their current state and pause records embedded. */
export class FlowRunRepository implements FlowRunStore {
  private readonly runs: Collection<FlowRunDocument>;

  constructor(
    db: Db,
    private readonly strategy: StoreStrategy,
    private readonly archive: EndedPauseStore,
    private readonly history: StateHistoryStore,
  ) {
    this.runs = db.collection<FlowRunDocument>(COLLECTIONS.flowRuns);
  }

  async insert(run: FlowRun): Promise<boolean> {
    try {
      await this.runs.insertOne(toDocument(run));
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async get(id: string): Promise<FlowRun | undefined> {
    const doc = await this.runs.findOne({ _id: id });
    return doc ? toRun(doc) : undefined;
  }

  /**
   * Stores the run's next version only if the run is still at the version before (see
   * StoreStrategy.versionedUpdate). False means another writer got there first; the caller re-reads
   * and decides again; `options.finished` hears of a dead writer's version finished instead.
   */
  async apply(run: FlowRun, options: WriteOptions<FlowRun> = {}): Promise<boolean> {
    const set: Partial<FlowRunDocument> = {
      ...(run.state ? { state: run.state } : {}),
      pauses: pausesToDocument(run.pauses),
      ...(run.pauseCount !== undefined ? { pauseCount: run.pauseCount } : {}),
      ...(run.startedAt ? { startedAt: run.startedAt } : {}),
      resuming: run.resuming,
      runCount: run.runCount,
      version: run.version,
      updatedAt: run.updatedAt,
    };
    // Both land before the change: an ended pause is always in the document or the archive, and a
    // state the run left is in its history (writing either early is harmless: each is final).
    const { evictedPauses, leftState } = run;
    const { signal, finished, committed } = options;
    const archiving = evictedPauses && evictedPauses.length > 0 ? this.archive.put(run.id, evictedPauses) : undefined;
    return this.strategy.versionedUpdate(this.runs, "run", run.id, run.version, set, (doc) => doc.state?.id === run.state?.id, {
      signal,
      committed,
      finished: finished && ((doc) => finished(toRun(doc))),
      // An archived pause must never be skipped (a finished claim would drop it from the run); a past
      // state missing from the timeline after a failed write loses nothing of the run.
      ready: options.ready || archiving ? Promise.all([options.ready, archiving]) : undefined,
      alongside: leftState ? this.history.put(run.id, leftState) : undefined,
    });
  }

  /** Newest first. FerretDB sorts in memory; fine for the page sizes the API allows. */
  async list(filter: RunFilter, offset: number, limit: number): Promise<FlowRun[]> {
    const docs = await this.runs.find(toMongoFilter(filter)).sort({ createdAt: -1, _id: 1 }).skip(offset).limit(limit).toArray();
    return docs.map(toRun);
  }

  /** One aggregate grouped by state type: the store counts, and no run document comes to the server. */
  async countByState(filter: RunFilter): Promise<Partial<Record<StateType, number>>> {
    const { stateTypes: _all, ...rest } = filter;
    const groups = await this.runs
      .aggregate<{ _id: StateType | null; n: number }>([
        { $match: toMongoFilter(rest) },
        { $group: { _id: "$state.type", n: { $sum: 1 } } },
      ])
      .toArray();
    const counts: Partial<Record<StateType, number>> = {};
    for (const g of groups) if (g._id) counts[g._id] = g.n;
    return counts;
  }

  async findPaused(): Promise<FlowRun[]> {
    const docs = await this.runs.find({ "state.type": "PAUSED" }).toArray();
    return docs.map(toRun);
  }

  async findByIds(ids: readonly string[]): Promise<FlowRun[]> {
    if (ids.length === 0) return [];
    const docs = await this.runs.find({ _id: { $in: [...ids] } }).toArray();
    return docs.map(toRun);
  }

  async findScheduled(deploymentIds: readonly string[], limit: number): Promise<FlowRun[]> {
    const docs = await this.runs
      .find({ deploymentId: { $in: [...deploymentIds] }, "state.type": "SCHEDULED" })
      .sort({ createdAt: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toRun);
  }
}

function toMongoFilter(filter: RunFilter): Filter<FlowRunDocument> {
  const f: Filter<FlowRunDocument> = {};
  if (filter.stateTypes && filter.stateTypes.length > 0) f["state.type"] = { $in: [...filter.stateTypes] };
  if (filter.flowName) f.flowName = filter.flowName;
  if (filter.deploymentId) f.deploymentId = filter.deploymentId;
  if (filter.parentFlowRunId) f.parentFlowRunId = filter.parentFlowRunId;
  if (filter.nameContains) f.name = { $regex: escapeRegex(filter.nameContains), $options: "i" };
  if (filter.createdAfter || filter.createdBefore) {
    f.createdAt = {
      ...(filter.createdAfter ? { $gte: filter.createdAfter } : {}),
      ...(filter.createdBefore ? { $lt: filter.createdBefore } : {}),
    };
  }
  return f;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
