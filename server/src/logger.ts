import { pino, type Logger } from "pino";
import type { Config } from "./config.js";
import { chooseLogFormat, logColorEnabled, prettyDestination } from "./log-format.js";

/** Where the log goes: stdout, or in tests anything that takes text and says whether it is a terminal. */
export interface LogOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * The server's logger: one readable line per record on a terminal, JSON lines otherwise (or as
 * FLOWGATE_LOG_FORMAT=json|pretty says). Both formats come from the same pino record, serializers
 * and all; pretty only re-renders the JSON line (log-format.ts), so it cannot show what JSON would not.
 */
export function createLogger(level: Config["logLevel"], env: NodeJS.ProcessEnv = process.env, out: LogOutput = process.stdout): Logger {
  const options = { level, base: { service: "flowgate" } };
  const tty = out.isTTY === true;
  if (chooseLogFormat(env, tty) === "pretty") {
    return pino(
      options,
      prettyDestination((text) => out.write(text), logColorEnabled(env, tty)),
    );
  }
  // pino's own fast writer on fd 1 for stdout, as before.
  return out === process.stdout ? pino(options) : pino(options, { write: (line: string) => void out.write(line) });
}
