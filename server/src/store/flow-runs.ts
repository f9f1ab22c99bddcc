import { setTimeout as delay } from "node:timers/promises";
import { MongoServerError, type Collection, type Db, type Filter } from "mongodb";
import type { FlowRun } from "../domain/flow-run.js";
import type { Transition } from "../domain/rules.js";
import { COLLECTIONS } from "./collections.js";
import type { RunFilter } from "./records.js";

type FlowRunDocument = Omit<FlowRun, "id"> & { _id: string };

/** The claim on one version of a run, with the update it stands for (to finish it if its writer died). */
interface ClaimDocument {
  _id: string;
  set: Partial<FlowRunDocument>;
  at: Date;
}

const DUPLICATE_KEY = 11000;
/** A claim whose update has not landed after this long is taken to belong to a writer that died. */
const STALE_CLAIM_MS = 5_000;

export function toRun(doc: FlowRunDocument): FlowRun {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}

export function toDocument(run: FlowRun): FlowRunDocument {
  const { id, ...rest } = run;
  return { _id: id, ...rest };
}

/** Flow runs, with their current state and pause records embedded. */
export class FlowRunRepository {
  private readonly runs: Collection<FlowRunDocument>;
  private readonly claims: Collection<ClaimDocument>;

  constructor(db: Db) {
    this.runs = db.collection<FlowRunDocument>(COLLECTIONS.flowRuns);
    this.claims = db.collection<ClaimDocument>(COLLECTIONS.flowRunClaims);
  }

  async insert(run: FlowRun): Promise<void> {
    await this.runs.insertOne(toDocument(run));
  }

  async get(id: string): Promise<FlowRun | undefined> {
    const doc = await this.runs.findOne({ _id: id });
    return doc ? toRun(doc) : undefined;
  }

  /**
   * Applies a transition only if the run is still at the version it was decided on. False means
   * another writer got there first; the caller re-reads and decides again.
   *
   * The version guard of an update alone is not atomic on every store: FerretDB v1 finds the matching
   * documents, then rewrites them by _id, so concurrent writers that read the same version all
   * "succeed". The right to write version N is therefore claimed first by inserting the unique id
   * "{run}:{N}", which exactly one writer gets, on MongoDB and FerretDB alike and across servers.
   */
  async apply(t: Transition): Promise<boolean> {
    const { run } = t;
    const set: Partial<FlowRunDocument> = {
      ...(run.state ? { state: run.state } : {}),
      pauses: run.pauses,
      resuming: run.resuming,
      runCount: run.runCount,
      version: run.version,
      updatedAt: run.updatedAt,
    };
    const claimId = `${run.id}:${run.version}`;
    try {
      await this.claims.insertOne({ _id: claimId, set, at: new Date() });
    } catch (err) {
      if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) throw err;
      await this.awaitClaimedVersion(run.id, run.version);
      return false;
    }
    const result = await this.runs.updateOne({ _id: run.id, version: run.version - 1 }, { $set: set });
    if (result.modifiedCount === 1) return true;
    // Only a writer that found this claim stale can have written it meanwhile, with this same update.
    const now = await this.get(run.id);
    return now?.version === run.version && now.state?.id === run.state?.id;
  }

  /**
   * Waits until the winner of a claim has written its version, so that the loser re-reads the new
   * state instead of deciding again on the old one. A claim left by a writer that died between
   * claiming and writing is finished here from the update it recorded.
   */
  private async awaitClaimedVersion(runId: string, version: number): Promise<void> {
    const deadline = Date.now() + STALE_CLAIM_MS;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      const doc = await this.runs.findOne({ _id: runId }, { projection: { version: 1 } });
      if (!doc || doc.version >= version) return;
      if (Date.now() >= deadline) break;
      await delay(wait);
    }
    const claim = await this.claims.findOne({ _id: `${runId}:${version}` });
    if (claim && Date.now() - claim.at.getTime() >= STALE_CLAIM_MS) {
      await this.runs.updateOne({ _id: runId, version: version - 1 }, { $set: claim.set });
    }
  }

  /**
   * Drops claims older than the cutoff. An old claim guards nothing: `apply` checks the run's version
   * again after writing, so a late writer that re-claims a trimmed version still loses.
   */
  async deleteClaimsOlderThan(cutoff: Date): Promise<void> {
    await this.claims.deleteMany({ at: { $lt: cutoff } });
  }

  /** Newest first. FerretDB sorts in memory; fine for the page sizes the API allows. */
  async list(filter: RunFilter, offset: number, limit: number): Promise<FlowRun[]> {
    const docs = await this.runs
      .find(toMongoFilter(filter))
      .sort({ createdAt: -1, _id: 1 })
      .skip(offset)
      .limit(limit)
      .toArray();
    return docs.map(toRun);
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
  return f;
}
