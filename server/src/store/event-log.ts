import { MongoServerError, type Collection, type Db } from "mongodb";
import type { FlowRun } from "../domain/flow-run.js";
import type { State } from "../domain/states.js";
import { COLLECTIONS } from "./collections.js";
import { toDocument, toRun } from "./flow-runs.js";
import type { EventFeedStore, RunEvent } from "../app/ports.js";

interface EventDocument {
  /** The event's place in the feed, 1, 2, 3, … with no gaps, as zero-padded text (see seqId). */
  _id: string;
  run: ReturnType<typeof toDocument>;
  previousState?: State;
  at: Date;
}

const DUPLICATE_KEY = 11000;
const ID_DIGITS = 15;

/** Text ids, because FerretDB v1 answers `_id` lookups from its key only for strings and ObjectIds; padded so they sort. */
function seqId(n: number): string {
  return String(n).padStart(ID_DIGITS, "0");
}

/**
 * The `events` collection: every server appends its state changes and reads the others'.
 *
 * Events are numbered densely by the insert itself: a writer inserts `_id: n + 1` and, if another
 * writer took that number, tries the next one. A number is taken only by a stored event, so the feed
 * has no gaps and a reader can follow it with `_id` lookups alone, the one query every backend
 * (FerretDB's SQLite included) answers from its primary key. (A sort, even `$natural` on a capped
 * collection, makes FerretDB v1 read the whole collection.)
 */
export class EventLog implements EventFeedStore {
  private readonly events: Collection<EventDocument>;
  /** The highest number this process has seen taken; writers start just above it. */
  private head = 0;

  constructor(db: Db) {
    this.events = db.collection<EventDocument>(COLLECTIONS.events);
  }

  /** The current end of the feed (one full read, at start-up only). */
  async readHead(): Promise<number> {
    const last = await this.events
      .find({}, { projection: { _id: 1 } })
      .sort({ _id: -1 })
      .limit(1)
      .next();
    this.head = Math.max(this.head, last ? Number(last._id) : 0);
    return this.head;
  }

  /** Appends and returns the event's number. */
  async append(run: FlowRun, previousState: State | undefined): Promise<number> {
    const doc: Omit<EventDocument, "_id"> = { run: toDocument(run), ...(previousState ? { previousState } : {}), at: new Date() };
    for (let n = this.head + 1; ; n++) {
      try {
        await this.events.insertOne({ _id: seqId(n), ...doc });
        this.head = Math.max(this.head, n);
        return n;
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) throw err;
        this.head = Math.max(this.head, n);
      }
    }
  }

  /** The event with this number, if it has been written. */
  async get(n: number): Promise<RunEvent | undefined> {
    const d = await this.events.findOne({ _id: seqId(n) });
    if (!d) return undefined;
    this.head = Math.max(this.head, n);
    return { id: String(n), run: toRun(d.run), ...(d.previousState ? { previousState: d.previousState } : {}) };
  }

  /** Drops events older than the cutoff; readers are seconds behind at most. */
  async deleteOlderThan(cutoff: Date): Promise<number> {
    return (await this.events.deleteMany({ at: { $lt: cutoff } })).deletedCount;
  }
}
