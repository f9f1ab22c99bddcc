#!/usr/bin/env node
import { ConfigError, loadConfig } from "./config.js";
import { startFlowgateServer } from "./flowgate-server.js";
import { createLogger } from "./logger.js";

async function main(): Promise<void> {
  let config;
  let logger;
  try {
    config = loadConfig();
    // Reads FLOWGATE_LOG_FORMAT: a bad value is a configuration error like any other.
    logger = createLogger(config.logLevel);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`flowgate: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const server = await startFlowgateServer(config, logger).catch((err: unknown) => {
    process.stderr.write(`flowgate: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
  process.stderr.write(
    `flowgate: gRPC on ${server.grpcAddress} (try: npx buf curl --protocol grpc --http2-prior-knowledge --list-methods http://${server.grpcAddress})\n`,
  );
  if (server.adminKeyFile) {
    process.stderr.write(
      `flowgate: first start: an API key with the admin scope is in ${server.adminKeyFile} (owner-only; the SDK, CLI and clients on this machine read it from .flowgate/admin-key; create others with: npx flowgate keys create)\n`,
    );
  }
  const web = `${server.tls ? "https" : "http"}://${server.httpAddress}`;
  process.stderr.write(`flowgate: web UI on ${web}/ (HTTP API: curl ${web}/api/health)\n`);
  if (server.signInUrl) {
    process.stderr.write(`flowgate: sign in to the web UI with this one-time link (valid for 10 minutes, once): ${server.signInUrl}\n`);
  } else if (config.authEnabled) {
    process.stderr.write(
      `flowgate: sign in to the web UI at ${web}/signin with an API key (npx flowgate keys create --name NAME --scopes runs:read,runs:resume)\n`,
    );
  }

  let stopping = false;
  const shutdown = (signal: string, exitCode = 0): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    server.stop().then(
      () => process.exit(exitCode),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  // Every call is answered by its transport's error boundary, even when that boundary fails
  // (rpc/adapter.ts), so a rejection nobody handled is a lost side task, not a lost call: log it and
  // keep serving, rather than let Node end the process and every other call with it. Every change to
  // a run is one conditional update, so no half-done change is left behind.
  process.on("unhandledRejection", (reason: unknown) => {
    logger.error({ err: reason }, "unhandled rejection; still serving");
  });
  // A synchronous throw out of an event callback leaves that code in an unknown state (Node's own
  // advice is not to carry on): log it, then stop as gracefully as for SIGTERM, with exit code 1 for
  // the supervisor to restart.
  process.on("uncaughtException", (err: Error) => {
    logger.fatal({ err }, "uncaught exception; shutting down");
    shutdown("uncaughtException", 1);
  });
}

void main();
