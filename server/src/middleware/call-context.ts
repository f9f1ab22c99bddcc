/**
 * What every call carries through the middleware chain, whichever transport it came in on. Handlers
 * read the request id, the caller's identity (once authentication fills it in) and the signal that
 * aborts when the client goes away or the server stops; they never parse headers themselves.
 */
import type { Principal } from "../domain/access.js";

export type Transport = "grpc" | "http";

export interface CallContext {
  readonly transport: Transport;
  /** "RunService/ResumeFlowRun" on gRPC, "POST /api/runs/:id/resume" (the route pattern) on HTTP. */
  readonly method: string;
  /** The caller's `x-request-id` when it sent a usable one, else one made here; echoed back and logged. */
  readonly requestId: string;
  /** Request metadata (gRPC) or headers (HTTP), lower-case names, first value of each. */
  readonly headers: ReadonlyMap<string, string>;
  /** Aborts when the client cancels or disconnects, or the server shuts down: for unary calls too. */
  readonly signal: AbortSignal;
  readonly startedAt: number;
  /** Who is calling, once a middleware has established it (authentication). */
  principal?: Principal;
  /**
   * Set by authentication when it let a call without any key through because a resume link's token
   * in the request may stand in for one: the handler must find that token, or refuse the call.
   */
  needsResumeToken?: boolean;
}

export type { Principal };

/** One link of the chain: may read or enrich the context, refuse the call by throwing, or wrap `next`. */
export type Middleware = (ctx: CallContext, next: () => Promise<void>) => Promise<void>;

/** Runs `handler` inside every middleware, first to last (the first one is outermost). */
export function runChain(middlewares: readonly Middleware[], ctx: CallContext, handler: () => Promise<void>): Promise<void> {
  const step = (i: number): Promise<void> => (i === middlewares.length ? handler() : middlewares[i]!(ctx, () => step(i + 1)));
  return step(0);
}
