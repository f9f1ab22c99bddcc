export { loadConfig, ConfigError, type Config } from "./config.js";
export { startFlowgateServer, type RunningServer } from "./flowgate-server.js";
export { createLogger } from "./logger.js";
export { startEmbeddedStore, ensureEmbeddedStoreBinary } from "./store/embedded-store.js";
