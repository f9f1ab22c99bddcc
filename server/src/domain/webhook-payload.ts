/**
 * The JSON a webhook receives, in the Standard Webhooks shape `{ type, timestamp, data }` plus the
 * delivery's `id` (the `webhook-id` header). `data` holds the run, the pause (key, instance,
 * description, schema, expiry, approval policy, approvals so far), the resume links of a "paused"
 * event, and the rejection of a "rejected" one. Links carry tokens: the payload is never logged.
 */
import type { ApprovalRecord, RejectionRecord } from "./approval.js";
import type { FlowRun, PauseRecord } from "./flow-run.js";
import type { WebhookEventName } from "./webhook.js";

/** A resume link as issued with the pause that made it: the only time its token exists in clear. */
export interface PayloadLink {
  id: string;
  approver?: string;
  url: string;
  token: string;
}

export interface PayloadInput {
  id: string;
  event: WebhookEventName;
  /** When the event happened. */
  at: Date;
  run: FlowRun;
  pause: PauseRecord;
  /** "paused" only. */
  links?: readonly PayloadLink[];
  /** The web UI's base URL, for the run's page; "" when unknown. */
  uiUrl?: string;
}

/** "flow_run.paused", … : the payload's `type`. */
export function payloadType(event: WebhookEventName): string {
  return `flow_run.${event}`;
}

function decision(r: ApprovalRecord | RejectionRecord): { by: { principal: string; channel: string }; at: string; linkId?: string } {
  return { by: { principal: r.principal, channel: r.channel }, at: r.at.toISOString(), ...(r.linkId ? { linkId: r.linkId } : {}) };
}

export function webhookPayload(p: PayloadInput): Record<string, unknown> {
  const { run, pause } = p;
  const state = run.state;
  const data: Record<string, unknown> = {
    flowRun: {
      id: run.id,
      name: run.name,
      flowName: run.flowName,
      ...(run.deploymentId ? { deploymentId: run.deploymentId } : {}),
      state: state ? { type: state.type, name: state.name, message: state.message, timestamp: state.timestamp.toISOString() } : null,
      labels: run.labels,
      ...(p.uiUrl ? { url: `${p.uiUrl}/runs/${encodeURIComponent(run.id)}` } : {}),
    },
    pause: {
      key: pause.key,
      instanceId: pause.instanceId ?? null,
      reschedule: pause.reschedule,
      status: pause.status,
      description: pause.inputDescription ?? null,
      schema: pause.inputSchema ?? null,
      createdAt: pause.createdAt.toISOString(),
      expiresAt: pause.expiresAt?.toISOString() ?? null,
      pausedBy: pause.pausedBy ?? null,
      approval: pause.approval ?? null,
      approvals: (pause.approvals ?? []).map((a) => ({ ...decision(a), ...(a.input ? { input: a.input } : {}) })),
      onTimeout: pause.onTimeout
        ? {
            action: pause.onTimeout.action,
            ...(pause.onTimeout.remindAfterSeconds ? { remindAfterSeconds: pause.onTimeout.remindAfterSeconds } : {}),
          }
        : null,
    },
  };
  if (p.event === "paused") {
    data["links"] = (p.links ?? []).map((l) => ({ id: l.id, approver: l.approver ?? null, url: l.url, token: l.token }));
  }
  if (p.event === "rejected" && pause.rejection) {
    data["rejection"] = { ...decision(pause.rejection), reason: pause.rejection.reason };
  }
  return { type: payloadType(p.event), id: p.id, timestamp: p.at.toISOString(), data };
}

/** The stored body without its links' tokens, once it will not be sent again. */
export function withoutLinks(body: string): string {
  const payload = JSON.parse(body) as { data?: { links?: unknown } };
  if (!payload.data || payload.data.links === undefined) return body;
  const { links: _links, ...data } = payload.data;
  return JSON.stringify({ ...payload, data });
}
