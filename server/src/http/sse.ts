import type { ServerResponse } from "node:http";

/** Comment lines at this interval keep proxies and browsers from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

/**
 * A Server-Sent Events response. Headers go out on `open()` or the first event, so a stream that
 * fails before its first event (unknown run) can still be answered with a JSON error.
 */
export class SseStream {
  private opened = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly res: ServerResponse) {}

  get isOpen(): boolean {
    return this.opened;
  }

  open(): void {
    if (this.opened) return;
    this.opened = true;
    this.res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // Stops nginx-style proxies from buffering the stream.
      "x-accel-buffering": "no",
    });
    this.res.write(": flowgate\n\n");
    this.timer = setInterval(() => this.res.write(": keep-alive\n\n"), KEEP_ALIVE_MS);
  }

  /** With an `id`, a browser's EventSource reconnects with it as Last-Event-ID. */
  send(event: string, data: unknown, id?: string): void {
    this.open();
    if (this.res.writableEnded || this.res.destroyed) return;
    // JSON.stringify never emits raw newlines, so the data is always one `data:` line.
    this.res.write(`${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    if (this.timer) clearInterval(this.timer);
    if (!this.res.writableEnded) this.res.end();
  }
}
