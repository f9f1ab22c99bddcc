import type { Collection, Db } from "mongodb";
import { COLLECTIONS } from "./collections.js";
import { fromJsonText, toJsonText } from "./json-text.js";
import type { DeploymentRecord, DeploymentStore } from "../app/ports.js";

type DeploymentDocument = Omit<DeploymentRecord, "id" | "parameters"> & { _id: string; parameters: string };

function toRecord(doc: DeploymentDocument): DeploymentRecord {
  const { _id, parameters, ...rest } = doc;
  return { id: _id, ...rest, parameters: fromJsonText(parameters) };
}

export class DeploymentRepository implements DeploymentStore {
  private readonly deployments: Collection<DeploymentDocument>;

  constructor(db: Db) {
    this.deployments = db.collection<DeploymentDocument>(COLLECTIONS.deployments);
  }

  /** Creates, or updates entrypoint and parameters of the deployment with the same flow and name. */
  async upsert(record: DeploymentRecord): Promise<{ deployment: DeploymentRecord; created: boolean }> {
    const { id, ...rest } = record;
    const result = await this.deployments.findOneAndUpdate(
      { flowName: record.flowName, name: record.name },
      {
        $set: { entrypoint: rest.entrypoint, parameters: toJsonText(rest.parameters) },
        $setOnInsert: { _id: id, createdAt: rest.createdAt },
      },
      { upsert: true, returnDocument: "after", includeResultMetadata: true },
    );
    const doc = result.value;
    if (!doc) throw new Error("upsert returned no document");
    return { deployment: toRecord(doc), created: result.lastErrorObject?.["updatedExisting"] !== true };
  }

  async get(id: string): Promise<DeploymentRecord | undefined> {
    const doc = await this.deployments.findOne({ _id: id });
    return doc ? toRecord(doc) : undefined;
  }

  async getByName(flowName: string, name: string): Promise<DeploymentRecord | undefined> {
    const doc = await this.deployments.findOne({ flowName, name });
    return doc ? toRecord(doc) : undefined;
  }

  async list(flowName: string | undefined, offset: number, limit: number): Promise<DeploymentRecord[]> {
    const docs = await this.deployments
      .find(flowName ? { flowName } : {})
      .sort({ flowName: 1, name: 1 })
      .skip(offset)
      .limit(limit)
      .toArray();
    return docs.map(toRecord);
  }
}
