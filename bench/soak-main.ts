import { benchSoak, slope, type SoakStore } from './soak-bench.ts';

/*
 * `node --expose-gc --import tsx bench/soak-main.ts [hours] [pglite|none]` (what `npm run bench -- soak`
 * starts): prints a line an hour as the run goes (the heap after a collection, the RSS and its parts),
 * then one JSON object of figures. The second argument (or SOAK_DB) stores the run in PGlite on disk
 * (the default) or in the store that keeps nothing of the market, as `--db none` does.
 */
const hours = Number(process.argv[2] ?? 24);
const store = (process.argv[3] ?? process.env.SOAK_DB ?? 'pglite') as SoakStore;
if (store !== 'pglite' && store !== 'none') throw new Error(`soak: the store is pglite or none, not ${String(store)}`);
const r = await benchSoak(hours, (s) => {
  console.log(
    `soak: hour ${s.hour}: heap after GC ${s.heapMb.toFixed(1)} MB (compiled code ${s.codeMb.toFixed(1)}), RSS ${s.rssMb.toFixed(1)} MB (${s.wallSeconds.toFixed(0)} s); ` +
      `heap reserved ${s.heapTotalMb.toFixed(1)}, external ${s.externalMb.toFixed(1)}, array buffers ${s.arrayBuffersMb.toFixed(1)}, ` +
      `WebAssembly memory ${s.wasmMb.toFixed(1)}; resident anonymous ${s.anonMb.toFixed(1)}, files ${s.fileMb.toFixed(1)} MB`,
  );
}, store);
// The RSS apart from what V8 reserves for its heap (which rises and falls with the collector's timing):
// native memory, PGlite's WebAssembly memory, code. Its slope says whether anything outside the heap grows.
const outsideHeap = r.samples.map((s): [number, number] => [s.hour, s.rssMb - s.heapTotalMb]);
const reserved = r.samples.map((s): [number, number] => [s.hour, s.heapTotalMb]);
const outsideSlope = slope(outsideHeap);
const ok = r.heapLastOverFirst <= 1.1 && r.fdsLeft.length === 0 && r.handlesLeft.length === 0;
console.log(r.samples.length === 0
  ? `soak: ${r.hours} h of the synthetic market through app:paper (${r.store === 'none' ? 'no store' : 'PGlite on disk'}): ${r.frames} frames, ${r.orders} orders, ${r.fills} fills in ${r.wallSeconds.toFixed(0)} s, no hour to sample; ${r.fdsLeft.length} file descriptors and ${r.handlesLeft.length} handles left${[...r.fdsLeft, ...r.handlesLeft].length > 0 ? ` (${[...r.fdsLeft, ...r.handlesLeft].join(', ')})` : ''}`
  : `soak: ${r.hours} h of the synthetic market through app:paper (smart policy, ${r.store === 'none' ? 'no store' : 'PGlite on disk'}): ${r.frames} frames, ${r.orders} orders, ${r.fills} fills in ${r.wallSeconds.toFixed(0)} s; ` +
    `heap ${r.samples[0]?.heapMb.toFixed(1)} MB at hour 1, ${r.samples.at(-1)?.heapMb.toFixed(1)} MB at hour ${r.samples.at(-1)?.hour} (×${r.heapLastOverFirst.toFixed(3)}), ` +
    `slope ${r.heapSlopeMbPerHour.toFixed(3)} MB/h; without compiled code ${((r.samples[0]?.heapMb ?? 0) - (r.samples[0]?.codeMb ?? 0)).toFixed(1)} → ${((r.samples.at(-1)?.heapMb ?? 0) - (r.samples.at(-1)?.codeMb ?? 0)).toFixed(1)} MB, compiled code ${r.samples[0]?.codeMb.toFixed(1)} → ${r.samples.at(-1)?.codeMb.toFixed(1)} MB; RSS slope ${r.rssSlopeMbPerHour.toFixed(2)} MB/h, of which V8's reserved heap ${slope(reserved).toFixed(2)} MB/h and the rest ` +
    `(RSS − reserved heap, ${outsideHeap[0]?.[1].toFixed(1)} → ${outsideHeap.at(-1)?.[1].toFixed(1)} MB) ${outsideSlope.toFixed(2)} MB/h; WebAssembly memory ${r.samples[0]?.wasmMb.toFixed(1)} → ${r.samples.at(-1)?.wasmMb.toFixed(1)} MB; ${r.fdsLeft.length} file descriptors and ${r.handlesLeft.length} handles left${[...r.fdsLeft, ...r.handlesLeft].length > 0 ? ` (${[...r.fdsLeft, ...r.handlesLeft].join(', ')})` : ''}: ${ok ? 'within the goal' : 'OUTSIDE the goal'}`,
);
if (r.rows !== null) console.log(`soak: rows stored: ${Object.entries(r.rows).filter(([, n]) => n > 0).map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
console.log(JSON.stringify({
  soak_hours: { value: r.hours, unit: 'h' },
  soak_wasm_hour1_mb: { value: Number((r.samples[0]?.wasmMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_wasm_last_mb: { value: Number((r.samples.at(-1)?.wasmMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_heap_hour1_mb: { value: Number((r.samples[0]?.heapMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_heap_last_mb: { value: Number((r.samples.at(-1)?.heapMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_heap_slope_mb_per_h: { value: Number(r.heapSlopeMbPerHour.toFixed(3)), unit: 'MB/h' },
  soak_code_hour1_mb: { value: Number((r.samples[0]?.codeMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_code_last_mb: { value: Number((r.samples.at(-1)?.codeMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_rss_hour1_mb: { value: Number((r.samples[0]?.rssMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_rss_last_mb: { value: Number((r.samples.at(-1)?.rssMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_rss_slope_mb_per_h: { value: Number(r.rssSlopeMbPerHour.toFixed(2)), unit: 'MB/h' },
  soak_rss_outside_heap_slope_mb_per_h: { value: Number(outsideSlope.toFixed(2)), unit: 'MB/h' },
  soak_fds_left: { value: r.fdsLeft.length, unit: 'fds' },
  soak_handles_left: { value: r.handlesLeft.length, unit: 'handles' },
}));
process.exitCode = ok ? 0 : 1;
