/**
 * Which Host header values the HTTP server answers. A page on attacker.example whose name is made to
 * resolve to 127.0.0.1 (DNS rebinding) reaches the server with `Host: attacker.example`; answering
 * only the names the server is meant to be reached by keeps such a page from reading or driving it.
 */
export class AllowedHosts {
  private readonly anyHost: boolean;
  /** name → the ports allowed for it, or "any". */
  private readonly names = new Map<string, Set<string> | "any">();

  /**
   * @param listenHost the host of FLOWGATE_HTTP_ADDRESS (allowed unless it is the unspecified address)
   * @param configured FLOWGATE_HTTP_ALLOWED_HOSTS: "name" (any port), "name:port", "[v6]", or "*" for any host
   */
  constructor(listenHost: string, configured: readonly string[]) {
    this.anyHost = configured.includes("*");
    const listen = bracketed(listenHost.toLowerCase());
    const defaults = ["localhost", "127.0.0.1", "[::1]", ...(listen === "0.0.0.0" || listen === "[::]" ? [] : [listen])];
    for (const entry of [...defaults, ...configured.filter((c) => c !== "*")]) {
      const { name, port } = splitHost(entry.toLowerCase());
      const ports = this.names.get(name);
      if (port === undefined) this.names.set(name, "any");
      else if (ports !== "any") this.names.set(name, new Set([...(ports ?? []), port]));
    }
  }

  /** Whether a request with this Host header (undefined: none sent) is answered. */
  allows(hostHeader: string | undefined): boolean {
    if (this.anyHost) return true;
    if (!hostHeader) return false;
    const { name, port } = splitHost(hostHeader.toLowerCase());
    const ports = this.names.get(name);
    return ports === "any" || (ports !== undefined && port !== undefined && ports.has(port));
  }
}

/** "example.com:4200" → name and port; "[::1]:4200" keeps its brackets; a trailing dot is dropped. */
function splitHost(text: string): { name: string; port: string | undefined } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(text);
  if (!m) return { name: text, port: undefined };
  const name = m[1]!.replace(/\.$/, "");
  return { name, port: m[2] ? m[2] : undefined };
}

function bracketed(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
