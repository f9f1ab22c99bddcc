/**
 * C05: `buf curl` (docs/grpc.md, "Pause → wait → resume with `buf curl`"), through server
 * reflection and without .proto files, can list, pause-wait-resume and watch. The request bodies are
 * those of docs/grpc.md, which test/docs/doc-commands.test.ts runs as written; keep the two in step.
 */
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startTestServer, type TestServer } from "../support/test-server.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const BUF = join(REPO, "node_modules", ".bin", "buf");
const CURL = ["curl", "--protocol", "grpc", "--http2-prior-knowledge"];
/** docs/grpc.md's `-H "authorization: Bearer $(cat .flowgate/admin-key)"`, with the test server's key. */
let auth: string[] = [];
const run = promisify(execFile);

/** The parts of the protobuf JSON that these scenarios read. */
interface FlowRunResponse {
  flowRun: { id: string; state: { type: string } };
}
interface WaitEventMessage {
  type: string;
  runInput?: unknown;
}
interface WatchEventMessage {
  event: FlowRunResponse;
}

/** `buf curl` prints each message of a stream as a pretty-printed JSON object, one after another. */
function parseMessages<T>(out: string): T[] {
  const trimmed = out.trim();
  return trimmed === "" ? [] : (JSON.parse(`[${trimmed.replace(/}\s*{/g, "},{")}]`) as T[]);
}

/** A `buf curl` call held open (a server stream), with its output so far. */
class HeldCall {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<number | null>;
  constructor(args: string[]) {
    this.child = spawn(BUF, [...CURL, ...auth, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }
  /** Resolves once the output contains `text` (buf prints each message as it arrives). */
  async seen(text: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stdout.includes(text)) {
      if (this.child.exitCode !== null) assert.fail(`buf curl ended before printing ${text}: ${this.stderr}`);
      if (Date.now() > deadline) assert.fail(`buf curl did not print ${text} in time: ${this.stdout}`);
      await new Promise<void>((resolve) => this.child.stdout!.once("data", () => resolve()));
    }
  }
}

describe("C05 buf curl through reflection, as in docs/grpc.md", () => {
  let server: TestServer;
  let url: string;
  const held: HeldCall[] = [];
  before(async () => {
    server = await startTestServer();
    url = `http://${server.address}`;
    auth = ["-H", `authorization: Bearer ${server.apiKey}`];
  });
  after(async () => {
    for (const h of held) if (h.child.exitCode === null) h.child.kill();
    await Promise.all(held.map((h) => h.exited));
    await server.stop();
  });

  const bc = async (...args: string[]): Promise<string> => (await run(BUF, [...CURL, ...auth, ...args])).stdout;
  // Every RunService method these scenarios call answers with the flow run.
  const call = async (method: string, body: unknown): Promise<FlowRunResponse> =>
    JSON.parse(await bc("-d", JSON.stringify(body), `${url}/flowgate.v1.RunService/${method}`)) as FlowRunResponse;
  const hold = (method: string, body: unknown): HeldCall => {
    const h = new HeldCall(["-d", JSON.stringify(body), `${url}/flowgate.v1.RunService/${method}`]);
    held.push(h);
    return h;
  };

  test("C05 lists services and methods, and answers health checks", async () => {
    const services = (await bc("--list-services", url)).trim().split("\n");
    for (const service of ["flowgate.v1.DeploymentService", "flowgate.v1.KeyService", "flowgate.v1.RunService", "grpc.health.v1.Health"]) {
      assert.ok(services.includes(service), `${service} listed: ${services.join(", ")}`);
    }
    const methods = (await bc("--list-methods", url)).trim().split("\n");
    for (const m of ["PauseFlowRun", "ResumeFlowRun", "WaitForResume", "WatchFlowRun"]) {
      assert.ok(methods.includes(`flowgate.v1.RunService/${m}`), `${m} listed`);
    }
    assert.deepEqual(JSON.parse(await bc(`${url}/grpc.health.v1.Health/Check`)), { status: "SERVING" });
  });

  test("C05 pause, wait, resume (invalid, then valid) and watch", async () => {
    const created = await call("CreateFlowRun", { flow_name: "greet-user", state: { type: "STATE_TYPE_RUNNING" } });
    const RUN = created.flowRun.id;

    const paused = await call("PauseFlowRun", {
      flow_run_id: RUN,
      key: "1",
      timeout_seconds: 600,
      input_schema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
      input_description: "Who are you?",
    });
    assert.equal(paused.flowRun.state.type, "STATE_TYPE_PAUSED");

    const wait = hold("WaitForResume", { flow_run_id: RUN, key: "1", heartbeat_seconds: 5 });
    const watch = hold("WatchFlowRun", { flow_run_id: RUN });
    await wait.seen("WAIT_EVENT_TYPE_HEARTBEAT");
    await watch.seen('"initial": true');

    // Invalid input: INVALID_ARGUMENT naming the field (buf exits non-zero); the run stays paused.
    await assert.rejects(
      run(BUF, [
        ...CURL,
        ...auth,
        "-v",
        "-d",
        JSON.stringify({ flow_run_id: RUN, run_input: { name: 42 } }),
        `${url}/flowgate.v1.RunService/ResumeFlowRun`,
      ]),
      (err: { stderr: string }) => {
        assert.match(err.stderr, /"code": "invalid_argument"/);
        assert.match(err.stderr, /name: must be string/);
        assert.match(err.stderr, /google\.rpc\.BadRequest/);
        return true;
      },
    );

    const resumed = await call("ResumeFlowRun", { flow_run_id: RUN, run_input: { name: "Marvin" } });
    assert.equal(resumed.flowRun.state.type, "STATE_TYPE_RUNNING");

    // The waiting stream ends with RESUMED {"name": "Marvin"}.
    assert.equal(await wait.exited, 0, wait.stderr);
    const waited = parseMessages<WaitEventMessage>(wait.stdout);
    assert.ok(waited.slice(0, -1).every((m) => m.type === "WAIT_EVENT_TYPE_HEARTBEAT"));
    assert.equal(waited.at(-1)?.type, "WAIT_EVENT_TYPE_RESUMED");
    assert.deepEqual(waited.at(-1)?.runInput, { name: "Marvin" });

    // The watch ends once the run reaches a final state.
    await call("SetFlowRunState", { flow_run_id: RUN, state: { type: "STATE_TYPE_COMPLETED" } });
    assert.equal(await watch.exited, 0, watch.stderr);
    const states = parseMessages<WatchEventMessage>(watch.stdout).map((m) => m.event.flowRun.state.type);
    assert.deepEqual(states, ["STATE_TYPE_PAUSED", "STATE_TYPE_RUNNING", "STATE_TYPE_COMPLETED"]);
  });
});
