import type { Collection, Db } from "mongodb";
import type { PastState } from "../domain/flow-run.js";
import type { StateHistoryStore } from "../app/ports.js";
import { COLLECTIONS } from "./collections.js";
import { isDuplicateKey } from "./store-errors.js";

type PastStateDocument = Omit<PastState, "id"> & { _id: string; flowRunId: string };

/**
 * The states runs have left, one document per state (by the state's id), outside the run's document:
 * a run that changes a thousand times reads and writes a run of the same size every time, and its
 * events carry the state it left (WatchEvent.previousState) rather than its whole past. A past state
 * never changes, so writing one twice (a transition that lost its race and was decided again, or a
 * state that a retried transition leaves again) stores the same record.
 */
export class StateHistory implements StateHistoryStore {
  private readonly states: Collection<PastStateDocument>;

  constructor(db: Db) {
    this.states = db.collection<PastStateDocument>(COLLECTIONS.stateHistory);
  }

  async put(flowRunId: string, state: PastState): Promise<void> {
    const { id, ...rest } = state;
    try {
      await this.states.insertOne({ _id: id, flowRunId, ...rest });
    } catch (err) {
      // Writers on two servers that decided from the same version leave the same state: one record.
      if (!isDuplicateKey(err)) throw err;
    }
  }

  async latest(flowRunId: string, limit: number): Promise<PastState[]> {
    const docs = await this.states.find({ flowRunId }).sort({ timestamp: -1, _id: -1 }).limit(limit).toArray();
    return docs.reverse().map(({ _id, flowRunId: _run, ...rest }) => ({ id: _id, ...rest }));
  }
}
