/**
 * The only place that touches grpc-js call objects: callbacks become promises, server streams become
 * async iterables, an AbortSignal cancels the call, and every call passes through the client's
 * interceptors with its headers sent as metadata. Failures leave through mapGrpcError.
 */
import {
  Metadata,
  type CallOptions as GrpcCallOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ServiceError,
} from "@grpc/grpc-js";
import type { CallOptions } from "../types.js";
import { intercepted, mergeHeaders, type CallNext, type CallRequest, type HeadersInit, type Interceptor } from "./interceptor.js";
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

/** What the client adds to every call: which service it is, its static headers and its interceptors. */
export interface CallSetup {
  service: string;
  rpc: string;
  headers: HeadersInit | undefined;
  interceptors: readonly Interceptor[];
  /** How the client connects, in words, for failures to connect (see describeTransport). */
  transport?: string | undefined;
}

/** The signal's reason, thrown as given (an Error unless a caller aborted with something else). */
function abortReason(signal: AbortSignal): Error {
  return (signal.reason as Error | undefined) ?? new DOMException("The operation was aborted.", "AbortError");
}

function toMetadata(headers: Headers): Metadata {
  const metadata = new Metadata();
  headers.forEach((value, name) => metadata.add(name, value));
  return metadata;
}

function requestOf(setup: CallSetup, kind: CallRequest["kind"], opts: CallOptions): CallRequest {
  return { service: setup.service, method: setup.rpc, kind, headers: mergeHeaders(setup.headers, opts.headers), signal: opts.signal };
}

/** Calls a unary method; rejects with a typed error, or with the signal's reason once aborted. */
export function unary<Req, Res>(setup: CallSetup, method: UnaryMethod<Req, Res>, request: Req, opts: CallOptions = {}): Promise<Res> {
  if (opts.signal?.aborted) return Promise.reject(abortReason(opts.signal));
  const { timeoutMs } = opts;
  const send: CallNext = (req) =>
    new Promise<Res>((resolve, reject) => {
      const { signal } = req;
      if (signal?.aborted) return reject(abortReason(signal));
      const options: Partial<GrpcCallOptions> = timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs };
      const onAbort = (): void => call.cancel();
      const call = method(request, toMetadata(req.headers), options, (err, res) => {
        signal?.removeEventListener("abort", onAbort);
        if (signal?.aborted) reject(abortReason(signal));
        else if (err) reject(mapGrpcError(err, setup.rpc, setup.transport));
        else resolve(res);
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  return intercepted(setup.interceptors, send)(requestOf(setup, "unary", opts)) as Promise<Res>;
}

/** Messages a stream delivered and its reader has not taken yet; the stream pauses while many wait. */
class Inbox<T> {
  private readonly items: T[] = [];
  private ended = false;
  private failure: { err: unknown } | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly onFull: () => void,
    private readonly onDrained: () => void,
    private readonly high = 64,
  ) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length === this.high) this.onFull();
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  fail(err: unknown): void {
    this.failure = { err };
    this.wake?.();
  }

  /** Every message in order, then the failure (if any). */
  async *drain(): AsyncGenerator<T, void, undefined> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        if (this.items.length === 0) this.onDrained();
        yield item;
        continue;
      }
      if (this.failure) throw this.failure.err;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

/**
 * Opens a server stream and yields its messages until it ends. Aborting the signal (or leaving the
 * loop early) cancels the call; a failure is thrown as a typed error. The interceptors see the
 * stream open and end.
 */
export async function* serverStream<Req, Res>(
  setup: CallSetup,
  method: StreamMethod<Req, Res>,
  request: Req,
  opts: CallOptions = {},
): AsyncGenerator<Res, void, undefined> {
  if (opts.signal?.aborted) throw abortReason(opts.signal);
  let call: ClientReadableStream<Res> | undefined;
  let readerLeft = false;
  const inbox = new Inbox<Res>(
    () => call?.pause(),
    () => call?.resume(),
  );
  const open: CallNext = (req) =>
    new Promise<void>((resolve, reject) => {
      const { signal } = req;
      if (signal?.aborted) return reject(abortReason(signal));
      const opened = method(request, toMetadata(req.headers), {});
      call = opened;
      const onAbort = (): void => opened.cancel();
      signal?.addEventListener("abort", onAbort, { once: true });
      opened.on("data", (m: Res) => inbox.push(m));
      opened.once("end", () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      opened.once("error", (err: ServiceError) => {
        signal?.removeEventListener("abort", onAbort);
        if (signal?.aborted) reject(abortReason(signal));
        // Our own cancel because the reader left: the stream ended as far as anyone is concerned.
        else if (readerLeft) resolve();
        else reject(mapGrpcError(err, setup.rpc, setup.transport));
      });
    });
  intercepted(
    setup.interceptors,
    open,
  )(requestOf(setup, "server-streaming", opts)).then(
    () => inbox.end(),
    (err: unknown) => inbox.fail(err),
  );
  try {
    yield* inbox.drain();
  } finally {
    readerLeft = true;
    // A no-op once the stream has ended; stops the server's work when the reader left early. Not now:
    // grpc-js builds the cancelled call's error (its stack, mapped through source maps under a loader
    // such as tsx) synchronously, and the reader that left, say a flow woken by its resume, would wait for it.
    const left = call;
    if (left) setImmediate(() => left.cancel());
  }
}
