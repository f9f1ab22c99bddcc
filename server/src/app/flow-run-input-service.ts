import type { Actor } from "../domain/audit.js";
import { InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import { optionalRequestId, requireId, requireInputKey, requireWithinLimit } from "../domain/validation.js";
import { recordAudit } from "./audit-trail.js";
import type { AppContext } from "./context.js";
import type { FlowRunInputRecord } from "./ports.js";
import { once } from "./idempotency.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

export interface CreateInputInput {
  flowRunId: string;
  key: string;
  value: unknown;
  /** The run it is sent from (where replies go): must exist. */
  senderFlowRunId?: string;
  /**
   * What older clients send as `sender` (their run's id). Never trusted as the sender: the sender is
   * the caller's principal. A UUID of an existing run here stands in for an absent senderFlowRunId.
   */
  claimedSender?: string;
  requestId?: string;
}

/** Key/value inputs of a run (what pause inputs and send_input / receive_input build on). */
export class FlowRunInputService {
  constructor(private readonly ctx: AppContext) {}

  /** Stores an input whose sender is the caller's principal, whatever the request claims. */
  async create(actor: Actor, input: CreateInputInput): Promise<FlowRunInputRecord> {
    const id = await this.existingRun(input.flowRunId);
    const k = requireInputKey(input.key);
    requireWithinLimit("value", input.value, this.ctx.limits.maxInputBytes);
    const requestId = optionalRequestId(input.requestId ?? "");
    const senderFlowRunId = await this.senderRun(input);
    return once(this.ctx.store.requests, actor, `create-input:${id}`, requestId, async () => {
      const record: FlowRunInputRecord = {
        flowRunId: id,
        key: k,
        value: input.value ?? null,
        sender: actor.principal,
        ...(senderFlowRunId ? { senderFlowRunId } : {}),
        createdAt: new Date(),
      };
      await this.ctx.store.inputs.create(record);
      await recordAudit(this.ctx, actor, { flowRunId: id, subject: `input:${k}`, ...(requestId ? { requestId } : {}) });
      return record;
    });
  }

  private async senderRun(input: CreateInputInput): Promise<string | undefined> {
    if (input.senderFlowRunId) {
      const id = requireId("sender_flow_run_id", input.senderFlowRunId);
      if (!(await this.ctx.store.runs.get(id))) throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Sender flow run ${id} was not found.`);
      return id;
    }
    const claimed = input.claimedSender?.toLowerCase() ?? "";
    if (!UUID.test(claimed)) return undefined;
    return (await this.ctx.store.runs.get(claimed)) ? claimed : undefined;
  }

  async read(flowRunId: string, key: string): Promise<FlowRunInputRecord> {
    const id = await this.existingRun(flowRunId);
    const record = await this.ctx.store.inputs.read(id, requireInputKey(key));
    if (!record) throw new NotFoundError("FLOW_RUN_INPUT_NOT_FOUND", `Flow run input "${key}" was not found.`);
    return record;
  }

  async filter(flowRunId: string, keyPrefix: string, limit: number, excludeKeys: readonly string[]): Promise<FlowRunInputRecord[]> {
    const id = await this.existingRun(flowRunId);
    const n = limit === 0 ? DEFAULT_LIMIT : limit;
    if (n < 1 || n > MAX_LIMIT) {
      throw new InvalidArgumentError(`limit must be between 1 and ${MAX_LIMIT}.`, [
        { field: "limit", description: `must be between 1 and ${MAX_LIMIT}` },
      ]);
    }
    return this.ctx.store.inputs.filter(id, keyPrefix, excludeKeys, n);
  }

  async delete(actor: Actor, flowRunId: string, key: string): Promise<void> {
    const id = await this.existingRun(flowRunId);
    const k = requireInputKey(key);
    if (!(await this.ctx.store.inputs.delete(id, k))) {
      throw new NotFoundError("FLOW_RUN_INPUT_NOT_FOUND", `Flow run input "${key}" was not found.`);
    }
    await recordAudit(this.ctx, actor, { flowRunId: id, subject: `input:${k}` });
  }

  private async existingRun(flowRunId: string): Promise<string> {
    const id = requireId("flow_run_id", flowRunId);
    if (!(await this.ctx.store.runs.get(id))) throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Flow run ${id} was not found.`);
    return id;
  }
}
