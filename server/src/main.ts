#!/usr/bin/env node
import { ConfigError, loadConfig } from "./config.js";
import { startFlowgateServer } from "./flowgate-server.js";
import { createLogger } from "./logger.js";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`flowgate: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
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
  process.stderr.write(`flowgate: web UI on http://${server.httpAddress}/ (HTTP API: curl http://${server.httpAddress}/api/health)\n`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

void main();
