import { InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import { optionalRequestId, requireId, requireInputKey, requireWithinLimit } from "../domain/validation.js";
import type { AppContext } from "./context.js";
import type { FlowRunInputRecord } from "./ports.js";
import { once } from "./idempotency.js";

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** Key/value inputs of a run (what pause inputs and send_input / receive_input build on). */
export class FlowRunInputService {
  constructor(private readonly ctx: AppContext) {}

  async create(flowRunId: string, key: string, value: unknown, sender: string, requestIdText = ""): Promise<FlowRunInputRecord> {
    const id = await this.existingRun(flowRunId);
    const k = requireInputKey(key);
    requireWithinLimit("value", value, this.ctx.limits.maxInputBytes);
    const requestId = optionalRequestId(requestIdText);
    return once(this.ctx.store.requests, `create-input:${id}`, requestId, async () => {
      const record: FlowRunInputRecord = {
        flowRunId: id,
        key: k,
        value: value ?? null,
        ...(sender ? { sender } : {}),
        createdAt: new Date(),
      };
      await this.ctx.store.inputs.create(record);
      return record;
    });
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

  async delete(flowRunId: string, key: string): Promise<void> {
    const id = await this.existingRun(flowRunId);
    if (!(await this.ctx.store.inputs.delete(id, requireInputKey(key)))) {
      throw new NotFoundError("FLOW_RUN_INPUT_NOT_FOUND", `Flow run input "${key}" was not found.`);
    }
  }

  private async existingRun(flowRunId: string): Promise<string> {
    const id = requireId("flow_run_id", flowRunId);
    if (!(await this.ctx.store.runs.get(id))) throw new NotFoundError("FLOW_RUN_NOT_FOUND", `Flow run ${id} was not found.`);
    return id;
  }
}
