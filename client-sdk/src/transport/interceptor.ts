/**
 * The SDK's middleware seam, shaped like connect-es interceptors: every call — unary or stream — goes
 * through the client's interceptors, which see the method and its headers (gRPC metadata), may add to
 * them (a credential, a trace id), and see how the call ended.
 */

/** Headers as a caller gives them: a `Headers`, a plain object, or name/value pairs. */
export type HeadersInit = Headers | Record<string, string> | Iterable<readonly [string, string]>;

export type CallKind = "unary" | "server-streaming";

/** One call on its way out. */
export interface CallRequest {
  /** The fully qualified service, e.g. "flowgate.v1.RunService". */
  readonly service: string;
  /** The RPC, e.g. "ResumeFlowRun". */
  readonly method: string;
  readonly kind: CallKind;
  /**
   * Sent as the call's gRPC metadata: the client's static headers, then the call's own. An
   * interceptor may set or append entries before it calls `next`. Text values only (ASCII).
   */
  readonly headers: Headers;
  /** The caller's signal; aborting it cancels the call. */
  readonly signal: AbortSignal | undefined;
}

/**
 * Sends the call. Resolves with the unary response (the generated message: opaque, for logging or
 * timing) or, for a stream, with undefined once the stream has ended (also when its reader left
 * early); its messages go to the reader, not through here. Rejects with the typed error the SDK
 * throws (FlowRunNotFoundError, UnavailableError, …), or with the signal's reason once aborted.
 */
export type CallNext = (request: CallRequest) => Promise<unknown>;

/**
 * Wraps `next`. The first interceptor of the list is the outermost: it sees the call first and its
 * outcome last. Call `next` once; retries of the whole call (see `retryUnavailableMs`) pass through
 * the interceptors again.
 *
 * @example
 * const withToken: Interceptor = (next) => async (req) => {
 *   req.headers.set("authorization", `Bearer ${token}`);
 *   return next(req);
 * };
 */
export type Interceptor = (next: CallNext) => CallNext;

/** The static headers, then the call's own (a call's value replaces a static one of the same name). */
export function mergeHeaders(base: HeadersInit | undefined, own: HeadersInit | undefined): Headers {
  const headers = new Headers(base as ConstructorParameters<typeof Headers>[0]);
  if (own !== undefined) new Headers(own as ConstructorParameters<typeof Headers>[0]).forEach((value, name) => headers.set(name, value));
  return headers;
}

/** `terminal` wrapped by `interceptors`, the first one outermost. */
export function intercepted(interceptors: readonly Interceptor[], terminal: CallNext): CallNext {
  return interceptors.reduceRight<CallNext>((next, interceptor) => interceptor(next), terminal);
}
