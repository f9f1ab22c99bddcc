/**
 * HTTP requests for every route of the API (from the server's own route table) and for the web UI's
 * files: random methods, paths (real ids, random and percent-encoded segments, traversal attempts,
 * very long ones), query strings, headers (credentials, content types, origins, hosts, cookies,
 * idempotency keys) and bodies (JSON of the right shape, wrong shapes, deep, large, not JSON).
 */
import { request as httpRequest, Agent, METHODS } from "node:http";
import fc from "fast-check";
import { HTTP_REQUIREMENTS } from "../../server/src/middleware/requirements.js";
import { anyText, type World } from "./contract-requests.js";
import { ANSWER_DEADLINE_MS } from "./fuzz-target.js";

export interface HttpCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
  /** An event stream that opened: its headers arrived, then the fuzz closed it. */
  streamed: boolean;
}

/** Every route pattern of the API ("POST /api/runs/:id/resume"), plus the web UI's kinds of paths. */
const ROUTES = Object.keys(HTTP_REQUIREMENTS);
const UI_PATHS = ["/", "/runs/:id", "/signin", "/assets/missing-0000.js", "/index.html", "/favicon.ico"];

/** Printable ASCII: what any client can put in a header value. */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});

function pick(list: () => string[]): fc.Arbitrary<string> {
  return fc.nat().map((i) => {
    const l = list();
    return l.length === 0 ? "none" : l[i % l.length]!;
  });
}

/** A path segment: sometimes percent-encoded text of any kind, sometimes raw tricks the server must not fall for. */
const segment = fc.oneof(
  {
    weight: 4,
    arbitrary: anyText.map((t) => encodeURIComponent(t.replace(/[\ud800-\udfff]/g, "x"))),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom("..", "%2e%2e", "%2e%2e%2f%2e%2e%2fpackage.json", "%00", "%ZZ", "%", ".", "", "%2F", "api"),
  },
);

function idFor(world: World): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: pick(() => world.runIds) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: segment },
  );
}

function pathFor(world: World): fc.Arbitrary<string> {
  const routed = fc.tuple(fc.constantFrom(...ROUTES, ...UI_PATHS.map((p) => `GET ${p}`)), idFor(world)).map(([route, id]) => {
    const path = route.slice(route.indexOf(" ") + 1);
    return path.replace(":id", id);
  });
  const random = fc.array(segment, { minLength: 0, maxLength: 6 }).map((parts) => `/${parts.join("/")}`);
  const underApi = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/api/${parts.join("/")}`);
  const traversal = fc.constantFrom(
    "/../../../../etc/passwd",
    "/assets/../../package.json",
    "/%2e%2e/%2e%2e/package.json",
    "//etc/passwd",
    "/..%2f..%2fpackage.json",
  );
  const long = fc.integer({ min: 1_000, max: 12_000 }).map((n) => `/api/runs/${"a".repeat(n)}`);
  return fc.oneof(
    { weight: 12, arbitrary: routed },
    { weight: 3, arbitrary: random },
    { weight: 3, arbitrary: underApi },
    { weight: 1, arbitrary: traversal },
    { weight: 1, arbitrary: long },
  );
}

const query = fc
  .dictionary(
    fc.constantFrom("pageSize", "pageToken", "state", "flow", "deployment", "prefix", "limit", "x"),
    fc.oneof(fc.constantFrom("1", "0", "-1", "500", "501", "1e3", "RUNNING", "PAUSED,COMPLETED", "bogus", "", "9007199254740993"), anyText),
    { maxKeys: 3 },
  )
  .map((q) => {
    const text = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, v.replace(/[\ud800-\udfff]/g, "x")])).toString();
    return text ? `?${text}` : "";
  });

/** JSON bodies: the fields a route knows with values right and wrong, unknown fields, deep, large, or not JSON at all. */
const inputValue = fc.oneof(
  fc.record(
    {
      ok: fc.oneof(fc.boolean(), fc.string()),
      note: fc.string({ maxLength: 20 }),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);
const body = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constant("{}") },
  {
    weight: 6,
    arbitrary: fc
      .record(
        {
          input: inputValue,
          timeoutSeconds: fc.oneof(fc.integer({ min: -10, max: 10_000 }), fc.constant(null), fc.double(), fc.string({ maxLength: 5 })),
          extra: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: [] },
      )
      .map((b) => JSON.stringify(b)),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(anyText, fc.constantFrom("{", "[]", "null", "1", '"x"', '{"input":', "\u0000")),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 30, max: 5_000 }).map((depth) => `{"input":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(JSON.stringify({ input: { k: "\u0000" }, ["a\u0000"]: 1 }), JSON.stringify({ input: { ["a\u0000b"]: 1 } })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1_000_000, max: 1_200_000 }).map((n) => JSON.stringify({ input: { s: "x".repeat(n) } })),
  },
);

function headersFor(authorization: fc.Arbitrary<string | undefined>, host: string): fc.Arbitrary<Record<string, string>> {
  // Each header one time in `oneIn`: a request rarely carries every hostile one at once.
  const sometimes = <T>(arb: fc.Arbitrary<T>, oneIn = 6): fc.Arbitrary<T | undefined> =>
    fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
  return fc
    .record({
      authorization,
      "content-type": fc.oneof(
        { weight: 8, arbitrary: fc.constant("application/json") },
        {
          weight: 1,
          arbitrary: fc.constantFrom("application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", ""),
        },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
      "idempotency-key": sometimes(
        fc.oneof(
          fc.constantFrom("k-1", "k-2"),
          headerText,
          fc.integer({ min: 100, max: 400 }).map((n) => "i".repeat(n)),
        ),
        2,
      ),
      origin: sometimes(fc.constantFrom(`http://${host}`, "http://evil.example", "null", "http://localhost:1")),
      "sec-fetch-site": sometimes(fc.constantFrom("same-origin", "cross-site", "same-site", "none")),
      host: sometimes(fc.constantFrom("evil.example", "localhost", host.replace(/:\d+$/, ":1")), 10),
      cookie: sometimes(
        fc.oneof(
          headerText.map((t) => `flowgate_session=${t}`),
          headerText,
        ),
      ),
      "x-flowgate-csrf": sometimes(headerText),
      "x-flowgate-sign-in-token": sometimes(
        fc.oneof(
          headerText,
          headerText.map((t) => `fgl_${t}`),
        ),
        10,
      ),
      "x-request-id": sometimes(headerText, 2),
      "x-flowgate-client": sometimes(headerText),
    })
    .map((h) => {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = v;
      return out;
    });
}

/** A request to any route or path, with the given credentials. */
export function httpCase(world: World, host: string, authorization: fc.Arbitrary<string | undefined>): fc.Arbitrary<HttpCase> {
  return fc
    .record({
      method: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom("GET", "POST") },
        {
          weight: 2,
          arbitrary: fc.constantFrom("PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FUZZ"),
        },
      ),
      path: pathFor(world),
      query,
      headers: headersFor(authorization, host),
      body,
    })
    .map(({ method, path, query: q, headers, body: b }) => ({
      method,
      path: `${path}${q}`,
      headers,
      body: method === "GET" || method === "HEAD" ? undefined : b,
    }));
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/**
 * Node's HTTP server reads at most 16 KiB of request line and headers; past that it answers 431 and
 * closes the connection, or just closes it when the client is still sending.
 */
export const MAX_HEAD_BYTES = 16 * 1024;

/**
 * Whether Node's HTTP parser refuses the request before the server sees it (a head over its limit, a
 * method it does not know), answering 400 or 431 and closing, or only closing the connection.
 */
export function refusedByParser(c: HttpCase): boolean {
  return headBytes(c) + SENT_HEADERS_MARGIN > MAX_HEAD_BYTES || !METHODS.includes(c.method);
}

/**
 * What send() adds to a case's head (host, content-length, connection) and Node counts against the
 * limit too: a head within this margin of the limit may be refused as well.
 */
const SENT_HEADERS_MARGIN = 256;

function headBytes(c: HttpCase): number {
  return (
    Buffer.byteLength(`${c.method} ${c.path} HTTP/1.1\r\n`) +
    Object.entries(c.headers).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v) + 4, 0)
  );
}

/** Sends a case and reads its answer; an event stream is closed once its headers arrive. */
export function send(address: string, c: HttpCase): Promise<HttpAnswer> {
  const [hostname, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.slice(address.lastIndexOf(":") + 1))];
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        hostname,
        port,
        method: c.method,
        path: c.path,
        headers: {
          host: address,
          ...c.headers,
          ...(c.body !== undefined ? { "content-length": String(Buffer.byteLength(c.body)) } : {}),
        },
        timeout: ANSWER_DEADLINE_MS,
      },
      (res) => {
        const contentType = String(res.headers["content-type"] ?? "");
        if (contentType.startsWith("text/event-stream")) {
          resolve({
            status: res.statusCode ?? 0,
            contentType,
            body: "",
            streamed: true,
          });
          res.destroy();
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType,
            body: Buffer.concat(chunks).toString("utf8"),
            streamed: false,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${ANSWER_DEADLINE_MS} ms to ${c.method} ${c.path.slice(0, 100)}`)));
    req.on("error", reject);
    req.end(c.body);
  });
}

export function closeAgent(): void {
  agent.destroy();
}
