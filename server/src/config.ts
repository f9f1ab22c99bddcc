import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { STORE_COMPATS, type StoreCompat } from "./store/compat/strategy.js";
import { DEFAULT_LOG_CAPS, DEFAULT_LOG_RETENTION_DAYS, MIN_LOG_LINES_PER_RUN } from "./domain/run-logs.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const schema = z.object({
  FLOWGATE_GRPC_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must look like "host:port"')
    .default("127.0.0.1:50051"),
  FLOWGATE_HTTP_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must look like "host:port"')
    .default("127.0.0.1:4200"),
  FLOWGATE_MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with "mongodb://" or "mongodb+srv://"')
    .optional(),
  FLOWGATE_MONGODB_DATABASE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, "must be 1 to 63 letters, digits, _ or -")
    .default("flowgate"),
  FLOWGATE_DATA_DIR: z.string().min(1).default(".flowgate"),
  FLOWGATE_LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  // At most 2 MiB: a run's document holds up to six values at this limit (parameters; a waiting
  // pause's schema, initial input and timeout input; the latest ended pause's input, also kept by the
  // approval that met its quorum), 12 MiB, and must stay under the store's 16 MB document limit.
  FLOWGATE_MAX_INPUT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(2 * 1024 * 1024)
    .default(1024 * 1024),
  FLOWGATE_RECONCILE_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  FLOWGATE_EMBEDDED_STORE_SYNC: z.enum(["normal", "full"]).default("normal"),
  FLOWGATE_STORE_COMPAT: z.enum(STORE_COMPATS).optional(),
  // Up to an hour: with wake-up hints between servers the poll is only a net for lost hints.
  FLOWGATE_EVENT_POLL_MS: z.coerce.number().int().min(5).max(3_600_000).default(25),
  FLOWGATE_PEER_ADDRESS: z
    .string()
    .regex(/^off$|^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must look like "host:port", or be "off"')
    .default("127.0.0.1:0"),
  FLOWGATE_PEER_ANNOUNCE_ADDRESS: z
    .string()
    .regex(/^[^\s:[\]]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$/, 'must look like "host:port" or "host"')
    .optional(),
  FLOWGATE_UI_DIR: z.string().min(1).optional(),
  FLOWGATE_AUTH: z.enum(["enabled", "disabled"]).default("enabled"),
  FLOWGATE_KEY_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  FLOWGATE_TLS_CERT: z.string().min(1).optional(),
  FLOWGATE_TLS_KEY: z.string().min(1).optional(),
  FLOWGATE_TLS_CLIENT_CA: z.string().min(1).optional(),
  FLOWGATE_HTTP_ALLOWED_HOSTS: z
    .string()
    .regex(/^\s*(\*|[^\s,]+)(\s*,\s*[^\s,]+)*\s*$/, 'must be a comma-separated list of host names (or "*")')
    .optional(),
  FLOWGATE_SESSION_IDLE_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 3600)
    .default(12 * 3600),
  FLOWGATE_SESSION_MAX_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(365 * 24 * 3600)
    .default(7 * 24 * 3600),
  FLOWGATE_SESSION_COOKIE_SECURE: z.enum(["true", "false"]).optional(),
  FLOWGATE_UI_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an http:// or https:// address, like "https://flowgate.example.com"')
    .optional(),
  FLOWGATE_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(5_000),
  FLOWGATE_WEBHOOK_RETRY_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(24 * 3600),
  FLOWGATE_WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(2_000),
  FLOWGATE_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(DEFAULT_LOG_RETENTION_DAYS),
  FLOWGATE_LOG_MAX_LINES_PER_RUN: z.coerce
    .number()
    .int()
    .min(MIN_LOG_LINES_PER_RUN)
    .max(100_000_000)
    .default(DEFAULT_LOG_CAPS.maxLinesPerRun),
  FLOWGATE_LOG_MAX_BYTES_PER_RUN: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .max(1024 * 1024 * 1024 * 1024)
    .default(DEFAULT_LOG_CAPS.maxBytesPerRun),
  FLOWGATE_LOG_POLL_MS: z.coerce.number().int().min(5).max(10_000).default(100),
  // Room for issue 15's 100,000 held WaitForResume streams under one SDK key.
  FLOWGATE_MAX_STREAMS_PER_PRINCIPAL: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
  FLOWGATE_MAX_STREAMS: z.coerce.number().int().min(1).max(10_000_000).default(200_000),
});

/** ui/dist of this repository, from server/src or server/dist alike. */
const DEFAULT_UI_DIR = fileURLToPath(new URL("../../ui/dist", import.meta.url));

export interface Config {
  grpcAddress: string;
  httpAddress: string;
  mongodbUri: string | undefined;
  mongodbDatabase: string;
  dataDir: string;
  logLevel: (typeof LOG_LEVELS)[number];
  maxInputBytes: number;
  eventPollMs: number;
  /**
   * Where this server receives wake-up hints from the others on its store (UDP "host:port"), undefined
   * when off; and the address it tells them, when that differs (peer-wakeups.ts, docs/configuration.md).
   */
  peerAddress: string | undefined;
  peerAnnounceAddress: string | undefined;
  embeddedStoreSync: "normal" | "full";
  /** Forces a store compatibility strategy; unset, the store's own buildInfo decides (store/compat/strategy.ts). */
  storeCompat: StoreCompat | undefined;
  reconcileMs: number;
  /** The web UI's built files, served on the HTTP address. */
  uiDir: string;
  /** False only with FLOWGATE_AUTH=disabled, which loopback addresses alone accept. */
  authEnabled: boolean;
  /** How long a verified API key is trusted without reading the store again (revocation delay across servers). */
  keyCacheMs: number;
  /** PEM files: with them, gRPC and HTTP are served over TLS; with a client CA too, clients need a certificate it signed. */
  tls: { certFile: string; keyFile: string; clientCaFile: string | undefined } | undefined;
  /**
   * Host names the HTTP server answers besides the loopback names and its own listen host (against
   * DNS rebinding); "*" answers any. Entries are "name" (any port) or "name:port".
   */
  httpAllowedHosts: string[];
  /** A web UI session ends after this long without a request, and after sessionMaxMs whatever happens. */
  sessionIdleMs: number;
  sessionMaxMs: number;
  /**
   * Session cookies marked Secure and named with the __Host- prefix: on by default under TLS; set it
   * when a proxy in front serves the UI over HTTPS.
   */
  sessionCookieSecure: boolean;
  /**
   * The web UI's address as people reach it (FLOWGATE_UI_URL, no trailing slash), for a proxy in front;
   * unset, it is the HTTP address actually bound. Clients print run links under it.
   */
  uiUrl: string | undefined;
  /**
   * Webhook retries: the first after `webhookRetryBaseMs`, doubling up to an hour, the last
   * `webhookRetryWindowMs` after the first attempt (docs/webhooks.md). Tests shorten both.
   */
  webhookRetryBaseMs: number;
  webhookRetryWindowMs: number;
  /** How often each server looks for due deliveries it was not told of (another server's, retries, reminders). */
  webhookPollMs: number;
  /** Run logs: kept this long after they were written, and per run at most these many lines and bytes (the oldest go first). */
  logRetentionMs: number;
  logMaxLinesPerRun: number;
  logMaxBytesPerRun: number;
  /** How often each server reads the other servers' log notices, for its live log streams. */
  logPollMs: number;
  /** Open streams (gRPC server streams and SSE together) one principal may hold, and the whole server. */
  maxStreamsPerPrincipal: number;
  maxStreams: number;
}

export class ConfigError extends Error {}

/** Reads FLOWGATE_* variables; an invalid one fails with a one-line reason naming it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith("FLOWGATE_") && v !== ""));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid configuration: ${String(issue.path[0])} ${issue.message}`);
  }
  const c = parsed.data;
  if ((c.FLOWGATE_TLS_CERT === undefined) !== (c.FLOWGATE_TLS_KEY === undefined)) {
    throw new ConfigError(
      "invalid configuration: FLOWGATE_TLS_CERT and FLOWGATE_TLS_KEY go together (PEM files of the certificate and its key)",
    );
  }
  if (c.FLOWGATE_TLS_CLIENT_CA !== undefined && c.FLOWGATE_TLS_CERT === undefined) {
    throw new ConfigError("invalid configuration: FLOWGATE_TLS_CLIENT_CA needs FLOWGATE_TLS_CERT and FLOWGATE_TLS_KEY (mTLS is TLS first)");
  }
  const peerHost = c.FLOWGATE_PEER_ADDRESS.slice(0, c.FLOWGATE_PEER_ADDRESS.lastIndexOf(":"));
  if (["0.0.0.0", "[::]"].includes(peerHost) && c.FLOWGATE_PEER_ANNOUNCE_ADDRESS === undefined) {
    throw new ConfigError(
      `invalid configuration: FLOWGATE_PEER_ADDRESS=${c.FLOWGATE_PEER_ADDRESS} needs FLOWGATE_PEER_ANNOUNCE_ADDRESS, the address the other servers reach this one at`,
    );
  }
  if (c.FLOWGATE_AUTH === "disabled") {
    for (const [name, address] of [
      ["FLOWGATE_GRPC_ADDRESS", c.FLOWGATE_GRPC_ADDRESS],
      ["FLOWGATE_HTTP_ADDRESS", c.FLOWGATE_HTTP_ADDRESS],
    ] as const) {
      if (!isLoopbackAddress(address)) {
        throw new ConfigError(
          `invalid configuration: FLOWGATE_AUTH=disabled is refused with ${name}=${address}: without authentication, listen on a loopback address only`,
        );
      }
    }
  }
  return {
    grpcAddress: c.FLOWGATE_GRPC_ADDRESS,
    httpAddress: c.FLOWGATE_HTTP_ADDRESS,
    mongodbUri: c.FLOWGATE_MONGODB_URI,
    mongodbDatabase: c.FLOWGATE_MONGODB_DATABASE,
    dataDir: c.FLOWGATE_DATA_DIR,
    logLevel: c.FLOWGATE_LOG_LEVEL,
    maxInputBytes: c.FLOWGATE_MAX_INPUT_BYTES,
    eventPollMs: c.FLOWGATE_EVENT_POLL_MS,
    peerAddress: c.FLOWGATE_PEER_ADDRESS === "off" ? undefined : c.FLOWGATE_PEER_ADDRESS,
    peerAnnounceAddress: c.FLOWGATE_PEER_ANNOUNCE_ADDRESS,
    embeddedStoreSync: c.FLOWGATE_EMBEDDED_STORE_SYNC,
    storeCompat: c.FLOWGATE_STORE_COMPAT,
    reconcileMs: c.FLOWGATE_RECONCILE_MS,
    uiDir: resolve(c.FLOWGATE_UI_DIR ?? DEFAULT_UI_DIR),
    authEnabled: c.FLOWGATE_AUTH === "enabled",
    keyCacheMs: c.FLOWGATE_KEY_CACHE_MS,
    tls:
      c.FLOWGATE_TLS_CERT && c.FLOWGATE_TLS_KEY
        ? {
            certFile: resolve(c.FLOWGATE_TLS_CERT),
            keyFile: resolve(c.FLOWGATE_TLS_KEY),
            clientCaFile: c.FLOWGATE_TLS_CLIENT_CA && resolve(c.FLOWGATE_TLS_CLIENT_CA),
          }
        : undefined,
    httpAllowedHosts: (c.FLOWGATE_HTTP_ALLOWED_HOSTS ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter(Boolean),
    sessionIdleMs: c.FLOWGATE_SESSION_IDLE_SECONDS * 1000,
    sessionMaxMs: c.FLOWGATE_SESSION_MAX_SECONDS * 1000,
    sessionCookieSecure: c.FLOWGATE_SESSION_COOKIE_SECURE ? c.FLOWGATE_SESSION_COOKIE_SECURE === "true" : c.FLOWGATE_TLS_CERT !== undefined,
    uiUrl: c.FLOWGATE_UI_URL?.replace(/\/+$/, ""),
    webhookRetryBaseMs: c.FLOWGATE_WEBHOOK_RETRY_BASE_MS,
    webhookRetryWindowMs: c.FLOWGATE_WEBHOOK_RETRY_WINDOW_SECONDS * 1000,
    webhookPollMs: c.FLOWGATE_WEBHOOK_POLL_MS,
    logRetentionMs: c.FLOWGATE_LOG_RETENTION_DAYS * 24 * 3600 * 1000,
    logMaxLinesPerRun: c.FLOWGATE_LOG_MAX_LINES_PER_RUN,
    logMaxBytesPerRun: c.FLOWGATE_LOG_MAX_BYTES_PER_RUN,
    logPollMs: c.FLOWGATE_LOG_POLL_MS,
    maxStreamsPerPrincipal: c.FLOWGATE_MAX_STREAMS_PER_PRINCIPAL,
    maxStreams: c.FLOWGATE_MAX_STREAMS,
  };
}

/** "127.0.0.1:50051", "localhost:4200", "[::1]:0": reachable from this machine only. */
export function isLoopbackAddress(address: string): boolean {
  const host = address
    .slice(0, address.lastIndexOf(":"))
    .replace(/^\[(.*)\]$/, "$1")
    .toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
