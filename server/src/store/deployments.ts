import { MongoServerError, type Collection, type Db } from "mongodb";
import { AlreadyExistsError } from "../domain/errors.js";
import { COLLECTIONS } from "./collections.js";
import { fromJsonText, optionalFromJsonText, optionalToJsonText, toJsonText } from "./json-text.js";
import type { DeploymentRecord, DeploymentStore } from "../app/ports.js";

const DUPLICATE_KEY = 11000;

type DeploymentDocument = Omit<DeploymentRecord, "id" | "parameters" | "parameterSchema"> & {
  _id: string;
  parameters: string;
  parameterSchema?: string;
};

function toRecord(doc: DeploymentDocument): DeploymentRecord {
  const { _id, parameters, parameterSchema, ...rest } = doc;
  const schema = optionalFromJsonText<DeploymentRecord["parameters"]>(parameterSchema);
  return { id: _id, ...rest, parameters: fromJsonText(parameters), ...(schema !== undefined ? { parameterSchema: schema } : {}) };
}

export class DeploymentRepository implements DeploymentStore {
  private readonly deployments: Collection<DeploymentDocument>;

  constructor(db: Db) {
    this.deployments = db.collection<DeploymentDocument>(COLLECTIONS.deployments);
  }

  /**
   * Creates, or updates entrypoint, parameters and parameter schema of the deployment with the same flow and name (see
   * DeploymentStore.upsert for `onlyOwnedBy`). The update is conditional on the owner read, so an
   * owner is never overwritten by a writer that decided from an older read; a lost race reads again.
   */
  async upsert(record: DeploymentRecord, onlyOwnedBy?: string): Promise<{ deployment: DeploymentRecord; created: boolean }> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const existing = await this.deployments.findOne({ flowName: record.flowName, name: record.name });
      if (!existing) {
        const { id, parameters, parameterSchema, ...rest } = record;
        const schema = optionalToJsonText(parameterSchema);
        try {
          await this.deployments.insertOne({
            _id: id,
            ...rest,
            parameters: toJsonText(parameters),
            ...(schema !== undefined ? { parameterSchema: schema } : {}),
          });
          return { deployment: record, created: true };
        } catch (err) {
          // Another writer created it meanwhile (unique flow and name): decide again from it.
          if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) continue;
          throw err;
        }
      }
      const owner = existing.owner;
      if (onlyOwnedBy !== undefined && owner !== undefined && owner !== onlyOwnedBy) {
        throw new AlreadyExistsError(
          "DEPLOYMENT_EXISTS",
          `Deployment "${record.flowName}/${record.name}" already exists and belongs to ${owner}; only ${owner} or an admin may change it.`,
        );
      }
      const updated = await this.deployments.findOneAndUpdate(
        { _id: existing._id, owner: owner ?? { $exists: false } },
        {
          $set: {
            entrypoint: record.entrypoint,
            parameters: toJsonText(record.parameters),
            ...(record.parameterSchema !== undefined ? { parameterSchema: toJsonText(record.parameterSchema) } : {}),
            // A deployment from before owners were recorded belongs to whoever changes it first.
            ...(owner === undefined && record.owner !== undefined ? { owner: record.owner } : {}),
          },
          // A flow that no longer declares a schema leaves none behind.
          ...(record.parameterSchema === undefined ? { $unset: { parameterSchema: "" as const } } : {}),
        },
        { returnDocument: "after" },
      );
      if (updated) return { deployment: toRecord(updated), created: false };
    }
    throw new Error(`deployment ${record.flowName}/${record.name} kept changing while it was written`);
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
