/**
 * Compares two V8 heap snapshots (.heapsnapshot JSON) by what their nodes are: objects by
 * constructor, closures by function name, native (embedder) nodes by name, the rest by node type.
 * Prints the groups whose self size grew most, per unit of `per` (say, per held stream).
 *
 *   node --import tsx bench/heap-diff.ts before.heapsnapshot after.heapsnapshot [per] [top]
 */
import { readFileSync } from "node:fs";

interface Group {
  count: number;
  size: number;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export function groups(path: string): Map<string, Group> {
  const s = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const types = s.snapshot.meta.node_types[0];
  const out = new Map<string, Group>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt]!]!;
    const name = s.strings[s.nodes[i + nameAt]!]!;
    const key =
      type === "object" || type === "native"
        ? `${type}: ${name}`
        : type === "closure"
          ? `closure: ${name || "(anonymous)"}`
          : type === "hidden" || type === "code" || type === "array" || type === "object shape"
            ? `${type}: ${name.slice(0, 40)}`
            : `(${type})`;
    const g = out.get(key) ?? { count: 0, size: 0 };
    g.count += 1;
    g.size += s.nodes[i + sizeAt]!;
    out.set(key, g);
  }
  return out;
}

export function diff(before: Map<string, Group>, after: Map<string, Group>): { key: string; count: number; size: number }[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys]
    .map((key) => ({
      key,
      count: (after.get(key)?.count ?? 0) - (before.get(key)?.count ?? 0),
      size: (after.get(key)?.size ?? 0) - (before.get(key)?.size ?? 0),
    }))
    .sort((a, b) => b.size - a.size);
}

export function report(rows: { key: string; count: number; size: number }[], per: number, top: number): string {
  const total = rows.reduce((t, r) => t + r.size, 0);
  const lines = [`heap self size grew by ${(total / per).toFixed(0)} B per unit (${per} units); largest groups:`];
  for (const r of rows.slice(0, top))
    lines.push(`  ${(r.size / per).toFixed(0).padStart(7)} B  ${(r.count / per).toFixed(2).padStart(6)} nodes  ${r.key}`);
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [a, b, per = "1", top = "40"] = process.argv.slice(2);
  if (!a || !b) throw new Error("usage: heap-diff.ts before.heapsnapshot after.heapsnapshot [per] [top]");
  console.log(report(diff(groups(a), groups(b)), Number(per), Number(top)));
}
