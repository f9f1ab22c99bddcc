export { loadConfig, ConfigError, type Config } from "./config.js";
export { startFlowgateServer, type RunningServer, type ServerOptions } from "./flowgate-server.js";
export type { CallContext, Middleware, Principal } from "./middleware/call-context.js";
export { createLogger } from "./logger.js";
export { startEmbeddedStore, ensureEmbeddedStoreBinary } from "./embedded-store/launcher.js";
