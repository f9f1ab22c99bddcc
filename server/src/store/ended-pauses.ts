import type { Collection, Db } from "mongodb";
import type { PauseRecord } from "../domain/flow-run.js";
import type { EndedPauseStore } from "../app/ports.js";
import { COLLECTIONS } from "./collections.js";
import { isDuplicateKey } from "./store-errors.js";
import { pauseFromDocument, pauseToDocument, type PauseDocument } from "./flow-runs.js";

type EndedPauseDocument = PauseDocument & { _id: string; flowRunId: string };

/**
 * Ended pauses that have left their run's document (see FlowRun.pauses): what a re-executed flow's
 * already-fired key and a late waiter need, found by one lookup by `_id` ("<run id>/<key>"). An
 * ended pause never changes, so writing one twice (a transition that lost its race and was decided
 * again) stores the same record.
 */
export class EndedPauseArchive implements EndedPauseStore {
  private readonly pauses: Collection<EndedPauseDocument>;

  constructor(db: Db) {
    this.pauses = db.collection<EndedPauseDocument>(COLLECTIONS.endedPauses);
  }

  async put(flowRunId: string, pauses: readonly PauseRecord[]): Promise<void> {
    if (pauses.length === 0) return;
    try {
      await this.write(flowRunId, pauses);
    } catch (err) {
      // Two upserts of one new record at once (writers on two servers archiving the same pause): the
      // loser's is refused; written again, it replaces the record, which is the same.
      if (!isDuplicateKey(err)) throw err;
      await this.write(flowRunId, pauses);
    }
  }

  private async write(flowRunId: string, pauses: readonly PauseRecord[]): Promise<void> {
    await this.pauses.bulkWrite(
      pauses.map((p) => ({
        replaceOne: {
          filter: { _id: idOf(flowRunId, p.key) },
          replacement: { _id: idOf(flowRunId, p.key), flowRunId, ...pauseToDocument(p) },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }

  async get(flowRunId: string, key: string): Promise<PauseRecord | undefined> {
    const doc = await this.pauses.findOne({ _id: idOf(flowRunId, key) });
    if (!doc) return undefined;
    const { _id, flowRunId: _run, ...pause } = doc;
    return pauseFromDocument(pause);
  }
}

function idOf(flowRunId: string, key: string): string {
  return `${flowRunId}/${key}`;
}
