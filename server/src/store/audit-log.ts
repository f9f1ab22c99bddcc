import { MongoServerError, type Collection, type Db, type Filter } from "mongodb";
import type { AuditFilter, AuditStore } from "../app/ports.js";
import { GENESIS_HASH, type AuditEvent } from "../domain/audit.js";
import type { JsonObject } from "../domain/flow-run.js";
import { COLLECTIONS } from "./collections.js";
import { optionalFromJsonText, optionalToJsonText } from "./json-text.js";

/** An entry as stored: `_id` is its number as padded text (see seqId); the submitted input as JSON text. */
type AuditDocument = Omit<AuditEvent, "seq" | "input"> & { _id: string; input?: string };

const DUPLICATE_KEY = 11000;
const ID_DIGITS = 15;

/** Text ids sort as numbers and are answered from the primary key on every backend (as in event-log.ts). */
function seqId(n: number): string {
  return String(n).padStart(ID_DIGITS, "0");
}

function toEvent(doc: AuditDocument): AuditEvent {
  const { _id, input, ...rest } = doc;
  const parsed = optionalFromJsonText<JsonObject>(input);
  return { seq: Number(_id), ...rest, ...(parsed !== undefined ? { input: parsed } : {}) };
}

function toDocument(e: AuditEvent): AuditDocument {
  const { seq, input, ...rest } = e;
  const text = optionalToJsonText(input);
  return { _id: seqId(seq), ...rest, ...(text !== undefined ? { input: text } : {}) };
}

function matching(filter: AuditFilter, seqRange: { $gt: string } | { $lt: string } | undefined): Filter<AuditDocument> {
  const f: Filter<AuditDocument> = seqRange ? { _id: seqRange } : {};
  if (filter.flowRunId) f.flowRunId = filter.flowRunId;
  if (filter.principal) f.principal = filter.principal;
  if (filter.from || filter.to) f.at = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };
  return f;
}

/** An append waiting for its turn. */
interface PendingAppend {
  seal: (seq: number, prevHash: string) => AuditEvent;
  resolve: (entry: AuditEvent) => void;
  reject: (err: unknown) => void;
}

/**
 * The `audit_events` collection. Numbers are claimed by the insert itself, as in the event feed: a
 * writer inserts number n + 1 sealed over the hash of entry n and, if another writer (another server)
 * took n + 1 first, reads that entry and goes on from it. An entry is inserted only once the one before
 * it exists, so the chain has one order and no gaps, whatever the number of servers. Nothing here
 * updates or deletes an entry.
 *
 * Appends from this process go one at a time, in the order they were asked for. Letting each race for
 * the next number instead made N concurrent calls lose O(N²) races to each other (50 clients: 4 calls
 * a second). They are not inserted in groups: FerretDB v1 goes on inserting after a failed insert in
 * an ordered `insertMany`, so a group colliding with another server's entry would leave entries
 * sealed over the wrong hash.
 */
export class AuditLog implements AuditStore {
  private readonly events: Collection<AuditDocument>;
  /** The last entry this process knows of (its number and hash): where the next append starts. */
  private tail: { seq: number; hash: string } | undefined;
  private pending: PendingAppend[] = [];
  private flushing = false;

  constructor(db: Db) {
    this.events = db.collection<AuditDocument>(COLLECTIONS.auditEvents);
  }

  append(seal: (seq: number, prevHash: string) => AuditEvent): Promise<AuditEvent> {
    return new Promise<AuditEvent>((resolve, reject) => {
      this.pending.push({ seal, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Appends what is waiting, one entry at a time, until nothing is. */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) {
        try {
          next.resolve(await this.insertNext(next.seal));
        } catch (err) {
          // The tail is no longer known for sure; the next append reads it again.
          this.tail = undefined;
          next.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Inserts the entry after the tail, going on from another server's entry wherever it took the number first. */
  private async insertNext(seal: (seq: number, prevHash: string) => AuditEvent): Promise<AuditEvent> {
    let tail = this.tail ?? (await this.readTail());
    for (;;) {
      const entry = seal(tail.seq + 1, tail.hash);
      try {
        await this.events.insertOne(toDocument(entry));
        this.tail = { seq: entry.seq, hash: entry.hash };
        return entry;
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) throw err;
        // Taken: that entry is the one ours must follow.
        const taken = await this.events.findOne({ _id: seqId(tail.seq + 1) });
        if (!taken) throw err;
        tail = { seq: tail.seq + 1, hash: taken.hash };
      }
    }
  }

  async list(filter: AuditFilter, afterSeq: number, limit: number): Promise<AuditEvent[]> {
    const docs = await this.events
      .find(matching(filter, { $gt: seqId(afterSeq) }))
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toEvent);
  }

  async listNewestFirst(filter: AuditFilter, beforeSeq: number, limit: number): Promise<AuditEvent[]> {
    const docs = await this.events
      .find(matching(filter, beforeSeq > 0 ? { $lt: seqId(beforeSeq) } : undefined))
      .sort({ _id: -1 })
      .limit(limit)
      .toArray();
    return docs.map(toEvent);
  }

  /** The last entry in the store (one sorted read, on this process's first append). */
  private async readTail(): Promise<{ seq: number; hash: string }> {
    const last = await this.events
      .find({}, { projection: { _id: 1, hash: 1 } })
      .sort({ _id: -1 })
      .limit(1)
      .next();
    return last ? { seq: Number(last._id), hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
  }
}
