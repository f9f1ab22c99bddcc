import type { ServerResponse } from "node:http";

/** Comment lines at this interval keep proxies and browsers from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;
const KEEP_ALIVE = Buffer.from(": keep-alive\n\n");
/**
 * The reconnection delay each stream asks its browser for (`retry:`), drawn at random in this range:
 * when a server restarts, the pages that followed it come back spread over a few seconds instead of
 * all at the browsers' fixed 3 s, and never sooner than a second.
 */
export const RECONNECT_MS = { min: 1_000, max: 5_000 } as const;

/**
 * One timer for every open stream's keep-alive, not one each: ten thousand streams are ten thousand
 * entries in a set, and nothing is left of a stream once it ends.
 */
const keepAlive = {
  streams: new Set<ServerResponse>(),
  timer: undefined as NodeJS.Timeout | undefined,
  add(res: ServerResponse): void {
    this.streams.add(res);
    if (this.timer) return;
    this.timer = setInterval(() => {
      for (const r of this.streams) if (!r.writableEnded && !r.destroyed) r.write(KEEP_ALIVE);
    }, KEEP_ALIVE_MS);
    // Keep-alives never hold the process open on their own.
    this.timer.unref();
  },
  delete(res: ServerResponse): void {
    this.streams.delete(res);
    if (this.streams.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  },
};

/** A complete `event:`/`data:` frame, encoded: the same bytes may go to many streams (http/event-frames.ts). */
export function sseFrame(event: string, data: unknown): Buffer {
  // JSON.stringify never emits raw newlines, so the data is always one `data:` line.
  return Buffer.from(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * A Server-Sent Events response. Headers go out on `open()` or the first event, so a stream that
 * fails before its first event (unknown run) can still be answered with a JSON error.
 */
export class SseStream {
  private opened = false;
  private corked = false;

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
    const retry = RECONNECT_MS.min + Math.floor(Math.random() * (RECONNECT_MS.max - RECONNECT_MS.min));
    this.res.write(`: flowgate\nretry: ${retry}\n\n`);
    keepAlive.add(this.res);
    // However the response ends (end() below, the client going, the server cutting it).
    this.res.once("close", () => keepAlive.delete(this.res));
  }

  /** With an `id`, a browser's EventSource reconnects with it as Last-Event-ID. */
  send(event: string, data: unknown, id?: string): void {
    const frame = sseFrame(event, data);
    if (id === undefined) this.sendFrame(frame);
    else this.sendFrame(Buffer.concat([Buffer.from(`id: ${id}\n`), frame]));
  }

  /**
   * An encoded frame (sseFrame), written as it is: a Buffer is queued by reference, so a frame shared
   * by many streams is held once however many are still sending it. The writes of one turn of the
   * event loop (a stream's initial burst) leave in one go.
   */
  sendFrame(frame: Buffer): void {
    this.open();
    if (this.res.writableEnded || this.res.destroyed) return;
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(() => {
        this.corked = false;
        this.res.uncork();
      });
    }
    this.res.write(frame);
  }

  end(): void {
    keepAlive.delete(this.res);
    if (!this.res.writableEnded) this.res.end();
  }
}
