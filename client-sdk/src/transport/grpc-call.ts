/**
 * The only place that touches grpc-js call objects: callbacks become promises, server streams become
 * async iterables, and an AbortSignal cancels the call. Failures leave through mapGrpcError.
 */
import { Metadata, type CallOptions as GrpcCallOptions, type ClientReadableStream, type ClientUnaryCall, type ServiceError } from "@grpc/grpc-js";
import type { CallOptions } from "../types.js";
import { mapGrpcError } from "./map-error.js";

/** The (request, metadata, options, callback) overload every generated unary method has. */
export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<GrpcCallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** The (request, metadata, options) overload every generated server-streaming method has. */
export type StreamMethod<Req, Res> = (request: Req, metadata?: Metadata, options?: Partial<GrpcCallOptions>) => ClientReadableStream<Res>;

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/** Calls a unary method; rejects with a typed error, or with the signal's reason once aborted. */
export function unary<Req, Res>(rpc: string, method: UnaryMethod<Req, Res>, request: Req, opts: CallOptions = {}): Promise<Res> {
  const { signal, timeoutMs } = opts;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<Res>((resolve, reject) => {
    const options: Partial<GrpcCallOptions> = timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs };
    const onAbort = (): void => call.cancel();
    const call = method(request, new Metadata(), options, (err, res) => {
      signal?.removeEventListener("abort", onAbort);
      if (signal?.aborted) reject(abortReason(signal));
      else if (err) reject(mapGrpcError(err, rpc));
      else resolve(res);
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Opens a server stream and yields its messages until it ends. Aborting the signal (or leaving the
 * loop early) cancels the call; a failure is thrown as a typed error.
 */
export async function* serverStream<Req, Res>(
  rpc: string,
  method: StreamMethod<Req, Res>,
  request: Req,
  opts: CallOptions = {},
): AsyncGenerator<Res, void, undefined> {
  const { signal } = opts;
  if (signal?.aborted) throw abortReason(signal);
  const call = method(request, new Metadata(), {});
  const onAbort = (): void => call.cancel();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const message of call as AsyncIterable<Res>) yield message;
  } catch (err) {
    if (signal?.aborted) throw abortReason(signal);
    throw mapGrpcError(err, rpc);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    // A no-op once the stream has ended; stops the server's work when the consumer left early.
    call.cancel();
  }
}
