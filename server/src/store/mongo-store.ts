import { MongoClient, type Db, type MongoClientOptions } from "mongodb";
import type { Store } from "../app/ports.js";
import { ApiKeyRepository } from "./api-keys.js";
import { AuditLog } from "./audit-log.js";
import { DeploymentRepository } from "./deployments.js";
import { ensureSchema } from "./collections.js";
import { chooseStrategy, type StoreCompat } from "./compat/strategy.js";
import { EventLog } from "./event-log.js";
import { FlowRunInputRepository } from "./flow-run-inputs.js";
import { FlowRunRepository } from "./flow-runs.js";
import { RequestLog } from "./requests.js";
import { ResumeLinkRepository } from "./resume-links.js";
import { EndedPauseArchive } from "./ended-pauses.js";
import { StateHistory } from "./state-history.js";
import { LogNoticeFeed, RunLogRepository } from "./run-logs.js";
import { ServerRegistryRepository } from "./server-registry.js";
import { SessionRepository } from "./sessions.js";
import { reportingUnavailable } from "./store-errors.js";
import { TaskRunRepository } from "./task-runs.js";
import { WebhookDeliveryRepository } from "./webhook-deliveries.js";
import { WebhookRepository } from "./webhooks.js";

export interface OpenStoreOptions {
  uri: string;
  /** Used when the URI names no database. */
  defaultDatabase: string;
  /** FerretDB speaks no replica-set topology; connect to it directly. */
  directConnection?: boolean;
  /** The compatibility strategy to use; unset, it follows what the server says it is (see compat/strategy.ts). */
  compat?: StoreCompat | undefined;
}

/** Every repository over one MongoDB database; the only place that holds the driver's client. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const client = newClient(opts);
  // The health check's own connection: behind a burst of thousands of calls waiting for the main pool,
  // a ping would miss its deadline and close the gate on a store that answers (store-health.ts).
  const pingClient = newClient(opts, { maxPoolSize: 1 });
  const closeAll = async (): Promise<void> => {
    await Promise.all([client.close(), pingClient.close()]);
  };
  await client.connect();
  try {
    const named = client.db().databaseName;
    const db: Db = named && named !== "test" ? client.db() : client.db(opts.defaultDatabase);
    await ensureSchema(db);
    const strategy = await chooseStrategy(db, opts.compat);
    const endedPauses = new EndedPauseArchive(db);
    const stateHistory = new StateHistory(db);
    const pingDb = pingClient.db(db.databaseName);
    return {
      runs: reportingUnavailable(new FlowRunRepository(db, strategy, endedPauses, stateHistory)),
      inputs: reportingUnavailable(new FlowRunInputRepository(db)),
      taskRuns: reportingUnavailable(new TaskRunRepository(db, strategy)),
      deployments: reportingUnavailable(new DeploymentRepository(db)),
      requests: reportingUnavailable(new RequestLog(db)),
      events: reportingUnavailable(new EventLog(db)),
      servers: reportingUnavailable(new ServerRegistryRepository(db)),
      keys: reportingUnavailable(new ApiKeyRepository(db)),
      audit: reportingUnavailable(new AuditLog(db)),
      sessions: reportingUnavailable(new SessionRepository(db)),
      resumeLinks: reportingUnavailable(new ResumeLinkRepository(db)),
      endedPauses: reportingUnavailable(endedPauses),
      stateHistory: reportingUnavailable(stateHistory),
      logs: { batches: reportingUnavailable(new RunLogRepository(db)), notices: reportingUnavailable(new LogNoticeFeed(db)) },
      strategy: strategy.name,
      trimWriteGuards: (cutoff) => strategy.trimWriteGuards(cutoff),
      ping: async () => {
        await pingDb.command({ ping: 1 });
      },
      close: closeAll,
      webhooks: reportingUnavailable(new WebhookRepository(db)),
      webhookDeliveries: reportingUnavailable(new WebhookDeliveryRepository(db, strategy)),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function newClient(opts: OpenStoreOptions, more: MongoClientOptions = {}): MongoClient {
  return new MongoClient(opts.uri, {
    ignoreUndefined: true,
    // Short, so that a call made while the store is away fails soon (the health monitor then makes
    // the next ones fail at once); the driver keeps reconnecting to the same URI by itself.
    serverSelectionTimeoutMS: 2_000,
    // A store that accepted a request and then hangs must not hold the call until the client's deadline.
    socketTimeoutMS: 10_000,
    ...(opts.directConnection ? { directConnection: true } : {}),
    ...more,
  });
}
