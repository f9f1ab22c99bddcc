import { open, type FileHandle } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { HttpError } from "./http-errors.js";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Everything from this server and nothing else: a page cannot load a script, style, font or
 * connection from another host, even if a dependency tried to (scenario U06).
 * rjsf sets style attributes, hence 'unsafe-inline' for styles only.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/**
 * The web UI's built files (ui/dist). A path without a file extension that is not a file gets
 * index.html, so that a link such as /runs/<id> opens directly: the page routes itself. Vite names assets by content hash,
 * so they are cached for good; index.html is revalidated every time, so a new build shows at once.
 * Nothing is cached here: a rebuild swaps files in with renames (ui/scripts/swap-dir.mjs), and each
 * file is opened once, its size and bytes taken from that one open file, so a request during a
 * rebuild gets the old file or the new one whole, never a mix of the two.
 */
export class StaticFiles {
  constructor(private readonly root: string) {}

  async serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      throw new HttpError("METHOD_NOT_ALLOWED", `${req.method ?? "?"} is not allowed here; use GET.`, { allow: "GET, HEAD" });
    }
    // A page address (/runs/<id>) gets the page; a missing file (/assets/old-hash.js) is a 404, so a
    // stale script reference fails plainly instead of receiving HTML.
    const file = (await this.fileFor(pathname)) ?? (extname(pathname) === "" ? await this.fileFor("/index.html") : undefined);
    if (!file && extname(pathname) !== "") throw new HttpError("ROUTE_NOT_FOUND", `No file at ${pathname}.`);
    if (!file) {
      throw new HttpError(
        "ROUTE_NOT_FOUND",
        `The web UI is not built (no index.html in ${this.root}). Run "npm run build" at the repository root, then restart the server.`,
      );
    }
    try {
      const immutable = pathname.startsWith("/assets/") && file.path !== join(this.root, "index.html");
      res.writeHead(200, {
        "content-type": CONTENT_TYPES[extname(file.path)] ?? "application/octet-stream",
        "content-length": file.size,
        "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
        ...SECURITY_HEADERS,
      });
      if (req.method === "HEAD") {
        res.end();
        return;
      }
      await pipeline(file.handle.createReadStream({ autoClose: false }), res);
    } finally {
      await file.handle.close();
    }
  }

  /**
   * The regular file at this URL path inside the root, opened (the caller closes it), or undefined;
   * ".." can never leave the root.
   */
  private async fileFor(pathname: string): Promise<{ path: string; size: number; handle: FileHandle } | undefined> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
    if (decoded.includes("\0")) return undefined;
    const path = join(this.root, normalize(decoded));
    if (path !== this.root && !path.startsWith(this.root + sep)) return undefined;
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch {
      return undefined;
    }
    try {
      const s = await handle.stat();
      if (s.isFile()) return { path, size: s.size, handle };
    } catch {
      // Unreadable: as if absent.
    }
    await handle.close();
    return undefined;
  }
}
