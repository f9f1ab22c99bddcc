/** Shared setup for benchmarks: a store and a server process of their own, and small statistics. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedStore } from "../server/src/embedded-store/launcher.js";
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
