import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { linkApprovers, type LinkGrant } from "../domain/approval.js";
import { UnauthenticatedError } from "../domain/errors.js";
import type { PauseRecord } from "../domain/flow-run.js";
import type { ResumeLinkRecord, ResumeLinkStore } from "./ports.js";
import type { IssuedLink } from "./run-change-notifier.js";

/** "fgr_" + 256 random bits, base64url: unguessable, and recognisable in a leaked-secret scan. */
const TOKEN_PREFIX = "fgr_";
const TOKEN_SHAPE = /^fgr_[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The links a pause's policy asks for: tokens to hand out once, and the records (hashes only) to store. */
export function makeLinks(
  flowRunId: string,
  pause: PauseRecord,
  uiUrl: string,
  now: Date,
): { issued: IssuedLink[]; records: ResumeLinkRecord[] } {
  const issued: IssuedLink[] = [];
  const records: ResumeLinkRecord[] = [];
  for (const approver of linkApprovers(pause.approval)) {
    const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
    const id = randomUUID();
    issued.push({ id, ...(approver !== undefined ? { approver } : {}), url: `${uiUrl}/approve/${token}`, token });
    records.push({
      tokenHash: hashToken(token),
      id,
      flowRunId,
      pauseKey: pause.key,
      pauseInstanceId: pause.instanceId ?? "",
      ...(approver !== undefined ? { approver } : {}),
      createdAt: now,
    });
  }
  return { issued, records };
}

const INVALID = "This resume link is not valid: it is unknown, was revoked, or belongs to another run.";

/**
 * The grant a token stands for. Unknown, malformed and revoked tokens, and a token used on another
 * run than its own, are all the same refusal: a caller learns nothing about tokens it does not hold.
 * Whether the link's pause still waits, and whether it was used, is decided with the run (approval.ts).
 */
export async function resolveToken(store: ResumeLinkStore, token: string, flowRunId?: string): Promise<LinkGrant> {
  if (!TOKEN_SHAPE.test(token)) throw new UnauthenticatedError(INVALID, "RESUME_LINK_INVALID");
  const hash = hashToken(token);
  const record = await store.byTokenHash(hash);
  // The lookup is by hash, so this comparison is belt and braces against a store that matched loosely.
  if (!record || !timingSafeEqual(Buffer.from(record.tokenHash, "hex"), Buffer.from(hash, "hex"))) {
    throw new UnauthenticatedError(INVALID, "RESUME_LINK_INVALID");
  }
  if (record.revokedAt || (flowRunId !== undefined && record.flowRunId !== flowRunId)) {
    throw new UnauthenticatedError(INVALID, "RESUME_LINK_INVALID");
  }
  return {
    id: record.id,
    flowRunId: record.flowRunId,
    pauseKey: record.pauseKey,
    pauseInstanceId: record.pauseInstanceId,
    ...(record.approver !== undefined ? { approver: record.approver } : {}),
  };
}

/** A link as answered to a retry of the call that made it: the token was handed out once. */
export function withoutToken(link: IssuedLink): IssuedLink {
  return { ...link, url: "", token: "" };
}
