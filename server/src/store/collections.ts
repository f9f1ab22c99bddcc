import type { Db, IndexDescription } from "mongodb";

/** Collection names and the indexes each needs; applied at start-up by ensureSchema. */
export const COLLECTIONS = {
  flowRuns: "flow_runs",
  flowRunInputs: "flow_run_inputs",
  taskRuns: "task_runs",
  results: "results",
  deployments: "deployments",
  requests: "requests",
  apiKeys: "api_keys",
  /** Marks that the first API key was created, so concurrent first starts create one. */
  apiKeyMarkers: "api_key_markers",
  events: "events",
  /** Live servers and where they receive wake-up hints (see server-registry.ts). */
  servers: "servers",
  /** The audit trail (see audit-log.ts): append-only, hash-chained. */
  auditEvents: "audit_events",
  /** Web UI sessions, by the hash of their secret. */
  sessions: "web_sessions",
  /** Ended pauses that left their run's document (see ended-pauses.ts). */
  endedPauses: "ended_pauses",
  /** The states runs have left, by state id (see state-history.ts). */
  stateHistory: "state_history",
  /** Resume links, by the hash of their token (see resume-links.ts). */
  resumeLinks: "resume_links",
  /** One document per written version of a run or task run under the ferretdb strategy: the atomic right to write it (see compat/ferretdb.ts). */
  versionClaims: "version_claims",
  webhooks: "webhooks",
  /** The webhooks' outbox: one document per delivery, with its attempts (see webhook-deliveries.ts). */
  webhookDeliveries: "webhook_deliveries",
  /** Run logs: batches by (run, number), one head per run, and the servers' notice feed (see run-logs.ts). */
  runLogs: "run_logs",
  runLogHeads: "run_log_heads",
  runLogNotices: "run_log_notices",
} as const;

const INDEXES: Record<string, IndexDescription[]> = {
  [COLLECTIONS.flowRuns]: [
    { key: { "state.type": 1 }, name: "state_type" },
    { key: { deploymentId: 1, "state.type": 1 }, name: "deployment_state_type" },
    { key: { flowName: 1 }, name: "flow_name" },
    { key: { parentFlowRunId: 1 }, name: "parent_flow_run" },
    { key: { createdAt: -1 }, name: "created_at" },
  ],
  [COLLECTIONS.flowRunInputs]: [
    { key: { flowRunId: 1, key: 1 }, name: "flow_run_key", unique: true },
    { key: { flowRunId: 1, createdAt: 1 }, name: "flow_run_created_at" },
  ],
  [COLLECTIONS.taskRuns]: [
    { key: { flowRunId: 1, taskKey: 1, dynamicKey: 1 }, name: "flow_run_task_key", unique: true },
    // A run page lists its task runs in the order they began.
    { key: { flowRunId: 1, createdAt: 1 }, name: "flow_run_created_at" },
  ],
  [COLLECTIONS.deployments]: [{ key: { flowName: 1, name: 1 }, name: "flow_name_name", unique: true }],
  [COLLECTIONS.apiKeys]: [{ key: { createdAt: -1 }, name: "created_at" }],
  [COLLECTIONS.requests]: [{ key: { createdAt: 1 }, name: "created_at" }],
  [COLLECTIONS.events]: [{ key: { at: 1 }, name: "at" }],
  [COLLECTIONS.auditEvents]: [
    { key: { flowRunId: 1 }, name: "flow_run" },
    { key: { principal: 1 }, name: "principal" },
    { key: { at: 1 }, name: "at" },
  ],
  [COLLECTIONS.stateHistory]: [{ key: { flowRunId: 1, timestamp: -1 }, name: "flow_run_timestamp" }],
  [COLLECTIONS.resumeLinks]: [
    { key: { id: 1 }, name: "link_id", unique: true },
    { key: { flowRunId: 1 }, name: "flow_run" },
    { key: { createdAt: 1 }, name: "created_at" },
  ],
  [COLLECTIONS.sessions]: [
    { key: { lastSeenAt: 1 }, name: "last_seen_at" },
    { key: { expiresAt: 1 }, name: "expires_at" },
  ],
  [COLLECTIONS.webhookDeliveries]: [
    { key: { status: 1, nextAttemptAt: 1 }, name: "status_next_attempt" },
    { key: { webhookId: 1, createdAt: -1 }, name: "webhook_created_at" },
  ],
  // Batches are read and written by `_id` ("<run id>/<number>") alone: no other index.
  [COLLECTIONS.runLogHeads]: [{ key: { firstAt: 1 }, name: "first_at" }],
  [COLLECTIONS.runLogNotices]: [{ key: { at: 1 }, name: "at" }],
};

export async function ensureSchema(db: Db): Promise<void> {
  for (const [name, indexes] of Object.entries(INDEXES)) {
    const collection = db.collection(name);
    for (let attempt = 1; ; attempt++) {
      // Only the missing ones: FerretDB v1 panics when asked to create some indexes that already exist.
      const listed: { name?: unknown }[] = await collection
        .listIndexes()
        .toArray()
        .catch(() => []);
      const present = new Set(listed.map((i) => String(i.name)));
      const missing = indexes.filter((i) => !present.has(String(i.name)));
      if (missing.length === 0) break;
      try {
        await collection.createIndexes(missing);
        break;
      } catch (err) {
        // Two servers starting on a new database create the same indexes at once, and FerretDB v1 then
        // drops the loser's connection: look again at what exists (the driver reconnects).
        if (attempt >= SCHEMA_ATTEMPTS) throw err;
      }
    }
  }
}

/** How often a server starting beside others tries to create the indexes it finds missing. */
const SCHEMA_ATTEMPTS = 5;
