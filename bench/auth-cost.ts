/**
 * What authentication costs on the resume path. Two measurements:
 * (1) the check itself, in this process: the authentication middleware on a resume call with a valid,
 *     cached key (what every call after a key's first pays), against the same chain with auth disabled;
 * (2) end to end: the ResumeFlowRun round trip (sent → answered) on a server with auth on, and on one
 *     with FLOWGATE_AUTH=disabled, both on the same store, alternating, so load and store affect both alike.
 *
 *   npm run bench:auth          (FLOWGATE_BENCH_PAUSES=300 resumes per server by default)
 */
import { performance } from "node:perf_hooks";
import { StateType } from "@flowgate/contract/flowgate/v1/types.js";
import { ApiKeyService } from "../server/src/app/api-keys.js";
import type { ApiKeyStore } from "../server/src/app/ports.js";
import type { ApiKeyRecord } from "../server/src/domain/access.js";
import type { CallContext } from "../server/src/middleware/call-context.js";
import { authenticate } from "../server/src/middleware/authenticate.js";
import { requirementOf } from "../server/src/middleware/requirements.js";
import { startServerProcess } from "../test/support/test-server.js";
import { benchServer, machine, percentile, summary } from "./support.js";

function micro(label: string, valuesMs: number[]): string {
  const s = [...valuesMs].sort((a, b) => a - b);
  const f = (v: number): string => `${(v * 1000).toFixed(1)} µs`;
  return `${label}: n=${s.length} p50=${f(percentile(s, 50))} p90=${f(percentile(s, 90))} p99=${f(percentile(s, 99))}`;
}

const N = Number(process.env["FLOWGATE_BENCH_PAUSES"] ?? 300);
const WARMUP = 20;

// (1) The check alone: one key in a map standing in for the store (it is read once, then cached).
const stored = new Map<string, ApiKeyRecord>();
const memoryKeys: ApiKeyStore = {
  insert: (k) => Promise.resolve(stored.set(k.id, k) && true),
  get: (id) => Promise.resolve(stored.get(id)),
  list: () => Promise.resolve([...stored.values()]),
  revoke: (id) => Promise.resolve(stored.get(id)),
};
const keys = new ApiKeyService(memoryKeys, 60_000);
const { secret } = await keys.create({ name: "bench", scopes: ["runs:resume"] }, "bench");
const context = (): CallContext => ({
  transport: "grpc",
  method: "flowgate.v1.RunService/ResumeFlowRun",
  requestId: "bench",
  headers: new Map([["authorization", `Bearer ${secret}`]]),
  signal: new AbortController().signal,
  startedAt: performance.now(),
});
const withAuth = authenticate({ authenticator: keys, requirementOf });
const withoutAuth = authenticate({ authenticator: undefined, requirementOf });
async function timeMiddleware(mw: typeof withAuth, rounds: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const ctx = context();
    const t0 = performance.now();
    await mw(ctx, () => Promise.resolve());
    out.push(performance.now() - t0);
  }
  return out;
}
await timeMiddleware(withAuth, 2_000); // warm-up (JIT, first store read)
const checked = await timeMiddleware(withAuth, 20_000);
const unchecked = await timeMiddleware(withoutAuth, 20_000);

// (2) End to end, on two servers sharing one store.
const { server: on, stop, storeKind } = await benchServer();
const off = await startServerProcess({ env: { FLOWGATE_AUTH: "disabled" } });
try {
  const rounds: Record<"on" | "off", number[]> = { on: [], off: [] };
  for (let i = 0; i < N + WARMUP; i++) {
    for (const [name, server] of [
      ["on", on],
      ["off", off],
    ] as const) {
      const { flowRun } = await server.runs.createFlowRun({ flowName: "bench-auth", state: { type: StateType.STATE_TYPE_RUNNING } });
      await server.runs.pauseFlowRun({ flowRunId: flowRun!.id, key: "1" });
      const t0 = performance.now();
      await server.runs.resumeFlowRun({ flowRunId: flowRun!.id });
      if (i >= WARMUP) rounds[name].push(performance.now() - t0);
    }
  }
  console.log(`machine: ${machine()}; store: ${storeKind}`);
  console.log(micro("auth check alone, cached key (middleware)", checked));
  console.log(micro("same chain link, auth disabled", unchecked));
  console.log(summary(`ResumeFlowRun round trip, auth on  (${N} resumes)`, rounds.on));
  console.log(summary(`ResumeFlowRun round trip, auth off (${N} resumes)`, rounds.off));
} finally {
  await off.stop();
  await stop();
}
