/* eslint-disable @typescript-eslint/unbound-method -- call() binds each generated method to its client before calling it. */
/**
 * WebhookService as promises over the SDK's own types (`client.webhooks`). Not retried: CreateWebhook
 * has no request id, so a retry could register a second webhook.
 */
import type { ChannelCredentials } from "@grpc/grpc-js";
import * as pb from "@flowgate/contract/flowgate/v1/webhook_service.js";
import type { CallOptions } from "../types.js";
import { WEBHOOK_EVENTS, type DeliveryStatus, type Webhook, type WebhookDelivery, type WebhookEventName } from "../webhook-types.js";
import { unary, type CallSetup, type UnaryMethod } from "./grpc-call.js";

const EVENT_TO_PB: Record<WebhookEventName, pb.WebhookEvent> = {
  paused: pb.WebhookEvent.WEBHOOK_EVENT_PAUSED,
  approved: pb.WebhookEvent.WEBHOOK_EVENT_APPROVED,
  resumed: pb.WebhookEvent.WEBHOOK_EVENT_RESUMED,
  rejected: pb.WebhookEvent.WEBHOOK_EVENT_REJECTED,
  timed_out: pb.WebhookEvent.WEBHOOK_EVENT_TIMED_OUT,
  reminder: pb.WebhookEvent.WEBHOOK_EVENT_REMINDER,
};

const STATUS_FROM_PB: Partial<Record<pb.DeliveryStatus, DeliveryStatus>> = {
  [pb.DeliveryStatus.DELIVERY_STATUS_PENDING]: "pending",
  [pb.DeliveryStatus.DELIVERY_STATUS_DELIVERED]: "delivered",
  [pb.DeliveryStatus.DELIVERY_STATUS_FAILED]: "failed",
  [pb.DeliveryStatus.DELIVERY_STATUS_DROPPED]: "dropped",
};

function eventName(e: pb.WebhookEvent): string {
  return WEBHOOK_EVENTS.find((name) => EVENT_TO_PB[name] === e) ?? `event ${String(e)}`;
}

function toWebhook(w: pb.Webhook | undefined): Webhook {
  return {
    id: w?.id ?? "",
    url: w?.url ?? "",
    events: (w?.events ?? []).map(eventName),
    description: w?.description ?? "",
    createdAt: w?.createdAt,
    createdBy: w?.createdBy ?? "",
  };
}

function toDelivery(d: pb.WebhookDelivery): WebhookDelivery {
  return {
    id: d.id,
    webhookId: d.webhookId,
    event: eventName(d.event),
    flowRunId: d.flowRunId,
    status: STATUS_FROM_PB[d.status] ?? "unknown",
    attempts: d.attempts.map((a) => ({ at: a.at, statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
    createdAt: d.createdAt,
    nextAttemptAt: d.nextAttemptAt,
  };
}

export interface CreateWebhookParams {
  /** http:// or https://, at most 2,048 characters. */
  url: string;
  events: WebhookEventName[];
  description?: string | undefined;
}

export class WebhooksClient {
  private readonly client: pb.WebhookServiceClient;

  /** Made by FlowgateClient (`client.webhooks`), on its channel settings, headers and interceptors. */
  constructor(
    address: string,
    channel: ChannelCredentials,
    private readonly setup: (rpc: string) => CallSetup,
  ) {
    this.client = new pb.WebhookServiceClient(address, channel);
  }

  close(): void {
    this.client.close();
  }

  private call<Req, Res>(rpc: string, method: UnaryMethod<Req, Res>, request: Req, opts?: CallOptions): Promise<Res> {
    return unary(this.setup(rpc), method.bind(this.client), request, opts);
  }

  /**
   * Registers a URL for some events; the secret ("whsec_…", to verify signatures) is in this result
   * only. Scope: admin. @throws InvalidArgumentError (URL, events), PermissionDeniedError
   */
  async create(p: CreateWebhookParams, opts?: CallOptions): Promise<{ webhook: Webhook; secret: string }> {
    const req = { url: p.url, events: p.events.map((e) => EVENT_TO_PB[e]), description: p.description ?? "" };
    const res = await this.call("CreateWebhook", this.client.createWebhook, req, opts);
    return { webhook: toWebhook(res.webhook), secret: res.secret };
  }

  /** Every webhook, newest first, without secrets. Scope: admin. */
  async list(opts?: CallOptions): Promise<Webhook[]> {
    return (await this.call("ListWebhooks", this.client.listWebhooks, {}, opts)).webhooks.map(toWebhook);
  }

  /** Deletes a webhook; its pending deliveries are not sent. Scope: admin. @throws WebhookNotFoundError */
  async delete(webhookId: string, opts?: CallOptions): Promise<void> {
    await this.call("DeleteWebhook", this.client.deleteWebhook, { webhookId }, opts);
  }

  /** One page of a webhook's deliveries, newest first, each with its attempts. Scope: admin. @throws WebhookNotFoundError */
  async deliveries(
    webhookId: string,
    p: { pageSize?: number; pageToken?: string } = {},
    opts?: CallOptions,
  ): Promise<{ deliveries: WebhookDelivery[]; nextPageToken: string }> {
    const req = { webhookId, pageSize: p.pageSize ?? 0, pageToken: p.pageToken ?? "" };
    const res = await this.call("ListWebhookDeliveries", this.client.listWebhookDeliveries, req, opts);
    return { deliveries: res.deliveries.map(toDelivery), nextPageToken: res.nextPageToken };
  }
}
