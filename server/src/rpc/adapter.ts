import { Metadata, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { runChain, type CallContext, type Middleware } from "../middleware/call-context.js";
import { REQUEST_ID_HEADER, requestIdFrom } from "../middleware/request-id.js";
import { toServiceError } from "./status.js";

/**
 * Builds grpc-js handlers from plain async functions, so handlers never see callbacks. Every call
 * passes the one middleware chain (request id, access log, and whatever else the server adds) and
 * every failure the one error boundary. Handlers get a CallContext whose signal fires when the
 * client goes away or the server shuts down, for unary calls and streams alike.
 */
export class HandlerAdapter {
  private readonly shutdown = new AbortController();

  constructor(
    private readonly logger: Logger,
    private readonly middlewares: readonly Middleware[],
  ) {}

  /** Aborts every open call (graceful shutdown). */
  abortStreams(): void {
    this.shutdown.abort(new Error("server shutting down"));
  }

  unary<Req, Res>(method: string, fn: (req: Req, ctx: CallContext) => Promise<Res>) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const { ctx, done } = this.open(call, method);
      let response: Res | undefined;
      runChain(this.middlewares, ctx, async () => {
        response = await fn(call.request, ctx);
      })
        .then(
          () => callback(null, response),
          (err: unknown) => callback(toServiceError(err, this.logger, method), null),
        )
        .finally(done);
    };
  }

  serverStream<Req, Res>(method: string, fn: (req: Req, ctx: CallContext, send: (res: Res) => void) => Promise<void>) {
    return (call: ServerWritableStream<Req, Res>): void => {
      const { ctx, done } = this.open(call, method);
      const send = (res: Res): void => {
        if (!ctx.signal.aborted) call.write(res);
      };
      runChain(this.middlewares, ctx, () => fn(call.request, ctx, send))
        .then(
          () => {
            if (!call.cancelled) call.end();
          },
          (err: unknown) => {
            if (!call.cancelled) call.emit("error", toServiceError(err, this.logger, method));
          },
        )
        .finally(done);
    };
  }

  private open(
    call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>,
    method: string,
  ): { ctx: CallContext; done: () => void } {
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    call.on("cancelled", abort);
    call.on("close", abort);
    this.shutdown.signal.addEventListener("abort", abort);
    const headers = new Map<string, string>();
    for (const [key, value] of Object.entries(call.metadata.getMap())) {
      if (typeof value === "string") headers.set(key, value);
    }
    const ctx: CallContext = {
      transport: "grpc",
      // "flowgate.v1.RunService/ResumeFlowRun": unambiguous across services, the key access rules use.
      method: call.getPath().replace(/^\//, "") || method,
      requestId: requestIdFrom(headers.get(REQUEST_ID_HEADER)),
      headers,
      signal: controller.signal,
      startedAt: performance.now(),
    };
    const echo = new Metadata();
    echo.set(REQUEST_ID_HEADER, ctx.requestId);
    call.sendMetadata(echo);
    return {
      ctx,
      done: () => {
        this.shutdown.signal.removeEventListener("abort", abort);
        controller.abort();
      },
    };
  }
}
