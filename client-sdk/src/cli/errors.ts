/**
 * How the CLI fails: one line "error: <message>" on stderr, a line "reason: <REASON>" when the server
 * gave one, one line per field for invalid input, and an exit code a script can branch on.
 */
import {
  FlowgateError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  RefusedError,
  UnauthenticatedError,
  UnavailableError,
} from "../errors.js";

export const ExitCode = {
  OK: 0,
  /** Anything unexpected. */
  FAILURE: 1,
  /** Bad command line: unknown option, unreadable or non-object --input. */
  USAGE: 2,
  /** NotFoundError and its subclasses: the run, deployment, pause or input does not exist. */
  NOT_FOUND: 3,
  /** InvalidArgumentError and InvalidRunInputError: e.g. the run input fails the pause's schema. */
  INVALID: 4,
  /** RefusedError and its subclasses: not paused, pause timed out, already final, transition refused. */
  REFUSED: 5,
  /** The server cannot be reached. */
  UNAVAILABLE: 6,
  /** UnauthenticatedError (HTTP 401): no API key, or one that is unknown, expired or revoked. */
  UNAUTHENTICATED: 7,
  /** PermissionDeniedError (HTTP 403): the API key lacks the scope the command needs. */
  PERMISSION_DENIED: 8,
  /** Interrupted (Ctrl-C), as shells report SIGINT. */
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the CLI itself detects (bad flags, unreadable file), with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.USAGE,
  ) {
    super(message);
  }
}

/** By class alone: the SDK chose the class from the server's reason, so no message text is read here. */
function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof NotFoundError) return ExitCode.NOT_FOUND;
  if (err instanceof InvalidArgumentError) return ExitCode.INVALID;
  if (err instanceof RefusedError) return ExitCode.REFUSED;
  if (err instanceof UnavailableError) return ExitCode.UNAVAILABLE;
  if (err instanceof UnauthenticatedError) return ExitCode.UNAUTHENTICATED;
  if (err instanceof PermissionDeniedError) return ExitCode.PERMISSION_DENIED;
  return ExitCode.FAILURE;
}

/** Writes the reason (and field errors) to stderr and returns the exit code. */
export function reportError(err: unknown, address: string, write: (line: string) => void): ExitCode {
  // One line: grpc-js appends a multi-line, sometimes empty "Resolution note" to connection errors.
  const message = (err instanceof Error ? err.message : String(err))
    .split("\n")[0]!
    .replace(/\s*Resolution note:\s*$/, "")
    .trim();
  if (err instanceof UnavailableError) {
    write(`error: cannot reach the Flowgate server at ${address}: ${message}`);
  } else {
    write(`error: ${message}`);
  }
  // The machine-readable reason on a line of its own, for scripts that branch on more than the exit code.
  if (err instanceof FlowgateError && err.reason) write(`reason: ${err.reason}`);
  if (err instanceof InvalidArgumentError) {
    for (const f of err.fieldErrors) write(`  ${f.field || "(input)"}: ${f.description}`);
  }
  if (!(err instanceof FlowgateError) && !(err instanceof CliError) && err instanceof Error && process.env["FLOWGATE_DEBUG"]) {
    write(err.stack ?? "");
  }
  return exitCodeOf(err);
}
