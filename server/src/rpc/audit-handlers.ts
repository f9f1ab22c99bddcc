import type {
  AuditEvent as WireAuditEvent,
  AuditServiceServer,
  AuditState as WireAuditState,
} from "@flowgate/contract/flowgate/v1/audit_service.js";
import type { AuditReader } from "../app/audit-trail.js";
import type { AuditEvent, AuditState } from "../domain/audit.js";
import type { HandlerAdapter } from "./adapter.js";
import { stateTypeToWire } from "./mapping.js";

function stateToWire(s: AuditState | undefined): WireAuditState | undefined {
  return s ? { id: s.id, type: stateTypeToWire(s.type), name: s.name } : undefined;
}

export function auditEventToWire(e: AuditEvent): WireAuditEvent {
  return {
    sequence: e.seq,
    id: e.id,
    time: e.at,
    principal: e.principal,
    keyId: e.keyId ?? "",
    channel: e.channel,
    call: e.call,
    callId: e.callId ?? "",
    requestId: e.requestId ?? "",
    flowRunId: e.flowRunId ?? "",
    pauseKey: e.pauseKey ?? "",
    stateBefore: stateToWire(e.stateBefore),
    stateAfter: stateToWire(e.stateAfter),
    input: e.input,
    inputSha256: e.inputSha256 ?? "",
    subject: e.subject ?? "",
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

/** AuditService: reading the trail (the services write it); who may read is the middleware's business. */
export function auditHandlers(a: HandlerAdapter, audit: AuditReader): AuditServiceServer {
  return {
    listAuditEvents: a.unary("ListAuditEvents", async (req) => {
      const r = await audit.list({
        flowRunId: req.flowRunId,
        principal: req.principal,
        ...(req.startTime ? { from: req.startTime } : {}),
        ...(req.endTime ? { to: req.endTime } : {}),
        pageSize: req.pageSize,
        pageToken: req.pageToken,
      });
      return { events: r.events.map(auditEventToWire), nextPageToken: r.nextPageToken };
    }),
    verifyAuditChain: a.unary("VerifyAuditChain", async (_req, ctx) => {
      const r = await audit.verify(ctx.signal);
      return r.intact
        ? { intact: true, checked: r.checked, brokenSequence: 0, brokenId: "", problem: "" }
        : { intact: false, checked: r.checked, brokenSequence: r.broken.seq, brokenId: r.broken.id, problem: r.broken.problem };
    }),
  };
}
