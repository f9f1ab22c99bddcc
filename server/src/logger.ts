import { pino, type Logger } from "pino";
import type { Config } from "./config.js";

/** JSON lines on stdout; pipe through `npx pino-pretty` for reading by eye. */
export function createLogger(level: Config["logLevel"]): Logger {
  return pino({ level, base: { service: "flowgate" } });
}
