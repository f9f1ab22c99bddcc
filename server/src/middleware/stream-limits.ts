import { ResourceExhaustedError } from "../domain/errors.js";
import type { CallContext, Middleware } from "./call-context.js";

/**
 * The calls that hold a stream open until the client goes or the run ends: gRPC server streams and
 * the HTTP API's Server-Sent Events routes. A test holds this list to the contract's streaming methods.
 */
export const STREAM_METHODS: ReadonlySet<string> = new Set([
  "flowgate.v1.RunService/WaitForResume",
  "flowgate.v1.RunService/WatchFlowRun",
  "flowgate.v1.RunService/WatchFlowRuns",
  "flowgate.v1.LogService/WatchLogs",
  "GET /api/runs/:id/events",
  "GET /api/events",
  "GET /api/runs/:id/logs/events",
]);

export interface StreamLimits {
  /** Streams one principal (one API key, or the anonymous caller) may hold at once, both transports together. */
  perPrincipal: number;
  /** Streams the whole server holds at once. */
  total: number;
}

/** Counts open streams, per principal and in total. */
export class StreamCounter {
  private readonly byPrincipal = new Map<string, number>();
  private open = 0;

  constructor(private readonly limits: StreamLimits) {}

  /** Streams open now: everyone's, or one principal's. */
  count(principal?: string): number {
    return principal === undefined ? this.open : (this.byPrincipal.get(principal) ?? 0);
  }

  /** Takes a place for one stream, or refuses with TOO_MANY_STREAMS; the returned function gives it back (once). */
  acquire(principal: string, name = principal): () => void {
    const mine = this.byPrincipal.get(principal) ?? 0;
    if (mine >= this.limits.perPrincipal) {
      throw new ResourceExhaustedError(
        `${name} already holds ${mine} open streams, the most one caller may hold (FLOWGATE_MAX_STREAMS_PER_PRINCIPAL); close some or retry later.`,
      );
    }
    if (this.open >= this.limits.total) {
      throw new ResourceExhaustedError(
        `The server already holds ${this.open} open streams, the most it accepts (FLOWGATE_MAX_STREAMS); retry later.`,
      );
    }
    this.byPrincipal.set(principal, mine + 1);
    this.open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
      const left = (this.byPrincipal.get(principal) ?? 1) - 1;
      // Dropped at zero, so principals that come and go leave nothing behind.
      if (left === 0) this.byPrincipal.delete(principal);
      else this.byPrincipal.set(principal, left);
    };
  }
}

/** Who a stream counts against: its key (a session counts as the key it was opened with), else its name. */
function principalOf(ctx: CallContext): { id: string; name: string } {
  const p = ctx.principal;
  if (!p) return { id: "anonymous", name: "anonymous" };
  return { id: p.keyId ? `key:${p.keyId}` : `name:${p.name}`, name: p.name };
}

/**
 * Caps open streams per principal and in total, for gRPC streams and SSE alike: a stream over a cap is
 * refused RESOURCE_EXHAUSTED / 429 (reason TOO_MANY_STREAMS) before its handler reads anything, and its
 * place is given back when the stream ends, however it ends. Placed after authentication, which names
 * the principal.
 */
export function streamLimits(counter: StreamCounter): Middleware {
  return async (ctx, next) => {
    if (!STREAM_METHODS.has(ctx.method)) return next();
    const { id, name } = principalOf(ctx);
    const release = counter.acquire(id, name);
    try {
      await next();
    } finally {
      release();
    }
  };
}
