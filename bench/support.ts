/** Shared setup for benchmarks: a store and a server process of their own, and small statistics. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { WaitEventType, WaitForResumeRequest } from "@flowgate/contract/flowgate/v1/run_service.js";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { startEmbeddedStore } from "../server/src/embedded-store/launcher.js";
import { StreamReader } from "../test/support/grpc-client.js";
import { startServerProcess, type ServerProcess } from "../test/support/test-server.js";

export async function benchServer(
  env: Record<string, string> = {},
): Promise<{ server: ServerProcess; stop: () => Promise<void>; storeKind: string }> {
  let stopStore = async (): Promise<void> => undefined;
  let storeKind = "FLOWGATE_MONGODB_URI";
  if (!process.env["FLOWGATE_MONGODB_URI"]) {
    const store = await startEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), "flowgate-bench-")) });
    process.env["FLOWGATE_MONGODB_URI"] = `${store.uri}?directConnection=true`;
    stopStore = () => store.stop();
    storeKind = "embedded FerretDB (SQLite)";
  }
  const server = await startServerProcess({ env });
  return {
    server,
    storeKind,
    stop: async () => {
      await server.stop();
      await stopStore();
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function summary(label: string, valuesMs: number[]): string {
  const s = [...valuesMs].sort((a, b) => a - b);
  const f = (v: number): string => `${v.toFixed(2)} ms`;
  return `${label}: n=${s.length} p50=${f(percentile(s, 50))} p90=${f(percentile(s, 90))} p99=${f(percentile(s, 99))} max=${f(s[s.length - 1]!)}`;
}

/** Resident memory of a process, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

export function machine(): string {
  const cpu = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown cpu";
  return `${cpu}, ${process.versions.node ? `node ${process.version}` : ""}`;
}

/** When a round's resume was sent, when its reply came, and when the waiter woke (performance.now()). */
export interface ResumeRound {
  sent: number;
  returned: number;
  woke: number;
}

/**
 * One round of the resume benchmarks: a new run paused through `resumer`, its waiter attached on
 * `holder` (the same server, or another on the store), then resumed through `resumer`.
 */
export async function pauseResumeRound(resumer: ServerProcess, holder: ServerProcess, i: number): Promise<ResumeRound> {
  const { flowRun } = await resumer.runs.createFlowRun({ flowName: "bench", state: { type: StateType.STATE_TYPE_RUNNING } });
  const id = flowRun!.id;
  await resumer.runs.pauseFlowRun({ flowRunId: id, key: "1" });
  const wait = new StreamReader(holder.rawRuns.waitForResume(WaitForResumeRequest.fromPartial({ flowRunId: id, key: "1" })));
  await wait.next(); // the first heartbeat: the waiter is attached
  let woke = 0;
  const resumed = wait.next().then((e) => {
    woke = performance.now();
    if (e.type !== WaitEventType.WAIT_EVENT_TYPE_RESUMED) throw new Error(`unexpected event ${e.type}`);
  });
  const sent = performance.now();
  await resumer.runs.resumeFlowRun({ flowRunId: id, runInput: { i } });
  const returned = performance.now();
  await resumed;
  return { sent, returned, woke };
}
