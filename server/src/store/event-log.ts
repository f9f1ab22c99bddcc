import { ObjectId, type Collection, type Db } from "mongodb";
import type { FlowRun } from "../domain/flow-run.js";
import type { State } from "../domain/states.js";
import { COLLECTIONS } from "./collections.js";
import { toDocument, toRun } from "./flow-runs.js";
import type { RunEvent } from "./records.js";

interface EventDocument {
  _id: ObjectId;
  run: ReturnType<typeof toDocument>;
  previousState?: State;
  at: Date;
}

/**
 * The capped `events` collection every server appends its state changes to and reads the others'
 * from. Reads are "the newest N in insertion order", which both MongoDB and FerretDB's SQLite backend
 * answer from the natural-order index without scanning the collection.
 */
export class EventLog {
  private readonly events: Collection<EventDocument>;

  constructor(db: Db) {
    this.events = db.collection<EventDocument>(COLLECTIONS.events);
  }

  newEventId(): string {
    return new ObjectId().toHexString();
  }

  async append(event: RunEvent): Promise<void> {
    await this.events.insertOne({
      _id: new ObjectId(event.id),
      run: toDocument(event.run),
      ...(event.previousState ? { previousState: event.previousState } : {}),
      at: new Date(),
    });
  }

  /**
   * Drops events older than the cutoff. The feed is capped, but embedded FerretDB does not trim capped
   * collections, so every server also trims by age; events are only needed for the seconds it takes
   * the other servers to read them.
   */
  async deleteOlderThan(cutoff: Date): Promise<number> {
    return (await this.events.deleteMany({ at: { $lt: cutoff } })).deletedCount;
  }

  /** Ids of the newest `limit` events, oldest first: what a poll reads while nothing has changed. */
  async newestIds(limit: number): Promise<string[]> {
    const docs = await this.events.find({}, { projection: { _id: 1 } }).sort({ $natural: -1 }).limit(limit).toArray();
    return docs.reverse().map((d) => d._id.toHexString());
  }

  /** One event by id (an `_id` lookup, which every backend answers from its primary key). */
  async get(id: string): Promise<RunEvent | undefined> {
    const d = await this.events.findOne({ _id: new ObjectId(id) });
    if (!d) return undefined;
    return {
      id: d._id.toHexString(),
      run: toRun(d.run) satisfies FlowRun,
      ...(d.previousState ? { previousState: d.previousState } : {}),
    };
  }
}
