/**
 * ANSI colours for state names. On only for a terminal, so piped output and files stay plain; NO_COLOR
 * (https://no-color.org) turns them off, FORCE_COLOR on (tests check the colours through a pipe).
 */
import { StateType } from "../types.js";

export function colorEnabled(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env["NO_COLOR"]) return false;
  if (env["FORCE_COLOR"] && env["FORCE_COLOR"] !== "0") return true;
  return stream.isTTY === true;
}

const CODES: Record<StateType, number> = {
  [StateType.SCHEDULED]: 90, // grey
  [StateType.PENDING]: 90,
  [StateType.RUNNING]: 36, // cyan
  [StateType.PAUSED]: 33, // yellow
  [StateType.COMPLETED]: 32, // green
  [StateType.FAILED]: 31, // red
  [StateType.CRASHED]: 31,
  [StateType.CANCELLED]: 35, // magenta
  [StateType.CANCELLING]: 35,
};

export function paintState(type: StateType, text: string, enabled: boolean): string {
  return enabled ? `\u001b[${CODES[type]}m${text}\u001b[0m` : text;
}

export function dim(text: string, enabled: boolean): string {
  return enabled ? `\u001b[2m${text}\u001b[0m` : text;
}
