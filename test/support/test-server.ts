/**
 * Starts real Flowgate servers for tests: in this process (fast) or as child processes (for kill -9
 * and multi-server scenarios). All share one store per test run; each test server gets its own
 * database unless told to share one, so tests never see each other's runs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { pino, type Logger } from "pino";
import type { Middleware } from "../../server/src/middleware/call-context.js";
import { startFlowgateServer, type RunningServer } from "../../server/src/flowgate-server.js";
import { loadConfig } from "../../server/src/config.js";
import { startEmbeddedStore, type EmbeddedStore } from "../../server/src/embedded-store/launcher.js";
import { rememberApiKey } from "./api-keys.js";
import { connect, type TestClients } from "./grpc-client.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

let sharedStore: Promise<{ uri: string; store?: EmbeddedStore }> | undefined;

/**
 * The store URI for this test process: FLOWGATE_MONGODB_URI when set (the test runner sets it to the
 * run's embedded store, or a real MongoDB), otherwise an embedded store started for this process.
 */
export function storeUri(): Promise<string> {
  sharedStore ??= (async () => {
    const given = process.env["FLOWGATE_MONGODB_URI"];
    if (given) return { uri: given };
    const store = await startEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), "flowgate-test-store-")), onProgress: () => undefined });
    process.once("exit", () => void store.stop());
    return { uri: `${store.uri}?directConnection=true`, store };
  })();
  return sharedStore.then((s) => s.uri);
}

export function uniqueDatabase(): string {
  return `t_${randomBytes(6).toString("hex")}`;
}

export interface TestServer extends TestClients {
  address: string;
  /** The HTTP API's "host:port". */
  httpAddress: string;
  database: string;
  /** The server's own data dir (a temporary one), where it wrote its first admin key. */
  dataDir: string;
  /** That admin key's secret: the clients above send it; child processes get it as FLOWGATE_API_KEY. */
  apiKey: string;
  /** `authorization` header for fetch() and raw metadata. */
  authHeader: string;
  stop(): Promise<void>;
}

/** The admin key a server wrote into its data dir on first start. */
export function readAdminKey(dataDir: string): string {
  return readFileSync(join(dataDir, "admin-key"), "utf8").trim();
}

/**
 * The admin key of each database: the first server on a database creates it (and writes it into its
 * own data dir); servers started later on the same database (restarts, a second server) find none to
 * create, so their clients use the one remembered here.
 */
const adminKeys = new Map<string, string>();

function adminKeyFor(database: string, dataDir: string): string {
  const written = existsSync(join(dataDir, "admin-key")) ? readAdminKey(dataDir) : undefined;
  const key = adminKeys.get(database) ?? written;
  if (!key) throw new Error(`no admin key for database ${database}: the server wrote none into ${dataDir}`);
  adminKeys.set(database, key);
  return key;
}

function testDataDir(opts: TestServerOptions): string {
  return opts.env?.["FLOWGATE_DATA_DIR"] ?? mkdtempSync(join(tmpdir(), "flowgate-test-data-"));
}

export interface TestServerOptions {
  database?: string;
  env?: Record<string, string>;
  /** In-process servers only: extra middlewares, and a logger in place of the silent one. */
  middlewares?: readonly Middleware[];
  logger?: Logger;
}

/** A server in this process, on a free port. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const database = opts.database ?? uniqueDatabase();
  const dataDir = testDataDir(opts);
  const config = loadConfig({
    FLOWGATE_DATA_DIR: dataDir,
    FLOWGATE_GRPC_ADDRESS: "127.0.0.1:0",
    FLOWGATE_HTTP_ADDRESS: "127.0.0.1:0",
    FLOWGATE_MONGODB_URI: await storeUri(),
    FLOWGATE_MONGODB_DATABASE: database,
    FLOWGATE_EVENT_POLL_MS: "20",
    // The run's forced store strategy (tools/run-tests.mjs passes it through), as the server process gets it.
    ...(process.env["FLOWGATE_STORE_COMPAT"] ? { FLOWGATE_STORE_COMPAT: process.env["FLOWGATE_STORE_COMPAT"] } : {}),
    ...opts.env,
  });
  const logger = opts.logger ?? pino({ level: process.env["FLOWGATE_TEST_LOG_LEVEL"] ?? "silent" });
  const server: RunningServer = await startFlowgateServer(config, logger, {
    ...(opts.middlewares ? { middlewares: opts.middlewares } : {}),
  });
  const apiKey = config.authEnabled ? adminKeyFor(database, dataDir) : "";
  rememberApiKey(server.grpcAddress, apiKey);
  const clients = connect(server.grpcAddress, apiKey);
  return {
    ...clients,
    address: server.grpcAddress,
    httpAddress: server.httpAddress,
    database,
    dataDir,
    apiKey,
    authHeader: `Bearer ${apiKey}`,
    stop: async () => {
      clients.close();
      await server.stop();
    },
  };
}

export interface ServerProcess extends TestServer {
  child: ChildProcess;
  /** What the server wrote to stderr (its log, at FLOWGATE_LOG_LEVEL, warn unless told), line by line. */
  logs: string[];
  /** kill -9: no shutdown hooks run. */
  kill9(): Promise<void>;
}

/** A server in a child process (the real entry point), on a free port. */
export async function startServerProcess(opts: TestServerOptions = {}): Promise<ServerProcess> {
  const database = opts.database ?? uniqueDatabase();
  const dataDir = testDataDir(opts);
  // FLOWGATE_SERVER_NODE_FLAGS (say "--cpu-prof --cpu-prof-dir=/tmp/prof", which NODE_OPTIONS refuses)
  // profiles the server a benchmark starts.
  const flags = (process.env["FLOWGATE_SERVER_NODE_FLAGS"] ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...flags, "--import", "tsx", join(REPO, "server/src/main.ts")], {
    cwd: REPO,
    env: {
      ...process.env,
      FLOWGATE_GRPC_ADDRESS: "127.0.0.1:0",
      FLOWGATE_HTTP_ADDRESS: "127.0.0.1:0",
      FLOWGATE_MONGODB_URI: await storeUri(),
      FLOWGATE_MONGODB_DATABASE: database,
      FLOWGATE_EVENT_POLL_MS: "20",
      FLOWGATE_LOG_LEVEL: "warn",
      FLOWGATE_DATA_DIR: dataDir,
      ...opts.env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const lines: string[] = [];
  const { address, httpAddress } = await new Promise<{ address: string; httpAddress: string }>((resolve, reject) => {
    let grpcAddress: string | undefined;
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${lines.join("\n")}`)), 30_000);
    createInterface({ input: child.stderr }).on("line", (line) => {
      lines.push(line);
      grpcAddress ??= /gRPC on (\S+)/.exec(line)?.[1];
      // main.ts prints the web UI's line right after the gRPC one.
      const http = /web UI on https?:\/\/([^/\s]+)\//.exec(line)?.[1];
      if (grpcAddress && http) {
        clearTimeout(timer);
        resolve({ address: grpcAddress, httpAddress: http });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${lines.join("\n")}`));
    });
  });
  const apiKey = opts.env?.["FLOWGATE_AUTH"] === "disabled" ? "" : adminKeyFor(database, dataDir);
  rememberApiKey(address, apiKey);
  const clients = connect(address, apiKey);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    ...clients,
    address,
    httpAddress,
    database,
    dataDir,
    apiKey,
    authHeader: `Bearer ${apiKey}`,
    child,
    logs: lines,
    stop: async () => {
      clients.close();
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
    kill9: async () => {
      clients.close();
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Two server processes on one store (one database), as several servers of one deployment would run. */
export async function startServersOnOneStore(): Promise<{ one: ServerProcess; two: ServerProcess }> {
  const one = await startServerProcess();
  const two = await startServerProcess({ database: one.database });
  return { one, two };
}

/** Stops the servers that started, in order; one that did not (undefined) is skipped. */
export async function stopServers(...servers: (ServerProcess | undefined)[]): Promise<void> {
  for (const server of servers) await server?.stop();
}
