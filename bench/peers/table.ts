/**
 * The one table `npm run bench:peers` prints: each measure for Flowgate, Temporal and Prefect, and
 * Flowgate/peer ratios. A peer that could not be set up, or a measure that failed, shows its reason.
 */
import { percentile } from "../support.js";
import type { PeerResult } from "./peer-result.js";

export type Outcome = { ok: true; result: PeerResult } | { ok: false; reason: string };
export interface Peers {
  flowgate: Outcome;
  temporal: Outcome | undefined;
  prefect: Outcome | undefined;
}

interface Measure {
  label: string;
  /** Which errors entry explains a missing value. */
  measure: string;
  value(r: PeerResult): number | undefined;
  format(v: number): string;
  /** Appended to the cell (Temporal's Signal figures beside its Update ones). */
  extra?(r: PeerResult): string;
  /** What a peer without this measure shows. */
  absent?: Partial<Record<keyof Peers, string>>;
  lowerIsBetter: boolean;
}

const p = (values: number[] | undefined, q: number): number | undefined =>
  values?.length
    ? percentile(
        [...values].sort((a, b) => a - b),
        q,
      )
    : undefined;
const ms = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);

const MEASURES: Measure[] = [
  {
    label: "resume sent → code after the wait runs, p50",
    measure: "resume",
    value: (r) => p(r.resumeMs, 50),
    format: ms,
    extra: (r) => (r.signalMs ? ` (Update; Signal ${ms(p(r.signalMs, 50)!)})` : ""),
    lowerIsBetter: true,
  },
  {
    label: "resume sent → code after the wait runs, p99",
    measure: "resume",
    value: (r) => p(r.resumeMs, 99),
    format: ms,
    extra: (r) => (r.signalMs ? ` (Update; Signal ${ms(p(r.signalMs, 99)!)})` : ""),
    lowerIsBetter: true,
  },
  {
    label: "sequential cycles/s, one flow pausing in a loop",
    measure: "resume",
    value: (r) => r.loopCyclesPerSecond,
    format: (v) => v.toFixed(1),
    lowerIsBetter: false,
  },
  {
    label: "sequential cycles/s, a new run each",
    measure: "newRun",
    value: (r) => r.newRunCyclesPerSecond,
    format: (v) => v.toFixed(1),
    lowerIsBetter: false,
  },
  {
    label: "server memory per waiting workflow (RSS delta / N)",
    measure: "memory",
    value: (r) => r.bytesPerWaiting,
    format: (v) => `${(v / 1024).toFixed(1)} KiB`,
    lowerIsBetter: true,
  },
  {
    label: "suspend → resumed run's code running again, p50",
    measure: "suspend",
    value: (r) => p(r.suspendMs, 50),
    format: ms,
    absent: { temporal: "— (no equivalent)" },
    lowerIsBetter: true,
  },
];

function cell(m: Measure, peer: keyof Peers, outcome: Outcome | undefined, firstRow: boolean): string {
  if (outcome === undefined) return "not run (FLOWGATE_PEERS)";
  if (!outcome.ok) return firstRow ? `could not be set up: ${outcome.reason}` : "(see above)";
  const v = m.value(outcome.result);
  if (v !== undefined) return m.format(v) + (m.extra?.(outcome.result) ?? "");
  return m.absent?.[peer] ?? `failed: ${outcome.result.errors[m.measure] ?? "no figure"}`;
}

/** Flowgate/peer, said so that the reader need not know which way is better. */
function ratio(m: Measure, flowgate: Outcome, peer: Outcome | undefined): string {
  if (!flowgate.ok || !peer?.ok) return "—";
  const f = m.value(flowgate.result);
  const q = m.value(peer.result);
  if (f === undefined || q === undefined || q === 0) return "—";
  const r = f / q;
  const better = m.lowerIsBetter ? r < 1 : r > 1;
  const factor = r >= 1 ? r : 1 / r;
  return `${Number(r.toPrecision(2))} (${better ? "Flowgate" : "peer"} ${factor.toFixed(1)}× better)`;
}

/** A peer that could not be set up says why in the first row, and points there in the others. */
export function table(peers: Peers): string {
  const rows = ["| what | Flowgate | Temporal | Prefect | Flowgate/Temporal | Flowgate/Prefect |", "|---|---|---|---|---|---|"];
  MEASURES.forEach((m, i) => {
    const cells = (["flowgate", "temporal", "prefect"] as const).map((peer) => cell(m, peer, peers[peer], i === 0));
    const ratios = [ratio(m, peers.flowgate, peers.temporal), ratio(m, peers.flowgate, peers.prefect)];
    rows.push(`| ${[m.label, ...cells, ...ratios].join(" | ")} |`);
  });
  return rows.join("\n");
}
