import { MongoServerError, type Collection, type Db } from "mongodb";
import { COLLECTIONS } from "./collections.js";
import { optionalFromJsonText, optionalToJsonText } from "./json-text.js";
import type { TaskRunRecord, TaskRunStore } from "../app/ports.js";
import type { StoreStrategy } from "./compat/strategy.js";
import type { WriteOptions } from "../app/apply-transition.js";

type TaskRunDocument = Omit<TaskRunRecord, "id" | "result"> & { _id: string; result?: string };
interface ResultDocument {
  _id: string;
  taskRunId: string;
  createdAt: Date;
}

const DUPLICATE_KEY = 11000;

function toRecord(doc: TaskRunDocument): TaskRunRecord {
  const { _id, result, ...rest } = doc;
  return { id: _id, ...rest, ...(result !== undefined ? { result: optionalFromJsonText<unknown>(result) } : {}) };
}

function toDocument(record: TaskRunRecord): TaskRunDocument {
  const { id, result, ...rest } = record;
  const text = optionalToJsonText(result);
  return { _id: id, ...rest, ...(text !== undefined ? { result: text } : {}) };
}

/** Task runs and the index of persisted results by cache key. */
export class TaskRunRepository implements TaskRunStore {
  private readonly taskRuns: Collection<TaskRunDocument>;
  private readonly results: Collection<ResultDocument>;

  constructor(
    db: Db,
    private readonly strategy: StoreStrategy,
  ) {
    this.taskRuns = db.collection<TaskRunDocument>(COLLECTIONS.taskRuns);
    this.results = db.collection<ResultDocument>(COLLECTIONS.results);
  }

  /** Inserts, or returns the existing task run with the same (flow run, task key, dynamic key). */
  async findOrCreate(record: TaskRunRecord): Promise<{ taskRun: TaskRunRecord; created: boolean }> {
    try {
      await this.taskRuns.insertOne(toDocument(record));
      return { taskRun: record, created: true };
    } catch (err) {
      if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) throw err;
      const existing = await this.taskRuns.findOne({
        flowRunId: record.flowRunId,
        taskKey: record.taskKey,
        dynamicKey: record.dynamicKey,
      });
      if (!existing) throw err;
      return { taskRun: toRecord(existing), created: false };
    }
  }

  async get(id: string): Promise<TaskRunRecord | undefined> {
    const doc = await this.taskRuns.findOne({ _id: id });
    return doc ? toRecord(doc) : undefined;
  }

  async countFor(flowRunId: string, taskKey: string): Promise<number> {
    return this.taskRuns.countDocuments({ flowRunId, taskKey });
  }

  /** Conditional on the version read, like flow runs (see StoreStrategy.versionedUpdate). */
  async apply(next: TaskRunRecord, options: WriteOptions<TaskRunRecord> = {}): Promise<boolean> {
    const { _id, ...set } = toDocument(next);
    const { signal, finished, ready } = options;
    return this.strategy.versionedUpdate(this.taskRuns, "task", _id, next.version, set, (doc) => doc.state?.id === next.state?.id, {
      signal,
      finished: finished && ((doc) => finished(toRecord(doc))),
      ready,
    });
  }

  async putResult(cacheKey: string, taskRunId: string, now: Date): Promise<void> {
    await this.results.replaceOne({ _id: cacheKey }, { taskRunId, createdAt: now }, { upsert: true });
  }

  /** By the (flow run, created at) index (collections.ts). */
  async listByFlowRun(flowRunId: string, offset: number, limit: number): Promise<TaskRunRecord[]> {
    const docs = await this.taskRuns.find({ flowRunId }).sort({ createdAt: 1, _id: 1 }).skip(offset).limit(limit).toArray();
    return docs.map(toRecord);
  }

  async getByCacheKey(cacheKey: string): Promise<TaskRunRecord | undefined> {
    const pointer = await this.results.findOne({ _id: cacheKey });
    return pointer ? this.get(pointer.taskRunId) : undefined;
  }
}
