import { createSocket, type Socket, type SocketType } from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { Logger } from "pino";
import type { HintKind, HintTransport } from "../app/peer-wakeups.js";

/**
 * The wake-up hints between servers as UDP datagrams: a few fixed ASCII bytes, nothing else. A hint
 * is untrusted and carries nothing (peer-wakeups.ts); anything that is not one is dropped unread.
 */
const PAYLOADS: Record<HintKind, Buffer> = {
  wake: Buffer.from("flowgate/1 wake"),
  peers: Buffer.from("flowgate/1 peers"),
};

export function decodeHint(message: Buffer): HintKind | undefined {
  for (const [kind, payload] of Object.entries(PAYLOADS) as [HintKind, Buffer][]) {
    if (message.equals(payload)) return kind;
  }
  return undefined;
}

/** "127.0.0.1:7946", "[::1]:7946", "node-2.internal:7946" → host and port. */
export function splitHostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  return { host, port: Number(address.slice(colon + 1)) };
}

function joinHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface UdpHintSocketOptions {
  /** "host:port" to listen on; port 0 picks a free one. */
  listen: string;
  onHint: (kind: HintKind) => void;
  logger: Logger;
}

/**
 * One UDP socket that receives hints and sends them (from the same port, so a peer sees where they
 * came from); a second, unbound one is opened for peers of the other IP family if there are any.
 */
export async function openUdpHintSocket(opts: UdpHintSocketOptions): Promise<HintTransport> {
  const { host, port } = splitHostPort(opts.listen);
  const family = isIP(host) || (await lookup(host)).family;
  const type: SocketType = family === 6 ? "udp6" : "udp4";
  let dropped = 0;
  const socket = createSocket({ type, reuseAddr: false });
  socket.on("message", (message) => {
    const kind = decodeHint(message);
    if (kind) opts.onHint(kind);
    // Someone else's traffic, or a forgery: not worth a log line each.
    else if (dropped++ % 10_000 === 0) opts.logger.debug({ dropped }, "dropped datagrams that are not wake-up hints");
  });
  // A send to a gone peer may surface here on some systems: hints are best effort, never fatal.
  socket.on("error", (err) => opts.logger.debug({ err }, "wake-up hint socket error"));
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  socket.unref();
  const bound = socket.address();
  const others = new Map<SocketType, Socket>();
  const socketFor = (to: string): Socket => {
    const toFamily = isIP(to);
    const want: SocketType = toFamily === 0 ? type : toFamily === 6 ? "udp6" : "udp4";
    if (want === type) return socket;
    let other = others.get(want);
    if (!other) {
      other = createSocket(want);
      other.on("error", (err) => opts.logger.debug({ err }, "wake-up hint socket error"));
      other.unref();
      others.set(want, other);
    }
    return other;
  };
  return {
    boundAddress: joinHostPort(bound.address, bound.port),
    send(to, kind) {
      const target = splitHostPort(to);
      socketFor(target.host).send(PAYLOADS[kind], target.port, target.host, (err) => {
        if (err) opts.logger.debug({ err, to }, "could not send a wake-up hint");
      });
    },
    async close() {
      await Promise.all([socket, ...others.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

/**
 * The address other servers send hints to: the configured one (its port may be left out: the bound
 * port), else the bound address itself.
 */
export function announceAddress(bound: string, configured: string | undefined): string {
  if (!configured) return bound;
  if (/^\[[^\]]+\]:\d+$|^[^:\s[\]]+:\d+$/.test(configured)) return configured;
  return joinHostPort(configured.replace(/^\[(.*)\]$/, "$1"), splitHostPort(bound).port);
}
