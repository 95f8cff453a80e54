import { readFileSync } from 'node:fs';

/*
 * `node --max-old-space-size=4096 --import tsx bench/soak-heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [rows]`:
 * what grew between two heap snapshots of one process (the soak writes them with
 * SOAK_HEAP_SNAPSHOT_HOURS=2,11). First the objects by kind and constructor, their count and own size in
 * each; then the bytes of the objects that are new in AFTER (a snapshot's ids are stable within a
 * process) by what holds them: the first retainer's class and field, up to four levels
 * (`Map.table < ExecutionQuality.decisions < ExecutionEngine.quality`).
 */

interface Snapshot {
  readonly snapshot: {
    readonly meta: { readonly node_fields: string[]; readonly node_types: [string[], ...unknown[]]; readonly edge_fields: string[]; readonly edge_types: [string[], ...unknown[]] };
  };
  readonly nodes: number[];
  readonly edges: number[];
  readonly strings: string[];
}

const load = (path: string): Snapshot => JSON.parse(readFileSync(path, 'utf8')) as Snapshot;

function byConstructor(s: Snapshot): Map<string, { count: number; bytes: number }> {
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt]];
    // Strings and numbers by kind alone; objects, closures and arrays by their constructor or name.
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number' ? '' : s.strings[s.nodes[i + nameAt]].slice(0, 60);
    const key = `${type} ${name}`;
    const held = out.get(key) ?? { count: 0, bytes: 0 };
    held.count++;
    held.bytes += s.nodes[i + sizeAt];
    out.set(key, held);
  }
  return out;
}

/** Bytes of the nodes of `after` whose id `before` lacks, by their holders' chain. */
function newByHolder(before: Snapshot, after: Snapshot): Map<string, { count: number; bytes: number }> {
  const nf = after.snapshot.meta.node_fields.length;
  const ef = after.snapshot.meta.edge_fields.length;
  const [idAt, nameAt, sizeAt, edgesAt] = ['id', 'name', 'self_size', 'edge_count'].map((f) => after.snapshot.meta.node_fields.indexOf(f));
  const [typeAt, edgeNameAt, toAt] = ['type', 'name_or_index', 'to_node'].map((f) => after.snapshot.meta.edge_fields.indexOf(f));
  const edgeTypes = after.snapshot.meta.edge_types[0];
  const old = new Set<number>();
  for (let i = 0; i < before.nodes.length; i += nf) old.add(before.nodes[i + idAt]);
  const n = after.nodes.length / nf;
  // The first strong retainer of each node, and the field it holds it by.
  const holder = new Int32Array(n).fill(-1);
  const field: string[] = new Array<string>(n);
  let e = 0;
  for (let k = 0; k < n; k++) {
    const count = after.nodes[k * nf + edgesAt];
    for (let j = 0; j < count; j++, e += ef) {
      const type = edgeTypes[after.edges[e + typeAt]];
      const to = after.edges[e + toAt] / nf;
      if (type === 'weak' || holder[to] !== -1) continue;
      holder[to] = k;
      field[to] = type === 'element' || type === 'hidden' ? '[i]' : String(after.strings[after.edges[e + edgeNameAt]] ?? after.edges[e + edgeNameAt]);
    }
  }
  const name = (k: number): string => after.strings[after.nodes[k * nf + nameAt]].slice(0, 40);
  const out = new Map<string, { count: number; bytes: number }>();
  for (let k = 0; k < n; k++) {
    if (old.has(after.nodes[k * nf + idAt])) continue;
    const links: string[] = [];
    let at = k;
    // Up through new objects and arrays to the first that was already there, four holders at most.
    for (let d = 0; d < 4 && holder[at] !== -1; d++) {
      links.push(`${name(holder[at])}.${field[at]}`);
      at = holder[at];
      if (old.has(after.nodes[at * nf + idAt]) && !['Array', 'Map', 'Set', ''].includes(name(at))) break;
    }
    const key = `${name(k) || '(array)'} < ${links.join(' < ')}`;
    const held = out.get(key) ?? { count: 0, bytes: 0 };
    held.count++;
    held.bytes += after.nodes[k * nf + sizeAt];
    out.set(key, held);
  }
  return out;
}

const [beforePath, afterPath, rowsText] = process.argv.slice(2);
if (beforePath === undefined || afterPath === undefined) throw new Error('usage: soak-heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [rows]');
const rowsShown = Number(rowsText ?? 25);
const beforeSnap = load(beforePath);
const afterSnap = load(afterPath);
const before = byConstructor(beforeSnap);
const after = byConstructor(afterSnap);
const total = (m: Map<string, { bytes: number }>): number => [...m.values()].reduce((n, v) => n + v.bytes, 0);
console.log(`self sizes: ${(total(before) / 1e6).toFixed(2)} MB → ${(total(after) / 1e6).toFixed(2)} MB`);
const rows = [...new Set([...before.keys(), ...after.keys()])].map((key) => {
  const b = before.get(key) ?? { count: 0, bytes: 0 };
  const a = after.get(key) ?? { count: 0, bytes: 0 };
  return { key, count: `${b.count} → ${a.count}`, kb: `${(b.bytes / 1e3).toFixed(0)} → ${(a.bytes / 1e3).toFixed(0)}`, grew: a.bytes - b.bytes };
});
rows.sort((x, y) => y.grew - x.grew);
for (const r of rows.slice(0, rowsShown)) console.log(`${(r.grew / 1e3).toFixed(0).padStart(8)} kB  ${r.key}  (count ${r.count}, kB ${r.kb})`);
console.log('\nobjects new since BEFORE, by what holds them:');
const held = [...newByHolder(beforeSnap, afterSnap)].sort((x, y) => y[1].bytes - x[1].bytes);
for (const [key, v] of held.slice(0, rowsShown)) console.log(`${(v.bytes / 1e3).toFixed(0).padStart(8)} kB  ${String(v.count).padStart(6)}  ${key}`);
