import { MongoClient, type Db } from "mongodb";
import { DeploymentRepository } from "./deployments.js";
import { ensureSchema } from "./collections.js";
import { EventLog } from "./event-log.js";
import { FlowRunInputRepository } from "./flow-run-inputs.js";
import { FlowRunRepository } from "./flow-runs.js";
import { RequestLog } from "./requests.js";
import { TaskRunRepository } from "./task-runs.js";
import { VersionedWrites } from "./versioned-writes.js";

/** Every repository over one MongoDB database; the only place that holds the driver's client. */
export interface Store {
  readonly runs: FlowRunRepository;
  readonly inputs: FlowRunInputRepository;
  readonly taskRuns: TaskRunRepository;
  readonly deployments: DeploymentRepository;
  readonly requests: RequestLog;
  readonly events: EventLog;
  readonly versionedWrites: VersionedWrites;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  uri: string;
  /** Used when the URI names no database. */
  defaultDatabase: string;
  /** FerretDB speaks no replica-set topology; connect to it directly. */
  directConnection?: boolean;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const client = new MongoClient(opts.uri, {
    ignoreUndefined: true,
    serverSelectionTimeoutMS: 10_000,
    ...(opts.directConnection ? { directConnection: true } : {}),
  });
  await client.connect();
  const named = client.db().databaseName;
  const db: Db = named && named !== "test" ? client.db() : client.db(opts.defaultDatabase);
  await ensureSchema(db);
  const versionedWrites = new VersionedWrites(db);
  return {
    runs: new FlowRunRepository(db, versionedWrites),
    inputs: new FlowRunInputRepository(db),
    taskRuns: new TaskRunRepository(db, versionedWrites),
    deployments: new DeploymentRepository(db),
    requests: new RequestLog(db),
    events: new EventLog(db),
    versionedWrites,
    ping: async () => {
      await db.command({ ping: 1 });
    },
    close: () => client.close(),
  };
}
