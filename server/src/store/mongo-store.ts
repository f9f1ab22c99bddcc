import { MongoClient, type Db } from "mongodb";
import { DeploymentRepository } from "./deployments.js";
import { ensureSchema } from "./collections.js";
import { EventLog } from "./event-log.js";
import { FlowRunInputRepository } from "./flow-run-inputs.js";
import { FlowRunRepository } from "./flow-runs.js";
import { RequestLog } from "./requests.js";
import { TaskRunRepository } from "./task-runs.js";

/** Every repository over one MongoDB database; the only place that holds the driver's client. */
export interface Store {
  readonly runs: FlowRunRepository;
  readonly inputs: FlowRunInputRepository;
  readonly taskRuns: TaskRunRepository;
  readonly deployments: DeploymentRepository;
  readonly requests: RequestLog;
  readonly events: EventLog;
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
  return {
    runs: new FlowRunRepository(db),
    inputs: new FlowRunInputRepository(db),
    taskRuns: new TaskRunRepository(db),
    deployments: new DeploymentRepository(db),
    requests: new RequestLog(db),
    events: new EventLog(db),
    ping: async () => {
      await db.command({ ping: 1 });
    },
    close: () => client.close(),
  };
}
