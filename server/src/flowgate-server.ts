import { randomUUID } from "node:crypto";
import { chmod, mkdir, readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import { DeploymentService } from "./app/deployment-service.js";
import { ExpiryScheduler } from "./app/expiry-scheduler.js";
import { DEFAULT_HOUSEKEEPING, startHousekeeping } from "./app/housekeeping.js";
import { LogHub } from "./app/log-hub.js";
import { RunLogService } from "./app/log-service.js";
import { logHandlers } from "./rpc/log-handlers.js";
import { FlowRunInputService } from "./app/flow-run-input-service.js";
import { RunEventHub } from "./app/run-event-hub.js";
import { PeerWakeups } from "./app/peer-wakeups.js";
import { announceAddress, openUdpHintSocket } from "./peers/udp-hint-socket.js";
import { RunService } from "./app/run-service.js";
import { RunStreams } from "./app/run-streams.js";
import { TaskRunService } from "./app/task-run-service.js";
import { WebhookDispatcher } from "./app/webhook-dispatcher.js";
import { WebhookOutbox } from "./app/webhook-outbox.js";
import { WebhookService } from "./app/webhook-service.js";
import { DEFAULT_RETRY_POLICY } from "./domain/webhook-retry.js";
import { webhookHandlers } from "./rpc/webhook-handlers.js";
import type { AppContext } from "./app/context.js";
import type { Config } from "./config.js";
import { RunInputSchemas } from "./domain/run-input-schema.js";
import { apiRouter } from "./http/api-routes.js";
import { RunOverview } from "./app/run-overview.js";
import { startHttpServer, type RunningHttpServer } from "./http/http-server.js";
import { StaticFiles } from "./http/static-files.js";
import { ApiKeyService } from "./app/api-keys.js";
import { AuditReader, recordAudit } from "./app/audit-trail.js";
import { auditHandlers } from "./rpc/audit-handlers.js";
import { SessionService } from "./app/sessions.js";
import { AllowedHosts } from "./http/allowed-hosts.js";
import { browserGuards } from "./http/browser-guards.js";
import { SessionCookie, sessionCredentials } from "./http/session-cookie.js";
import { accessLog } from "./middleware/access-log.js";
import { loadTls } from "./tls.js";
import { authenticate } from "./middleware/authenticate.js";
import { requirementOf } from "./middleware/requirements.js";
import { keyHandlers } from "./rpc/key-handlers.js";
import type { Middleware } from "./middleware/call-context.js";
import { HandlerAdapter } from "./rpc/adapter.js";
import { deploymentHandlers } from "./rpc/deployment-handlers.js";
import { startGrpcServer } from "./rpc/grpc-server.js";
import { runHandlers } from "./rpc/run-handlers.js";
import { StoreHealth } from "./app/store-health.js";
import { storeGate } from "./middleware/store-gate.js";
import { StreamCounter, streamLimits } from "./middleware/stream-limits.js";
import { startEmbeddedStore, type EmbeddedStore } from "./embedded-store/launcher.js";
import { openStore } from "./store/mongo-store.js";

export interface RunningServer {
  /** The address clients dial, with the port actually bound. */
  grpcAddress: string;
  /** The HTTP API's address, with the port actually bound. */
  httpAddress: string;
  mongodbUri: string;
  /** Whether gRPC and HTTP are served over TLS (https:// for the web UI). */
  tls: boolean;
  /** The web UI's address: FLOWGATE_UI_URL, else the HTTP address actually bound (as GetCaller reports it). */
  uiUrl: string;
  /** Where this start wrote the first admin key's secret; undefined when keys existed already. */
  adminKeyFile: string | undefined;
  /**
   * The web UI's one-time sign-in link for the admin key in the data dir (valid SIGN_IN_LINK_MS, once);
   * undefined with authentication disabled or without a usable key file.
   */
  signInUrl: string | undefined;
  stop(): Promise<void>;
}

/** Room for the rest of a JSON request body (field names, other fields) around an input at the limit. */
const HTTP_BODY_MARGIN_BYTES = 64 * 1024;

/** How long the sign-in link printed at start can be used (once). */
export const SIGN_IN_LINK_MS = 10 * 60_000;

/** How often every pending pause is re-read from the store, as a net under the event feed. */
const EXPIRY_RESCAN_MS = 60_000;

/** Starts the store (embedded unless a URI is configured), the application services and the gRPC server. */
export interface ServerOptions {
  /** Added to the middleware chain after the built-in ones (tests use it to observe every call). */
  middlewares?: readonly Middleware[];
}

export async function startFlowgateServer(config: Config, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const tls = await loadTls(config.tls);
  let embedded: EmbeddedStore | undefined;
  let uri = config.mongodbUri;
  // The data dir holds the embedded store's files and the admin key: the server's user only.
  await mkdir(resolve(config.dataDir), { recursive: true, mode: 0o700 });
  await chmod(resolve(config.dataDir), 0o700);
  if (!uri) {
    const dataDir = resolve(config.dataDir);
    logger.info({ dataDir }, "starting the embedded store (FLOWGATE_MONGODB_URI is not set)");
    embedded = await startEmbeddedStore({
      dataDir,
      sync: config.embeddedStoreSync,
      onProgress: (line) => logger.info(line),
      // A store process that dies is started again on the same data; calls heal without a restart of ours.
      supervise: true,
    });
    uri = embedded.uri;
    logger.info({ uri }, "embedded store ready");
  }
  try {
    // Known once the HTTP server has bound its port (below), unless configured.
    let uiUrl = config.uiUrl ?? "";
    const store = await openStore({
      uri,
      defaultDatabase: config.mongodbDatabase,
      directConnection: embedded !== undefined,
      compat: config.storeCompat,
    });
    logger.info({ strategy: store.strategy }, "store opened");
    const storeHealth = new StoreHealth({ ping: () => store.ping(), logger });
    // Wake-up hints: other servers on this store read the feed at once after this one appends to it.
    let peers: PeerWakeups | undefined;
    const hub = new RunEventHub(store.events, {
      pollIntervalMs: config.eventPollMs,
      reconcileIntervalMs: config.reconcileMs,
      readRuns: (ids) => store.runs.findByIds(ids),
      logger,
      appended: () => peers?.appended(),
    });
    const ctx: AppContext = {
      store,
      hub,
      schemas: new RunInputSchemas({ maxInputBytes: config.maxInputBytes }),
      logger,
      limits: { maxInputBytes: config.maxInputBytes },
      // Resume links point into the web UI, whose address is known once HTTP listens (below).
      uiUrl: () => uiUrl,
    };
    // Webhooks: run changes write the outbox (ctx.notifier); the dispatcher sends from it.
    const webhookUiUrl = (): string => ctx.uiUrl?.() ?? "";
    const dispatcher = new WebhookDispatcher(store.webhookDeliveries, store.webhooks, store.runs, {
      retry: { ...DEFAULT_RETRY_POLICY, baseMs: config.webhookRetryBaseMs, windowMs: config.webhookRetryWindowMs },
      pollMs: config.webhookPollMs,
      logger,
      uiUrl: webhookUiUrl,
    });
    const outbox = new WebhookOutbox(store.webhooks, store.webhookDeliveries, {
      logger,
      uiUrl: webhookUiUrl,
      enqueued: () => dispatcher.wake(),
    });
    ctx.notifier = outbox;
    const runs = new RunService(ctx);
    const taskRuns = new TaskRunService(ctx);
    const scheduler = new ExpiryScheduler({
      runs: store.runs,
      hub,
      expire: (id, key) => runs.expire(id, key),
      logger,
      rescanIntervalMs: EXPIRY_RESCAN_MS,
    });
    const logHub = new LogHub(store.logs.notices, { pollIntervalMs: config.logPollMs, logger });
    const runLogs = new RunLogService(ctx, logHub, {
      caps: { maxLinesPerRun: config.logMaxLinesPerRun, maxBytesPerRun: config.logMaxBytesPerRun },
    });
    await hub.start();
    if (config.peerAddress) {
      const wakeups = new PeerWakeups({ id: randomUUID(), hostName: hostname(), registry: store.servers, wake: () => hub.wake(), logger });
      const socket = await openUdpHintSocket({ listen: config.peerAddress, onHint: (kind) => wakeups.received(kind), logger });
      await wakeups.start(socket, announceAddress(socket.boundAddress, config.peerAnnounceAddress));
      peers = wakeups;
    }
    await logHub.start();
    await scheduler.start();
    const stopHousekeeping = startHousekeeping(store, logger, {
      ...DEFAULT_HOUSEKEEPING,
      logs: { retentionMs: config.logRetentionMs, trimExpired: (cutoff) => runLogs.trimExpired(cutoff) },
    });
    dispatcher.start();

    const streams = new RunStreams(ctx);
    const inputs = new FlowRunInputService(ctx);
    const keys = new ApiKeyService(store.keys, config.keyCacheMs);
    let adminKeyFile: string | undefined;
    if (config.authEnabled) {
      adminKeyFile = await keys.createFirstAdminKey(resolve(config.dataDir));
      if (adminKeyFile) logger.info({ path: adminKeyFile }, "created the first admin API key; its secret is in this file (owner-only)");
    } else {
      logger.warn("authentication is disabled (FLOWGATE_AUTH=disabled): every caller may do everything");
    }
    const sessions = config.authEnabled
      ? new SessionService(store.sessions, keys, { idleMs: config.sessionIdleMs, maxMs: config.sessionMaxMs })
      : undefined;
    const sessionCookie = new SessionCookie(config.sessionCookieSecure, config.sessionMaxMs);
    const audit = new AuditReader(ctx);
    const deployments = new DeploymentService(ctx, runs, taskRuns);
    const router = apiRouter({
      runs,
      streams,
      inputs,
      audit,
      maxBodyBytes: config.maxInputBytes + HTTP_BODY_MARGIN_BYTES,
      sessions,
      sessionCookie,
      storeUp: () => storeHealth.isUp(),
      logs: runLogs,
      overview: new RunOverview(ctx, runs),
      deployments,
    });
    const routes = new Set(router.patterns());
    const httpHost = config.httpAddress.slice(0, config.httpAddress.lastIndexOf(":"));
    // The one chain every gRPC and HTTP call passes, outermost first. The browser guards (host,
    // origin, JSON bodies) act on HTTP only, and before authentication looks at any credential.
    const middlewares: Middleware[] = [
      accessLog(logger),
      ...browserGuards({ hosts: new AllowedHosts(httpHost, config.httpAllowedHosts), isRoute: (method) => routes.has(method) }),
      // Before authentication: checking a key reads the store, and would hang on a hung store.
      storeGate(storeHealth),
      authenticate({
        authenticator: config.authEnabled ? keys : undefined,
        requirementOf,
        ...(sessions ? { credentialOf: sessionCredentials(sessions, sessionCookie) } : {}),
      }),
      // After authentication, which names the principal a stream counts against.
      streamLimits(new StreamCounter({ perPrincipal: config.maxStreamsPerPrincipal, total: config.maxStreams })),
      ...(options.middlewares ?? []),
    ];
    const adapter = new HandlerAdapter(logger, middlewares);
    const grpc = await startGrpcServer({
      address: config.grpcAddress,
      runs: runHandlers(adapter, { runs, streams, inputs, taskRuns }),
      deployments: deploymentHandlers(adapter, deployments),
      keys: keyHandlers(
        adapter,
        keys,
        (actor, facts) => recordAudit(ctx, actor, facts),
        () => uiUrl,
      ),
      audit: auditHandlers(adapter, audit),
      webhooks: webhookHandlers(
        adapter,
        new WebhookService(store.webhooks, store.webhookDeliveries, () => outbox.invalidate()),
        (actor, facts) => recordAudit(ctx, actor, facts),
      ),
      logs: logHandlers(adapter, runLogs),
      // Room for an input at the limit plus the rest of the message; larger requests fail in grpc-js.
      maxMessageBytes: Math.max(4 * 1024 * 1024, config.maxInputBytes * 4),
      tls,
      onStopping: () => adapter.abortStreams(),
    });
    storeHealth.onChange((up) => grpc.setServing(up));
    storeHealth.start();
    const host = config.grpcAddress.slice(0, config.grpcAddress.lastIndexOf(":"));
    const grpcAddress = `${host}:${grpc.port}`;
    let http: RunningHttpServer;
    try {
      http = await startHttpServer({
        address: config.httpAddress,
        router,
        ui: new StaticFiles(config.uiDir),
        logger,
        middlewares,
        tls,
      });
    } catch (err) {
      // The HTTP port is taken (say): undo what already started, so the caller can retry or exit cleanly.
      storeHealth.stop();
      await grpc.stop(0);
      stopHousekeeping();
      scheduler.stop();
      await dispatcher.stop();
      await peers?.stop();
      await hub.stop();
      await logHub.stop();
      await store.close();
      throw err;
    }
    const httpAddress = `${httpHost}:${http.port}`;
    uiUrl = config.uiUrl ?? `${tls ? "https" : "http"}://${reachableHost(httpHost)}:${http.port}`;
    const signInToken = sessions ? await signInTokenForAdminKey(resolve(config.dataDir), keys, sessions) : undefined;
    logger.info({ grpcAddress, httpAddress, store: embedded ? "embedded" : "mongodb" }, "flowgate is serving");

    return {
      grpcAddress,
      httpAddress,
      mongodbUri: uri,
      adminKeyFile,
      tls: tls !== undefined,
      uiUrl,
      signInUrl: signInToken ? `${uiUrl}/signin#token=${signInToken}` : undefined,
      stop: async () => {
        storeHealth.stop();
        await http.stop();
        await grpc.stop(5_000);
        stopHousekeeping();
        scheduler.stop();
        await dispatcher.stop();
        await peers?.stop();
        await hub.stop();
        await logHub.stop();
        await store.close();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}

/**
 * A one-time sign-in token for the admin key in the data dir (the first start writes it there), so
 * that `npm start` can print a link that signs the browser in, like Jupyter's token link. None when
 * the file is gone or its key no longer works.
 */
async function signInTokenForAdminKey(dataDir: string, keys: ApiKeyService, sessions: SessionService): Promise<string | undefined> {
  const secret = await readFile(join(dataDir, "admin-key"), "utf8").then(
    (text) => text.trim(),
    () => undefined,
  );
  const check = secret ? await keys.verify(secret) : undefined;
  return check?.ok && check.principal.keyId ? sessions.createSignInToken(check.principal.keyId, SIGN_IN_LINK_MS) : undefined;
}

/** A link cannot name the unspecified address a server listens on: it names the loopback one instead. */
function reachableHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "[::]" || host === "::") return "[::1]";
  return host;
}
