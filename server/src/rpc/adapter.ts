import { Metadata, status, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type ServiceError } from "@grpc/grpc-js";
import { setMaxListeners } from "node:events";
import type { Logger } from "pino";
import { InvalidArgumentError, UnauthenticatedError } from "../domain/errors.js";
import { clipText, MAX_JSON_DEPTH } from "../domain/json-limits.js";
import { runChain, type CallContext, type Middleware } from "../middleware/call-context.js";
import { REQUEST_ID_HEADER, requestIdFrom } from "../middleware/request-id.js";
import { requestLimits } from "./request-limits.js";
import { encodeStatus, toServiceError } from "./status.js";

/**
 * What a handler receives in place of a request whose bytes could not be decoded (malformed protobuf,
 * an int64 beyond what a JavaScript number holds exactly, nesting past the decoder's limit). grpc-js
 * would answer such a call INTERNAL by itself; grpc-server.ts makes every method's decoder return
 * this instead, and the adapter answers it INVALID_ARGUMENT through the usual chain and boundary.
 */
export class UndecodableRequest {
  constructor(readonly cause: unknown) {}

  toError(): InvalidArgumentError {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause);
    const message = /recursion/i.test(reason)
      ? `The request could not be decoded: it nests messages deeper than the protobuf decoder's limit (JSON values may nest at most ${MAX_JSON_DEPTH} levels).`
      : /SAFE_INTEGER/.test(reason)
        ? "The request could not be decoded: an integer field is beyond ±9007199254740991 (2^53-1), the largest integer this server holds exactly."
        : `The request could not be decoded as protobuf: ${clipText(reason, 200)}.`;
    return new InvalidArgumentError(message, [{ field: "", description: "must be a valid protobuf message of the method's request type" }]);
  }
}

const LAST_RESORT = "Internal error; the server log has the details.";

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
  ) {
    // Built now, so a limits table that names no field of the contract stops the server at start.
    requestLimits();
    // Every open call listens to it (and stops listening when it ends): thousands of streams are normal.
    setMaxListeners(0, this.shutdown.signal);
  }

  /** Aborts every open call (graceful shutdown). */
  abortStreams(): void {
    this.shutdown.abort(new Error("server shutting down"));
  }

  unary<Req, Res>(method: string, fn: (req: Req, ctx: CallContext) => Promise<Res>) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const { ctx, done } = this.open(call, method);
      let response: Res | undefined;
      this.chain(ctx, async () => {
        response = await fn(decoded(call.request, ctx), ctx);
      })
        .then(
          () => callback(null, response),
          (err: unknown) => callback(toServiceError(err, this.logger, method), null),
        )
        .catch((err: unknown) => this.lastResort(err, method, (e) => callback(e, null)))
        .finally(done);
    };
  }

  /**
   * `send` returns false when the stream's buffer is full; a handler that can produce a lot then
   * awaits `drained()` (it resolves once the client has read enough, or at once if the call ended).
   */
  serverStream<Req, Res>(
    method: string,
    fn: (req: Req, ctx: CallContext, send: (res: Res) => boolean, drained: () => Promise<void>) => Promise<void>,
  ) {
    return (call: ServerWritableStream<Req, Res>): void => {
      const { ctx, done } = this.open(call, method);
      const send = (res: Res): boolean => !ctx.signal.aborted && call.write(res);
      const drained = (): Promise<void> =>
        new Promise((resolve) => {
          if (ctx.signal.aborted || !call.writableNeedDrain) return resolve();
          call.once("drain", () => resolve());
          ctx.signal.addEventListener("abort", () => resolve(), { once: true });
        });
      this.chain(ctx, () => fn(decoded(call.request, ctx), ctx, send, drained))
        .then(
          () => {
            if (!call.cancelled) call.end();
          },
          (err: unknown) => {
            if (!call.cancelled) call.emit("error", toServiceError(err, this.logger, method));
          },
        )
        .catch((err: unknown) =>
          this.lastResort(err, method, (e) => {
            if (!call.cancelled) call.emit("error", e);
          }),
        )
        .finally(done);
    };
  }

  /** The middleware chain and handler; a synchronous throw anywhere in it becomes a rejection. */
  private async chain(ctx: CallContext, handler: () => Promise<void>): Promise<void> {
    await runChain(this.middlewares, ctx, handler);
  }

  /**
   * The error boundary itself failed (or answering did): the call still gets INTERNAL, and nothing
   * escapes as an unhandled rejection, which would end the process and every other call with it.
   */
  private lastResort(err: unknown, method: string, answer: (e: Partial<ServiceError>) => void): void {
    this.logger.error({ err, method }, "could not answer the call with its error; answering INTERNAL");
    try {
      const metadata = new Metadata();
      metadata.set("grpc-status-details-bin", encodeStatus(status.INTERNAL, LAST_RESORT, "INTERNAL", []));
      answer({ code: status.INTERNAL, details: LAST_RESORT, metadata });
    } catch (again) {
      this.logger.error({ err: again, method }, "could not answer the call at all");
    }
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

/**
 * The request, or the refusal of one that could not be decoded or has a field over its size limit
 * (request-limits.ts). Called where the handler starts, after the middleware chain: callers are
 * authenticated first, and a refused request reaches no service.
 */
function decoded<Req>(request: Req | UndecodableRequest, ctx: CallContext): Req {
  // A call without a key reaches here only because a resume token may stand in for one (see
  // authenticate.ts); one that carries none, or cannot even be read, is refused like any key-less call.
  if (ctx.needsResumeToken === true && !carriesResumeToken(request)) {
    throw new UnauthenticatedError(
      "This call needs an API key (`authorization: Bearer <secret>`) or a resume link's token (resume_token).",
    );
  }
  if (request instanceof UndecodableRequest) throw request.toError();
  requestLimits().check(ctx.method, request);
  return request;
}

function carriesResumeToken(request: unknown): boolean {
  if (request instanceof UndecodableRequest || typeof request !== "object" || request === null) return false;
  const token = (request as { resumeToken?: unknown }).resumeToken;
  return typeof token === "string" && token.length > 0;
}
