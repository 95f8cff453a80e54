import { benchLiveSoak } from './soak-live-bench.ts';

/*
 * `node --expose-gc --import tsx bench/soak-live-main.ts [minutes] [fault every s]` (what
 * `npm run bench -- soak-live` starts): a line a minute as the run goes, then one JSON object of figures.
 */
const minutes = Number(process.argv[2] ?? 10);
const everyS = Number(process.argv[3] ?? 60);
const r = await benchLiveSoak(minutes, everyS, (s) => {
  console.log(`soak-live: minute ${s.minute}: heap after GC ${s.heapMb.toFixed(1)} MB, RSS ${s.rssMb.toFixed(1)} MB`);
});
const first = r.samples[0];
const last = r.samples.at(-1);
const heapRatio = first === undefined || last === undefined ? 1 : last.heapMb / first.heapMb;
const ok = heapRatio <= 1.1 && r.fdsLeft.length === 0 && r.handlesLeft.length === 0;
console.log(
  `soak-live: ${r.minutes} min of app:live in real time against the local Bybit v5 servers, a fault every ${everyS} s ` +
    `(${r.faults.disconnects} disconnects, ${r.faults.stalls} stalls, ${r.faults.rateLimits} rate limits): ${r.frames} frames, ${r.orders} orders, ${r.fills} fills; ` +
    `feed ${r.feed.disconnects} disconnects, ${r.feed.gaps} gaps, ${r.feed.resyncs} resyncs, lowest score ${r.feed.lowestScore}; ` +
    `heap ${first?.heapMb.toFixed(1)} MB at minute 1, ${last?.heapMb.toFixed(1)} MB at minute ${last?.minute} (×${heapRatio.toFixed(3)}), RSS ${first?.rssMb.toFixed(1)} → ${last?.rssMb.toFixed(1)} MB; ` +
    `${r.fdsLeft.length} file descriptors and ${r.handlesLeft.length} handles left${[...r.fdsLeft, ...r.handlesLeft].length > 0 ? ` (${[...r.fdsLeft, ...r.handlesLeft].join(', ')})` : ''}: ${ok ? 'within the goal' : 'OUTSIDE the goal'}`,
);
console.log(JSON.stringify({
  soak_live_minutes: { value: r.minutes, unit: 'min' },
  soak_live_heap_minute1_mb: { value: Number((first?.heapMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_live_heap_last_mb: { value: Number((last?.heapMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_live_rss_minute1_mb: { value: Number((first?.rssMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_live_rss_last_mb: { value: Number((last?.rssMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_live_fds_left: { value: r.fdsLeft.length, unit: 'fds' },
  soak_live_handles_left: { value: r.handlesLeft.length, unit: 'handles' },
}));
process.exitCode = ok ? 0 : 1;
