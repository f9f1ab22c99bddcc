/** What the store's build and its process share: the tail of a child's output, abort reasons, progress. */

const ERROR_TAIL_LINES = 15;

export function defaultProgress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Keeps only the most recent lines so a chatty child cannot grow memory without bound. */
export class LineTail {
  private readonly lines: string[] = [];
  constructor(private readonly max: number) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }

  last(n: number): string[] {
    return this.lines.slice(-n);
  }
}

export function formatTail(tail: LineTail, label: string): string {
  const lines = tail.last(ERROR_TAIL_LINES).filter((l) => l.trim() !== "");
  return lines.length === 0 ? "" : `\n${label}:\n  ${lines.join("\n  ")}`;
}

export function abortReason(signal: AbortSignal): Error {
  // AbortSignal.reason is always set by abort() in Node 20 (a DOMException, an Error), but a
  // hand-rolled signal may have none, or a reason that is not an Error.
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new Error("The operation was aborted", { cause: reason });
}
