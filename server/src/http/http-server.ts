import { setMaxListeners } from "node:events";
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { TlsMaterial } from "../tls.js";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "pino";
import { runChain, type CallContext, type Middleware } from "../middleware/call-context.js";
import { REQUEST_ID_HEADER, requestIdFrom } from "../middleware/request-id.js";
import { bindRequest, requestTarget } from "./http-call.js";
import { toHttpFailure } from "./http-errors.js";
import type { RouteMatch, Router } from "./router.js";
import type { StaticFiles } from "./static-files.js";

export interface HttpServerOptions {
  /** "host:port" or "[v6]:port"; port 0 picks a free one. */
  address: string;
  router: Router;
  /** Serves every path outside /api/: the web UI. */
  ui: StaticFiles;
  logger: Logger;
  /** Serve HTTPS (requiring client certificates with a client CA); plain HTTP when undefined. */
  tls?: TlsMaterial | undefined;
  /**
   * The server's one middleware chain, shared with gRPC; every request passes it, static files too
   * (the Host check among them: http/browser-guards.ts).
   */
  middlewares: readonly Middleware[];
}

export interface RunningHttpServer {
  port: number;
  /** Ends open event streams, then stops accepting and closes idle connections. */
  stop(): Promise<void>;
}

/** Connections waiting to be accepted; the kernel caps it at net.core.somaxconn (4096 on current Linux). */
const LISTEN_BACKLOG = 4096;

/** How long stop() lets unfinished requests complete before closing their connections. */
const STOP_GRACE_MS = 5_000;

export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const { host, port } = splitAddress(opts.address);
  // Aborting this ends every open event stream, which would otherwise keep close() waiting forever.
  const shutdown = new AbortController();
  // Every request in flight listens to it (and stops when it ends): thousands of event streams are normal.
  setMaxListeners(0, shutdown.signal);
  // Requests in flight per connection. Node's closeIdleConnections() skips a connection that has not
  // carried a request yet (fetch opens spare ones), which would hold stop() for the keep-alive timeout.
  const inFlight = new Map<Socket, number>();
  const closeIdle = (): void => {
    for (const [socket, n] of inFlight) if (n === 0) socket.destroy();
  };
  const listener: RequestListener = (req, res) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    void handle(req, res, opts, shutdown.signal).finally(() => {
      const done = (): void => {
        if (inFlight.has(socket)) inFlight.set(socket, Math.max(0, (inFlight.get(socket) ?? 1) - 1));
        if (shutdown.signal.aborted) closeIdle();
      };
      // Counted down once the response is out, so a response is never cut by closeIdle().
      if (res.writableFinished || res.destroyed) done();
      else res.once("close", done);
    });
  };
  const server = opts.tls
    ? createHttpsServer(
        {
          cert: opts.tls.cert,
          key: opts.tls.key,
          ...(opts.tls.clientCa ? { ca: opts.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
        },
        listener,
      )
    : createServer(listener);
  // The socket a request arrives on: under TLS the TLSSocket of "secureConnection", not the raw one.
  server.on(opts.tls ? "secureConnection" : "connection", (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once("close", () => inFlight.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // A longer accept queue than Node's 511: clients reconnecting together after a restart (a page of
    // event streams each) would otherwise see dropped connections and retry a second or more later.
    server.listen(port, host, LISTEN_BACKLOG, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      shutdown.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle connections go now; busy ones as their response ends (see above); a request still
      // running after the grace is cut.
      closeIdle();
      const force = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
      await closed;
      clearTimeout(force);
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: HttpServerOptions, shutdown: AbortSignal): Promise<void> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  // "close" on the response fires when it has been sent or when the client went away first.
  res.once("close", abort);
  shutdown.addEventListener("abort", abort);
  const url = requestTarget(req.url);
  if (!url) {
    sendJson(res, 400, { error: "The request target is not a valid path.", reason: "INVALID_ARGUMENT" });
    shutdown.removeEventListener("abort", abort);
    return;
  }
  const isApi = url.pathname === "/api" || url.pathname.startsWith("/api/");
  let match: RouteMatch | undefined;
  let routeError: unknown;
  if (isApi) {
    try {
      match = opts.router.match(req.method ?? "", url.pathname);
    } catch (err) {
      routeError = err; // answered inside the chain, so it is logged like any other failure
    }
  }
  const ctx: CallContext = {
    transport: "http",
    method: match?.pattern ?? (isApi ? `${req.method ?? "?"} ${url.pathname}` : `${req.method ?? "?"} (web UI)`),
    requestId: requestIdFrom(headerValue(req, REQUEST_ID_HEADER)),
    headers: headersOf(req),
    signal: controller.signal,
    startedAt: performance.now(),
  };
  bindRequest(ctx, req);
  res.setHeader(REQUEST_ID_HEADER, ctx.requestId);
  try {
    await runChain(opts.middlewares, ctx, async () => {
      if (!isApi) {
        await opts.ui.serve(req, res, url.pathname);
        return;
      }
      if (!match) throw routeError;
      const result = await match.handler({ req, res, url, params: match.params, signal: controller.signal, call: ctx });
      if (result !== "streamed") sendJson(res, 200, result.json);
    });
  } catch (err) {
    const failure = toHttpFailure(err, opts.logger, ctx.method);
    if (res.headersSent) {
      // An event stream that fails after its headers can only be cut; the client sees the close.
      res.destroy();
    } else {
      sendJson(res, failure.status, failure.body, failure.headers);
    }
  } finally {
    shutdown.removeEventListener("abort", abort);
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function headersOf(req: IncomingMessage): Map<string, string> {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(req.headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers.set(name, first);
  }
  return headers;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  return { host: address.slice(0, i).replace(/^\[(.*)\]$/, "$1"), port: Number(address.slice(i + 1)) };
}
