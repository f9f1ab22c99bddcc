/**
 * Who holds the nodes of one group in a heap snapshot (see heap-diff.ts for the groups): for each
 * node of the group, its retainers' groups and the edge names, counted; closures also by where
 * their function is defined. For finding which of many per-stream objects are whose.
 *
 *   node --import tsx bench/heap-retainers.ts after.heapsnapshot "object: Date" [top]
 */
import { readFileSync } from "node:fs";

interface Snapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
  locations?: number[];
}

const [path, wanted, top = "25"] = process.argv.slice(2);
if (!path || !wanted) throw new Error('usage: heap-retainers.ts file.heapsnapshot "object: Date" [top]');
const s = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
const nf = s.snapshot.meta.node_fields;
const ef = s.snapshot.meta.edge_fields;
const W = nf.length;
const EW = ef.length;
const [T, N, EC] = [nf.indexOf("type"), nf.indexOf("name"), nf.indexOf("edge_count")];
const [ET, EN, ETO] = [ef.indexOf("type"), ef.indexOf("name_or_index"), ef.indexOf("to_node")];
const types = s.snapshot.meta.node_types[0];
const etypes = s.snapshot.meta.edge_types[0];
const count = s.nodes.length / W;

function key(n: number): string {
  const type = types[s.nodes[n * W + T]!]!;
  const name = s.strings[s.nodes[n * W + N]!]!;
  if (type === "object" || type === "native") return `${type}: ${name}`;
  if (type === "closure") return `closure: ${name || "(anonymous)"}`;
  if (type === "hidden" || type === "code" || type === "array" || type === "object shape") return `${type}: ${name.slice(0, 40)}`;
  return `(${type})`;
}

// Where each closure's function is defined: locations are [node index, script id, line, column].
const where = new Map<number, string>();
const locs = s.locations ?? [];
for (let i = 0; i < locs.length; i += 4) where.set(locs[i]! / W, `script ${locs[i + 1]} line ${locs[i + 2]! + 1}`);

const firstEdge = new Int32Array(count + 1);
for (let n = 0, at = 0; n < count; n++) {
  firstEdge[n] = at;
  at += s.nodes[n * W + EC]! * EW;
}
firstEdge[count] = s.edges.length;
/** The node an edge of the given name leads to from node n. */
function follow(n: number, name: string): number | undefined {
  for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e += EW) {
    const et = etypes[s.edges[e + ET]!]!;
    if (et !== "element" && et !== "hidden" && s.strings[s.edges[e + EN]!] === name) return s.edges[e + ETO]! / W;
  }
  return undefined;
}
function scriptOf(n: number): string {
  const shared = follow(n, "shared");
  const script = shared === undefined ? undefined : (follow(shared, "script") ?? follow(shared, "script_or_debug_info"));
  const name = script === undefined ? "?" : s.strings[s.nodes[script * W + N]!]!;
  return name.replace(/^.*node_modules\//, "").replace(/^.*\/main\//, "");
}

const retainers = new Map<number, { from: number; edge: string }[]>();
let e = 0;
for (let n = 0; n < count; n++) {
  const edges = s.nodes[n * W + EC]!;
  for (let k = 0; k < edges; k++, e += EW) {
    const et = etypes[s.edges[e + ET]!]!;
    if (et === "weak") continue;
    const to = s.edges[e + ETO]! / W;
    const name = et === "element" || et === "hidden" ? `[${s.edges[e + EN]}]` : s.strings[s.edges[e + EN]!]!;
    if (!retainers.has(to)) retainers.set(to, []);
    retainers.get(to)!.push({ from: n, edge: `${et}:${name}` });
  }
}

const byRetainer = new Map<string, number>();
const byWhere = new Map<string, number>();
let total = 0;
for (let n = 0; n < count; n++) {
  if (key(n) !== wanted) continue;
  total++;
  const w = where.has(n) ? `${scriptOf(n)} ${where.get(n)}` : undefined;
  if (w) byWhere.set(w, (byWhere.get(w) ?? 0) + 1);
  for (const r of retainers.get(n) ?? []) {
    const k = `${key(r.from)} --${r.edge}-->`;
    byRetainer.set(k, (byRetainer.get(k) ?? 0) + 1);
  }
}
const show = (m: Map<string, number>): void => {
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(`  ${String(v).padStart(7)}  ${k}`);
};
console.log(`${total} nodes of ${wanted}; retained by:`);
show(byRetainer);
if (byWhere.size > 0) {
  console.log("defined at:");
  show(byWhere);
}
