import { MongoServerError, ObjectId, type Collection, type Db } from "mongodb";
import { AlreadyExistsError } from "../domain/errors.js";
import { COLLECTIONS } from "./collections.js";
import { fromJsonText, toJsonText } from "./json-text.js";
import type { FlowRunInputRecord, FlowRunInputStore } from "../app/ports.js";

/** `order` breaks ties between inputs created in the same millisecond: ObjectIds increase per process. */
type InputDocument = Omit<FlowRunInputRecord, "value"> & { _id: string; order: string; value: string };

const DUPLICATE_KEY = 11000;

function idOf(flowRunId: string, key: string): string {
  return `${flowRunId}/${key}`;
}

function toRecord(doc: InputDocument): FlowRunInputRecord {
  const { _id: _ignored, order: _order, value, ...rest } = doc;
  return { ...rest, value: fromJsonText<unknown>(value) };
}

function toDocument(input: FlowRunInputRecord): InputDocument {
  return { _id: idOf(input.flowRunId, input.key), order: new ObjectId().toHexString(), ...input, value: toJsonText(input.value) };
}

/** Key/value records per run: pause schemas and responses, and send_input / receive_input messages. */
export class FlowRunInputRepository implements FlowRunInputStore {
  private readonly inputs: Collection<InputDocument>;

  constructor(db: Db) {
    this.inputs = db.collection<InputDocument>(COLLECTIONS.flowRunInputs);
  }

  async create(input: FlowRunInputRecord): Promise<void> {
    try {
      await this.inputs.insertOne(toDocument(input));
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) {
        throw new AlreadyExistsError("INPUT_KEY_EXISTS", `Flow run input "${input.key}" already exists.`);
      }
      throw err;
    }
  }

  /** Writes or overwrites; used for the mirrors of pause schemas and responses. */
  async put(input: FlowRunInputRecord): Promise<void> {
    const { _id, ...doc } = toDocument(input);
    await this.inputs.replaceOne({ _id }, doc, { upsert: true });
  }

  async read(flowRunId: string, key: string): Promise<FlowRunInputRecord | undefined> {
    const doc = await this.inputs.findOne({ _id: idOf(flowRunId, key) });
    return doc ? toRecord(doc) : undefined;
  }

  /** Oldest first; the key prefix is matched literally. */
  async filter(flowRunId: string, keyPrefix: string, excludeKeys: readonly string[], limit: number): Promise<FlowRunInputRecord[]> {
    const docs = await this.inputs
      .find({
        flowRunId,
        ...(keyPrefix ? { key: { $regex: `^${escapeRegex(keyPrefix)}` } } : {}),
        ...(excludeKeys.length > 0 ? { _id: { $nin: excludeKeys.map((k) => idOf(flowRunId, k)) } } : {}),
      })
      .sort({ createdAt: 1, order: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toRecord);
  }

  async delete(flowRunId: string, key: string): Promise<boolean> {
    const result = await this.inputs.deleteOne({ _id: idOf(flowRunId, key) });
    return result.deletedCount === 1;
  }

  async deleteIfPresent(flowRunId: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.inputs.deleteMany({ _id: { $in: keys.map((k) => idOf(flowRunId, k)) } });
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
