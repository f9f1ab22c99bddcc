import type { Logger } from "pino";
import type { ServerRegistryStore } from "./ports.js";
import { TokenBucket } from "./token-bucket.js";

/** "wake": the sender appended to the event feed. "peers": the sender joined or left the registry. */
export type HintKind = "wake" | "peers";

/** Sends and receives hints (the UDP adapter: peers/udp-hint-socket.ts). */
export interface HintTransport {
  /** The "host:port" actually bound. */
  readonly boundAddress: string;
  /** Best effort: a hint that gets lost is fine. */
  send(to: string, kind: HintKind): void;
  close(): Promise<void>;
}

export interface PeerWakeupsOptions {
  /** This server's id in the registry (random per start). */
  id: string;
  hostName: string;
  registry: ServerRegistryStore;
  /** Reads the event feed now (RunEventHub.wake). */
  wake: () => void;
  logger: Logger;
  /** How often this server refreshes its registration and re-reads the others'. */
  refreshMs?: number;
  /** How long a registration lives without a refresh (a server that died without stopping). */
  ttlMs?: number;
}

const DEFAULT_REFRESH_MS = 2_000;
const DEFAULT_TTL_MS = 10_000;
/** Feed reads that hints may cause: a flood of forged ones costs at most this, however fast it comes. */
const WAKES_PER_SECOND = 500;
const WAKE_BURST = 50;
/** Registry reads that "peers" hints may cause. */
const PEER_READS_PER_SECOND = 2;
const PEER_READ_BURST = 3;

/**
 * Wake-up hints between servers on one store. Each server lists itself in the store's registry with
 * the address where it receives hints; after appending to the event feed it sends a hint to every
 * other live server, which then reads the feed at once instead of at its next poll.
 *
 * A hint carries nothing and is trusted for nothing: the feed stays the only source of truth, so a
 * forged hint costs one feed read (rate-limited, coalesced by the hub) and a lost one leaves the change
 * to the feed's poll. No authentication is needed for that reason.
 */
export class PeerWakeups {
  private transport: HintTransport | undefined;
  private address = "";
  /** Where the other live servers receive hints. */
  private peers: string[] = [];
  private readonly warnedUnreachable = new Set<string>();
  private refreshTimer: NodeJS.Timeout | undefined;
  /** A hint went out in this turn of the event loop; `trailing`: more appends came after it. */
  private sentThisTurn = false;
  private trailing = false;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private stopped = false;
  private readonly wakes: Throttled;
  private readonly peerReads: Throttled;
  private readonly refreshMs: number;
  private readonly ttlMs: number;

  constructor(private readonly opts: PeerWakeupsOptions) {
    this.refreshMs = opts.refreshMs ?? DEFAULT_REFRESH_MS;
    this.ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
    this.wakes = new Throttled(WAKES_PER_SECOND, WAKE_BURST, () => opts.wake());
    this.peerReads = new Throttled(PEER_READS_PER_SECOND, PEER_READ_BURST, () => this.refreshSoon());
  }

  /** Registers this server at `address` (where others send it hints) and tells the others it came. */
  async start(transport: HintTransport, address: string): Promise<void> {
    this.transport = transport;
    this.address = address;
    await this.refresh();
    this.sendToAll("peers");
    this.refreshTimer = setInterval(() => this.refreshSoon(), this.refreshMs);
    this.refreshTimer.unref();
    this.opts.logger.info({ address, peers: this.peers.length }, "wake-up hints between servers on");
  }

  /** Removes the registration, tells the others, closes the socket. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.wakes.cancel();
    this.peerReads.cancel();
    while (this.refreshing) await this.refreshing;
    try {
      await this.opts.registry.remove(this.opts.id);
    } catch (err) {
      // It expires on its own.
      this.opts.logger.warn({ err }, "could not remove this server's registration");
    }
    this.sendToAll("peers");
    await this.transport?.close();
  }

  /**
   * This server appended to the feed: a hint goes to every peer at once, and at most one more at the
   * end of this turn of the event loop however many appends follow in it (a peer whose read began
   * before them needs to be told again).
   */
  appended(): void {
    if (this.stopped || this.peers.length === 0) return;
    if (this.sentThisTurn) {
      this.trailing = true;
      return;
    }
    this.sendToAll("wake");
    this.sentThisTurn = true;
    setImmediate(() => {
      this.sentThisTurn = false;
      if (this.trailing) {
        this.trailing = false;
        this.sendToAll("wake");
      }
    });
  }

  /** A hint arrived (from anyone: it is not trusted). */
  received(kind: HintKind): void {
    if (this.stopped) return;
    if (kind === "wake") this.wakes.fire();
    else this.peerReads.fire();
  }

  private sendToAll(kind: HintKind): void {
    for (const to of this.peers) this.transport?.send(to, kind);
  }

  private refreshSoon(): void {
    if (this.stopped) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = this.refresh()
      .catch((err: unknown) => this.opts.logger.warn({ err }, "refreshing the list of servers failed; keeping the last one"))
      .finally(() => {
        this.refreshing = undefined;
        if (this.refreshAgain) {
          this.refreshAgain = false;
          this.refreshSoon();
        }
      });
  }

  /** Renews this server's registration, drops expired ones, and re-reads where the others are. */
  private async refresh(): Promise<void> {
    const now = new Date();
    const { registry, id, hostName } = this.opts;
    await registry.put({ id, address: this.address, hostName, expiresAt: new Date(now.getTime() + this.ttlMs) });
    await registry.deleteExpired(now);
    const live = await registry.listLive(now);
    this.peers = live
      .filter((s) => s.id !== id)
      .filter((s) => {
        // A loopback address announced on another machine reaches that machine's neighbour, not it.
        if (s.hostName === hostName || !isLoopbackHost(s.address)) return true;
        if (!this.warnedUnreachable.has(s.id)) {
          this.warnedUnreachable.add(s.id);
          this.opts.logger.warn(
            { server: s.id, address: s.address, hostName: s.hostName },
            "another server announces a loopback wake-up address from another machine; it learns of changes by polling only (set FLOWGATE_PEER_ADDRESS there)",
          );
        }
        return false;
      })
      .map((s) => s.address);
  }
}

function isLoopbackHost(address: string): boolean {
  const host = address.slice(0, address.lastIndexOf(":")).replace(/^\[(.*)\]$/, "$1");
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/** Runs `fn` now if the bucket allows, else once when it will (later calls fold into that one). */
class Throttled {
  private readonly bucket: TokenBucket;
  private deferred: NodeJS.Timeout | undefined;

  constructor(
    perSecond: number,
    burst: number,
    private readonly fn: () => void,
  ) {
    this.bucket = new TokenBucket(perSecond, burst, Date.now());
  }

  fire(): void {
    if (this.deferred) return;
    const now = Date.now();
    if (this.bucket.take(now)) {
      this.fn();
      return;
    }
    this.deferred = setTimeout(() => {
      this.deferred = undefined;
      this.bucket.take(Date.now());
      this.fn();
    }, this.bucket.waitMs(now));
    this.deferred.unref();
  }

  cancel(): void {
    if (this.deferred) clearTimeout(this.deferred);
    this.deferred = undefined;
  }
}
