/** Durations on the command line: `30d`, `12h`, `90m`, `3600s` → seconds. */
import { CliError } from "./errors.js";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds in `text`; a CliError (usage) naming `option` when it is not a positive whole number with a unit. */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d+)([smhd])$/.exec(text.trim());
  const seconds = m ? Number(m[1]) * UNIT_SECONDS[m[2]!]! : 0;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new CliError(`${option} must be a positive duration such as 30d, 12h, 90m or 3600s, got "${text}"`);
  }
  return seconds;
}
