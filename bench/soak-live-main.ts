import { benchLiveSoak } from './soak-live-bench.ts';

/*
 * `node --expose-gc --import tsx bench/soak-live-main.ts [minutes] [fault every s]` (what
 * `npm run bench -- soak-live` starts): a line a minute as the run goes, then one JSON object of figures.
 * An hour by default; a shorter run with the first argument or SOAK_LIVE_MINUTES (e.g. 10).
 */
const minutes = Number(process.argv[2] ?? process.env.SOAK_LIVE_MINUTES ?? 60);
const everyS = Number(process.argv[3] ?? process.env.SOAK_LIVE_FAULT_EVERY_S ?? 60);
if (!(minutes >= 1) || !(everyS > 0)) throw new Error(`soak-live: minutes ≥ 1 and a fault every > 0 s, not ${minutes} and ${everyS}`);
const started = new Date();
const r = await benchLiveSoak(minutes, everyS, (s) => {
  console.log(
    `soak-live: minute ${s.minute}: heap after GC ${s.heapMb.toFixed(1)} MB, RSS ${s.rssMb.toFixed(1)} MB, ` +
      `external ${s.externalMb.toFixed(1)} MB, array buffers ${s.arrayBuffersMb.toFixed(1)} MB (${s.wallSeconds.toFixed(0)} s)`,
  );
});
const first = r.samples[0];
const last = r.samples.at(-1);
const heapRatio = first === undefined || last === undefined ? 1 : last.heapMb / first.heapMb;
const positionsAgree = r.positionExchangeLots === r.positionAppLots;
const withinLimit = r.peakExchangeLots <= r.maxPositionLots;
const ok = heapRatio <= 1.1 && r.fdsLeft.length === 0 && r.handlesLeft.length === 0 && positionsAgree && withinLimit;
console.log(
  `soak-live: ${r.minutes} min of app:live in real time against the local Bybit v5 servers from ${started.toISOString()}, a fault every ${everyS} s ` +
    `(${r.faults.disconnects} public socket cuts, ${r.faults.stalls} stalls, ${r.faults.rateLimits} rate limits, ${r.faults.privateCuts} private stream cuts): ` +
    `${r.frames} frames, ${r.orders} orders, ${r.fills} fills, ${r.exchangeCreates} order creates at the exchange; ` +
    `feed ${r.feed.disconnects} disconnects, ${r.feed.gaps} gaps, ${r.feed.resyncs} resyncs, lowest score ${r.feed.lowestScore}; ` +
    `heap ${first?.heapMb.toFixed(1)} MB at minute 1, ${last?.heapMb.toFixed(1)} MB at minute ${last?.minute} (×${heapRatio.toFixed(3)}), slope ${r.heapSlopeMbPerHour.toFixed(2)} MB/h; ` +
    `RSS ${first?.rssMb.toFixed(1)} → ${last?.rssMb.toFixed(1)} MB, slope ${r.rssSlopeMbPerHour.toFixed(2)} MB/h; ` +
    `position at the end: exchange ${r.positionExchangeLots} lots, app ${r.positionAppLots} lots (${positionsAgree ? 'agree' : 'DIFFER'}), ` +
    `largest on the exchange ${r.peakExchangeLots} of ${r.maxPositionLots}, ${r.openOrdersLeft} orders open; ` +
    `${r.fdsLeft.length} file descriptors and ${r.handlesLeft.length} handles left${[...r.fdsLeft, ...r.handlesLeft].length > 0 ? ` (${[...r.fdsLeft, ...r.handlesLeft].join(', ')})` : ''}: ${ok ? 'within the goal' : 'OUTSIDE the goal'}`,
);
console.log(JSON.stringify({
  soak_live_minutes: { value: r.minutes, unit: 'min' },
  soak_live_orders: { value: r.orders, unit: 'orders' },
  soak_live_fills: { value: r.fills, unit: 'fills' },
  soak_live_heap_minute1_mb: { value: Number((first?.heapMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_live_heap_last_mb: { value: Number((last?.heapMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_live_heap_slope_mb_per_h: { value: Number(r.heapSlopeMbPerHour.toFixed(3)), unit: 'MB/h' },
  soak_live_rss_minute1_mb: { value: Number((first?.rssMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_live_rss_last_mb: { value: Number((last?.rssMb ?? 0).toFixed(1)), unit: 'MB' },
  soak_live_rss_slope_mb_per_h: { value: Number(r.rssSlopeMbPerHour.toFixed(2)), unit: 'MB/h' },
  soak_live_position_exchange_lots: { value: r.positionExchangeLots, unit: 'lots' },
  soak_live_position_app_lots: { value: r.positionAppLots, unit: 'lots' },
  soak_live_peak_exchange_lots: { value: r.peakExchangeLots, unit: 'lots' },
  soak_live_fds_left: { value: r.fdsLeft.length, unit: 'fds' },
  soak_live_handles_left: { value: r.handlesLeft.length, unit: 'handles' },
}));
process.exitCode = ok ? 0 : 1;
