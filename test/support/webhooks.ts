/**
 * Webhooks in tests: a promise-based WebhookService client, a local receiver (node:http) that records
 * every request it gets and can be taken down and brought back on the same port, and a Standard
 * Webhooks verifier written here from the specification, independently of the server's signer.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { credentials, InterceptingCall, Metadata, type Interceptor, type ServiceError } from "@grpc/grpc-js";
import * as pb from "@flowgate/contract/flowgate/v1/webhook_service.js";

type Callback<Res> = (err: ServiceError | null, res: Res) => void;

function call<Res>(start: (cb: Callback<Res>) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    start((err, res) => (err ? reject(err) : resolve(res)));
  });
}

function withAuthorization(secret: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        if (secret) metadata.set("authorization", `Bearer ${secret}`);
        next(metadata, listener);
      },
    });
}

/** WebhookService acting with `apiKey`. */
export function webhookClient(address: string, apiKey: string) {
  const client = new pb.WebhookServiceClient(address, credentials.createInsecure(), { interceptors: [withAuthorization(apiKey)] });
  const md = (): Metadata => new Metadata();
  return {
    create: (req: Partial<pb.CreateWebhookRequest>) =>
      call<pb.CreateWebhookResponse>((cb) => client.createWebhook(pb.CreateWebhookRequest.fromPartial(req), md(), cb)),
    list: () => call<pb.ListWebhooksResponse>((cb) => client.listWebhooks({}, md(), cb)),
    delete: (webhookId: string) => call<pb.DeleteWebhookResponse>((cb) => client.deleteWebhook({ webhookId }, md(), cb)),
    deliveries: (webhookId: string, pageSize = 0, pageToken = "") =>
      call<pb.ListWebhookDeliveriesResponse>((cb) => client.listWebhookDeliveries({ webhookId, pageSize, pageToken }, md(), cb)),
    close: () => client.close(),
  };
}
export type WebhookClient = ReturnType<typeof webhookClient>;
export { pb as webhookPb };

/** One request the receiver got, with what it answered. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  /** The body parsed. */
  payload: { type: string; id: string; timestamp: string; data: Record<string, unknown> };
  /** The status the receiver answered (0: it never answered). */
  answered: number;
}

/**
 * A webhook receiver on 127.0.0.1. `answer` is the status it answers with (200 by default); `hold`
 * makes it keep requests unanswered until released; `down()` stops it listening (connections are
 * refused) and `up()` listens again on the same port.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  answer = 200;
  private holding: (() => void)[] | undefined;
  private readonly events = new EventEmitter();
  private server: Server;
  private port = 0;

  private constructor() {
    this.server = this.makeServer();
  }

  static async start(): Promise<WebhookReceiver> {
    const r = new WebhookReceiver();
    await r.listen();
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/flowgate`;
  }

  /** Requests answered 2xx, in the order they came. */
  get delivered(): ReceivedWebhook[] {
    return this.received.filter((r) => r.answered >= 200 && r.answered < 300);
  }

  /** From now on requests wait unanswered until release(). */
  hold(): void {
    this.holding ??= [];
  }

  /** Answers every held request, and stops holding. */
  release(): void {
    const held = this.holding ?? [];
    this.holding = undefined;
    for (const answer of held) answer();
  }

  async down(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Kept-alive connections too: the next attempt must meet a refused connection.
      this.server.closeAllConnections();
    });
  }

  async up(): Promise<void> {
    this.server = this.makeServer();
    await this.listen(this.port);
  }

  async stop(): Promise<void> {
    this.release();
    if (this.server.listening) await this.down();
  }

  /** Waits for a request (already received, or to come) that `matches`; fails after `timeoutMs`. */
  waitFor(what: string, matches: (r: ReceivedWebhook) => boolean, timeoutMs = 30_000): Promise<ReceivedWebhook> {
    const found = this.received.find(matches);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onRequest = (r: ReceivedWebhook): void => {
        if (!matches(r)) return;
        clearTimeout(timer);
        this.events.off("request", onRequest);
        resolve(r);
      };
      const timer = setTimeout(() => {
        this.events.off("request", onRequest);
        reject(
          new Error(
            `${what}: not received within ${timeoutMs} ms (got ${this.received.map((r) => r.payload.type).join(", ") || "nothing"})`,
          ),
        );
      }, timeoutMs);
      this.events.on("request", onRequest);
    });
  }

  private makeServer(): Server {
    return createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const record: ReceivedWebhook = {
          headers: req.headers,
          body,
          payload: JSON.parse(body) as ReceivedWebhook["payload"],
          answered: 0,
        };
        const respond = (): void => this.respond(res, record);
        if (this.holding) {
          this.holding.push(respond);
          this.received.push(record);
          this.events.emit("request", record);
        } else {
          respond();
        }
      });
    });
  }

  private respond(res: ServerResponse, record: ReceivedWebhook): void {
    record.answered = this.answer;
    res.writeHead(this.answer, { "content-type": "text/plain" }).end("ok");
    if (!this.received.includes(record)) {
      this.received.push(record);
      this.events.emit("request", record);
    }
  }

  private listen(port = 0): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}

/**
 * Verifies a request as the Standard Webhooks specification says a receiver must: the key is the
 * base64 after "whsec_"; the signed content is "<webhook-id>.<webhook-timestamp>.<body>"; the
 * `webhook-signature` header holds space-separated "v1,<base64 HMAC-SHA256>" entries, one of which
 * must match (compared in constant time); the timestamp must be within `toleranceSeconds` of now.
 * Throws what is wrong.
 */
export function verifyStandardWebhook(secret: string, headers: IncomingHttpHeaders, body: string, toleranceSeconds = 300): void {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (typeof id !== "string" || typeof timestamp !== "string" || typeof signatures !== "string") {
    throw new Error("missing webhook-id, webhook-timestamp or webhook-signature");
  }
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) {
    throw new Error(`webhook-timestamp ${timestamp} is not within ${toleranceSeconds} s of now`);
  }
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  const ok = signatures.split(" ").some((entry) => {
    const [version, value] = entry.split(",");
    if (version !== "v1" || !value) return false;
    const given = Buffer.from(value, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok) throw new Error("no webhook-signature entry matches");
}
