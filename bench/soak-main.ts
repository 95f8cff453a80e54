import { benchSoak } from './soak-bench.ts';

/*
 * `node --expose-gc --import tsx bench/soak-main.ts [hours]` (what `npm run bench -- soak` starts):
 * prints a line an hour as the run goes, then one JSON object of figures.
 */
const hours = Number(process.argv[2] ?? 24);
const r = await benchSoak(hours, (s) => {
  console.log(`soak: hour ${s.hour}: heap after GC ${s.heapMb.toFixed(1)} MB, RSS ${s.rssMb.toFixed(1)} MB (${s.wallSeconds.toFixed(0)} s)`);
});
const ok = r.heapLastOverFirst <= 1.1 && r.fdsLeft.length === 0 && r.handlesLeft.length === 0;
console.log(
  `soak: ${r.hours} h of the synthetic market through app:paper (smart policy): ${r.frames} frames, ${r.orders} orders, ${r.fills} fills in ${r.wallSeconds.toFixed(0)} s; ` +
    `heap ${r.samples[0]?.heapMb.toFixed(1)} MB at hour 1, ${r.samples.at(-1)?.heapMb.toFixed(1)} MB at hour ${r.samples.at(-1)?.hour} (×${r.heapLastOverFirst.toFixed(3)}), ` +
    `slope ${r.heapSlopeMbPerHour.toFixed(3)} MB/h; RSS slope ${r.rssSlopeMbPerHour.toFixed(2)} MB/h; ${r.fdsLeft.length} file descriptors and ${r.handlesLeft.length} handles left${[...r.fdsLeft, ...r.handlesLeft].length > 0 ? ` (${[...r.fdsLeft, ...r.handlesLeft].join(', ')})` : ''}: ${ok ? 'within the goal' : 'OUTSIDE the goal'}`,
);
console.log(JSON.stringify({
  soak_hours: { value: r.hours, unit: 'h' },
  soak_heap_hour1_mb: { value: Number((r.samples[0]?.heapMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_heap_last_mb: { value: Number((r.samples.at(-1)?.heapMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_heap_slope_mb_per_h: { value: Number(r.heapSlopeMbPerHour.toFixed(3)), unit: 'MB/h' },
  soak_rss_hour1_mb: { value: Number((r.samples[0]?.rssMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_rss_last_mb: { value: Number((r.samples.at(-1)?.rssMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_rss_slope_mb_per_h: { value: Number(r.rssSlopeMbPerHour.toFixed(2)), unit: 'MB/h' },
  soak_fds_left: { value: r.fdsLeft.length, unit: 'fds' },
  soak_handles_left: { value: r.handlesLeft.length, unit: 'handles' },
}));
process.exitCode = ok ? 0 : 1;
