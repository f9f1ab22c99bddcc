/**
 * The audit trail: one entry per successful mutating call, appended by the service that did the work,
 * and read back (listed, verified) for AuditService.
 *
 * When the entry is written: after the call's change is stored and before the caller is answered,
 * inside the request-id guard (so a retry that replays a stored outcome adds no second entry). If the
 * append itself fails (the store went away between the change and the entry), the call still succeeds:
 * the change is done, and failing the call would invite a retry of something already done. That entry
 * is then not lost silently: it is logged at error level, whole, as "audit entry not written", and for
 * run changes the run itself names who made each state (`by`, written in the same update as the state).
 */
import { randomUUID } from "node:crypto";
import { ChainVerifier, sealAuditEvent, type Actor, type AuditEvent, type AuditFacts, type ChainBreak } from "../domain/audit.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { requireId } from "../domain/validation.js";
import type { AppContext } from "./context.js";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./paging.js";
import type { AuditFilter } from "./ports.js";

/** Appends the entry of a call that succeeded; never throws (see above). */
export async function recordAudit(ctx: Pick<AppContext, "store" | "logger">, actor: Actor, facts: AuditFacts): Promise<void> {
  const id = randomUUID();
  const at = new Date();
  try {
    await ctx.store.audit.append((seq, prevHash) => sealAuditEvent(actor, facts, at, id, seq, prevHash));
  } catch (err) {
    ctx.logger.error({ err, audit: { id, at, actor, ...facts } }, "audit entry not written");
  }
}

/** How many entries VerifyAuditChain reads per store query. */
const VERIFY_BATCH = 500;

export interface AuditListInput extends AuditFilter {
  pageSize: number;
  pageToken: string;
  /** Oldest first (AuditService, the CLI) unless set; the run page reads the newest first. */
  newestFirst?: boolean;
}

/** Reading the trail: listing with filters, and checking the whole chain. */
export class AuditReader {
  constructor(private readonly ctx: Pick<AppContext, "store">) {}

  async list(input: AuditListInput): Promise<{ events: AuditEvent[]; nextPageToken: string }> {
    const size = input.pageSize === 0 ? DEFAULT_PAGE_SIZE : input.pageSize;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
      throw new InvalidArgumentError(`page_size must be between 1 and ${MAX_PAGE_SIZE}.`, [
        { field: "page_size", description: `must be between 1 and ${MAX_PAGE_SIZE}` },
      ]);
    }
    const newestFirst = input.newestFirst === true;
    const from = decodeToken(input.pageToken, newestFirst);
    if (input.from && input.to && input.to.getTime() < input.from.getTime()) {
      throw new InvalidArgumentError("end_time is before start_time.", [
        { field: "end_time", description: "must not be before start_time" },
      ]);
    }
    const filter: AuditFilter = {
      ...(input.flowRunId ? { flowRunId: requireId("flow_run_id", input.flowRunId) } : {}),
      ...(input.principal ? { principal: input.principal } : {}),
      ...(input.from ? { from: input.from } : {}),
      ...(input.to ? { to: input.to } : {}),
    };
    const found = newestFirst
      ? await this.ctx.store.audit.listNewestFirst(filter, from, size + 1)
      : await this.ctx.store.audit.list(filter, from, size + 1);
    const events = found.slice(0, size);
    const last = events.at(-1);
    return { events, nextPageToken: found.length > size && last ? encodeToken(last.seq, newestFirst) : "" };
  }

  /** Reads every entry in order and recomputes the chain: intact, or the first entry where it breaks. */
  async verify(signal?: AbortSignal): Promise<{ intact: true; checked: number } | { intact: false; checked: number; broken: ChainBreak }> {
    const verifier = new ChainVerifier();
    let after = 0;
    for (;;) {
      signal?.throwIfAborted();
      const batch = await this.ctx.store.audit.list({}, after, VERIFY_BATCH);
      const broken = verifier.check(batch);
      if (broken) return { intact: false, checked: verifier.checked, broken };
      if (batch.length < VERIFY_BATCH) return { intact: true, checked: verifier.checked };
      after = batch.at(-1)!.seq;
    }
  }
}

/**
 * Page tokens name the last entry of the page: new entries never shift a page, unlike offsets. The
 * prefix says which way the pages go ("a"fter it, "b"efore it), so a token is never read the other way.
 */
function encodeToken(seq: number, newestFirst: boolean): string {
  return Buffer.from(`${newestFirst ? "b" : "a"}:${seq}`).toString("base64url");
}

function decodeToken(token: string, newestFirst: boolean): number {
  if (!token) return 0;
  const m = (newestFirst ? /^b:(\d{1,15})$/ : /^a:(\d{1,15})$/).exec(Buffer.from(token, "base64url").toString("utf8"));
  if (!m) throw new InvalidArgumentError("page_token is not one this server issued.", [{ field: "page_token", description: "is invalid" }]);
  return Number(m[1]);
}
