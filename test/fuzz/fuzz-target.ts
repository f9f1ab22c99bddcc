/**
 * The fuzzed server and what the fuzz keeps about it: a Flowgate server in its own process (so a
 * crash is seen as one, and its memory is its own), a world of real runs, deployments, task runs
 * and inputs for requests to name, a tally of answers by status, and the checks every answer gets.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { Client, credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { StateType, type FlowRun } from "@flowgate/contract/flowgate/v1/types.js";
import { ERROR_REASONS } from "../../server/src/domain/errors.js";
import { statusDetails } from "../support/status-details.js";
import { startServerProcess, type ServerProcess } from "../support/test-server.js";
import type { Method, World } from "./contract-requests.js";

/** Total cases of one run: about 2,000 under `npm test`; `npm run test:fuzz -- --runs 100000` sets more. */
export const TOTAL_RUNS = Number(process.env["FLOWGATE_FUZZ_RUNS"] ?? 2_000);
/** fast-check's seed: printed with every failure, and given back here to replay a run. */
export const SEED = Number(process.env["FLOWGATE_FUZZ_SEED"] ?? Date.now() % 2 ** 31);
/** How much the server's resident memory may grow over the whole run. */
export const MAX_RSS_GROWTH_MB = Number(process.env["FLOWGATE_FUZZ_MAX_RSS_GROWTH_MB"] ?? 256);

/** The cases of one part of the fuzz: its share of TOTAL_RUNS. */
export function runsFor(share: number): number {
  return Math.max(1, Math.round(TOTAL_RUNS * share));
}

/**
 * How long a stream is watched when it neither answers nor fails at once (WatchFlowRuns with no
 * matching run, WaitForResume on a paused run): it is then counted as held open, and cancelled. A
 * refusal comes before that, in the same tick as the checks that make it; this bounds the fuzz's
 * own wait, it asserts nothing about time.
 */
const STREAM_WINDOW_MS = 250;
/**
 * An answer slower than this is a frozen server (DEADLINE_EXCEEDED over gRPC, no answer over HTTP):
 * every request of the fuzz is answered in milliseconds, the largest in well under a second.
 */
export const ANSWER_DEADLINE_MS = 30_000;

/** gRPC answers a request can deserve; INTERNAL, UNKNOWN, UNAVAILABLE or a deadline is a failure. */
export const EXPECTED_GRPC = new Set<status>([
  status.OK,
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.FAILED_PRECONDITION,
  status.ALREADY_EXISTS,
  status.ABORTED,
  status.PERMISSION_DENIED,
  status.UNAUTHENTICATED,
]);

export interface GrpcAnswer {
  code: status;
  details: string;
  /** ErrorInfo reason (flowgate.dev) of an error, "" when none came. */
  reason: string;
  /** "unary", "stream: first message", "stream: ended", "stream: held open". */
  how: string;
}

export class Tally {
  private readonly counts = new Map<string, number>();

  add(label: string): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
  }

  get total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  lines(): string[] {
    return [...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([label, n]) => `  ${label.padEnd(42)} ${n}`);
  }
}

export const GRPC_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(status)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => [v as number, k]),
);

/** Resident memory of a process, in MiB (Linux /proc; ps elsewhere). */
export function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    // not Linux
  }
  return Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim()) / 1024;
}

export class FuzzTarget {
  readonly world: World = { runIds: [], deploymentIds: [], taskRunIds: [], fullNames: [], inputKeys: [], cacheKeys: [] };
  private readonly client: Client;
  private refreshes = 0;

  private constructor(readonly server: ServerProcess) {
    this.client = new Client(server.address, credentials.createInsecure());
  }

  static async start(): Promise<FuzzTarget> {
    const target = new FuzzTarget(await startServerProcess());
    await target.refreshWorld();
    return target;
  }

  get pid(): number {
    return this.server.child.pid!;
  }

  get alive(): boolean {
    return this.server.child.exitCode === null && this.server.child.signalCode === null;
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.server.stop();
  }

  /**
   * New runs in each state a request can act on (RUNNING, PAUSED with and without a schema, RUNNING
   * with a deployment so it can be suspended), a task run with a cache key and an input: as the fuzz
   * cancels, completes and resumes them, fresh ones keep requests reaching every path.
   */
  async refreshWorld(): Promise<void> {
    const n = this.refreshes++;
    const { runs, deployments } = this.server;
    const { deployment } = await deployments.createDeployment({ name: `fuzz-${n}`, flowName: "fuzz-flow", entrypoint: "flows.py:fuzz" });
    const running = (deploymentId = ""): Promise<FlowRun> =>
      runs.createFlowRun({ flowName: "fuzz-flow", deploymentId, state: { type: StateType.STATE_TYPE_RUNNING } }).then((r) => r.flowRun!);
    const plain = await running();
    const withDeployment = await running(deployment!.id);
    const pausedPlain = await running();
    await runs.pauseFlowRun({ flowRunId: pausedPlain.id, noTimeout: true });
    const pausedSchema = await running();
    await runs.pauseFlowRun({
      flowRunId: pausedSchema.id,
      key: "approval",
      noTimeout: true,
      inputSchema: { type: "object", properties: { ok: { type: "boolean" }, note: { type: "string", maxLength: 100 } }, required: ["ok"] },
    });
    const { taskRun } = await runs.createTaskRun({ flowRunId: plain.id, taskKey: "fuzz-task", cacheKey: `fuzz-cache-${n}` });
    await runs.createFlowRunInput({ flowRunId: plain.id, key: `fuzz-input-${n}`, value: { n } });
    const keep = <T>(list: T[], ...items: T[]): void => {
      list.push(...items);
      list.splice(0, Math.max(0, list.length - 24));
    };
    keep(this.world.runIds, plain.id, withDeployment.id, pausedPlain.id, pausedSchema.id);
    keep(this.world.deploymentIds, deployment!.id);
    keep(this.world.fullNames, `fuzz-flow/fuzz-${n}`);
    keep(this.world.taskRunIds, taskRun!.id);
    keep(this.world.cacheKeys, `fuzz-cache-${n}`);
    keep(this.world.inputKeys, `fuzz-input-${n}`);
  }

  /** The runs of the world that `text` names (a request's bytes or an HTTP path and body). */
  runsNamedIn(text: string): string[] {
    return this.world.runIds.filter((id) => text.includes(id));
  }

  /** Version and last state of each run, read with the admin key. */
  async snapshot(ids: readonly string[]): Promise<Map<string, FlowRun>> {
    const out = new Map<string, FlowRun>();
    for (const id of ids) out.set(id, (await this.server.runs.getFlowRun({ flowRunId: id })).flowRun!);
    return out;
  }

  /**
   * After a refused request: each run it named is as it was, unless the server itself moved it in
   * between (a pause's timeout firing, which names the server as its cause).
   */
  async assertUnchanged(before: Map<string, FlowRun>, what: string): Promise<void> {
    const after = await this.snapshot([...before.keys()]);
    for (const [id, was] of before) {
      const now = after.get(id)!;
      if (now.version === was.version) continue;
      assert.equal(
        now.state?.by?.principal,
        "flowgate",
        `a refused request changed run ${id} (version ${was.version} → ${now.version}): ${what}`,
      );
    }
  }

  /** Sends raw request bytes to a method, as any client could, and reads how it was answered. */
  call(method: Method, bytes: Buffer, authorization: string | undefined): Promise<GrpcAnswer> {
    const metadata = new Metadata();
    if (authorization !== undefined) metadata.set("authorization", authorization);
    const raw = (b: Buffer): Buffer => b;
    if (!method.serverStream && !method.clientStream) {
      return new Promise((resolve) => {
        this.client.makeUnaryRequest(method.path, raw, raw, bytes, metadata, { deadline: Date.now() + ANSWER_DEADLINE_MS }, (err) =>
          resolve(answerOf(err, "unary")),
        );
      });
    }
    return new Promise((resolve) => {
      let settled = false;
      const stream = method.clientStream
        ? this.client.makeBidiStreamRequest(method.path, raw, raw, metadata)
        : this.client.makeServerStreamRequest(method.path, raw, raw, bytes, metadata);
      const settle = (answer: GrpcAnswer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(window);
        stream.cancel();
        resolve(answer);
      };
      const window = setTimeout(() => settle({ code: status.OK, details: "", reason: "", how: "stream: held open" }), STREAM_WINDOW_MS);
      stream.on("data", () => settle({ code: status.OK, details: "", reason: "", how: "stream: first message" }));
      stream.on("error", (err: ServiceError) => settle(answerOf(err, "stream")));
      stream.on("end", () => settle({ code: status.OK, details: "", reason: "", how: "stream: ended" }));
      if (method.clientStream) {
        const duplex = stream as ReturnType<Client["makeBidiStreamRequest"]>;
        duplex.write(bytes);
        duplex.end();
      }
    });
  }
}

function answerOf(err: ServiceError | null, how: string): GrpcAnswer {
  if (!err) return { code: status.OK, details: "", reason: "", how };
  let reason = "";
  if ((err.metadata?.get("grpc-status-details-bin") ?? []).length > 0) {
    const info = statusDetails(err).errorInfo;
    if (info?.domain === "flowgate.dev") reason = info.reason;
  }
  return { code: err.code, details: err.details, reason, how };
}

/** Every error of a Flowgate method names a reason of the contract; the health service's own errors carry none. */
export function assertExpectedGrpc(method: Method, answer: GrpcAnswer, what: string): void {
  assert.ok(EXPECTED_GRPC.has(answer.code), `${GRPC_NAMES[answer.code]} "${answer.details}" for ${what}`);
  if (answer.code !== status.OK && method.name.startsWith("flowgate.v1.")) {
    assert.ok(
      (ERROR_REASONS as readonly string[]).includes(answer.reason),
      `no ErrorInfo reason on ${GRPC_NAMES[answer.code]} "${answer.details}" for ${what}`,
    );
    assert.notEqual(answer.reason, "INTERNAL", what);
  }
}
