import type { sendUnaryData, ServerUnaryCall, ServerWritableStream } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { toServiceError } from "./status.js";

/**
 * Builds grpc-js handlers from plain async functions, so handlers never see callbacks and every
 * failure passes through the one error boundary. Streaming handlers get an AbortSignal that fires
 * when the client goes away or the server shuts down.
 */
export class HandlerAdapter {
  private readonly shutdown = new AbortController();

  constructor(private readonly logger: Logger) {}

  /** Aborts every open stream (graceful shutdown). */
  abortStreams(): void {
    this.shutdown.abort(new Error("server shutting down"));
  }

  unary<Req, Res>(method: string, fn: (req: Req) => Promise<Res>) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      fn(call.request).then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err, this.logger, method), null),
      );
    };
  }

  serverStream<Req, Res>(method: string, fn: (req: Req, signal: AbortSignal, send: (res: Res) => void) => Promise<void>) {
    return (call: ServerWritableStream<Req, Res>): void => {
      const controller = new AbortController();
      const abort = (): void => controller.abort();
      call.on("cancelled", abort);
      call.on("close", abort);
      const onShutdown = (): void => controller.abort();
      this.shutdown.signal.addEventListener("abort", onShutdown);
      const send = (res: Res): void => {
        if (!controller.signal.aborted) call.write(res);
      };
      fn(call.request, controller.signal, send).then(
        () => {
          if (!call.cancelled) call.end();
        },
        (err: unknown) => {
          if (!call.cancelled) call.emit("error", toServiceError(err, this.logger, method));
        },
      ).finally(() => {
        this.shutdown.signal.removeEventListener("abort", onShutdown);
        controller.abort();
      });
    };
  }
}
