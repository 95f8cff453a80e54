import { formatSpan } from '../application/report-facts.ts';
import type { PaperResult } from './paper.ts';
import { describeEnd, type EndState } from './run-end.ts';

/** The one-screen end-of-run summary, for a person; its first line says how the run ended, and why when halted. */
export function formatSummary(result: PaperResult, end: EndState = 'completed'): string {
  const { summary: s, stored, runId, source } = result;
  const { id: modelId, threshold } = result.model;
  const c = s.counters;
  const o = s.orders;
  const p = s.position;
  const seconds = s.elapsedMicros / 1e6;
  const rate = seconds > 0 ? Math.round(c.frames / seconds) : 0;
  const row = (label: string, text: string): string => `  ${label.padEnd(10)}${text}`;
  return [
    `Ladder ${result.mode} run ${runId} ${describeEnd(result.incomplete === null ? end : 'input cut short', s.execution?.riskState ?? null, result.trips)}`,
    ...(result.incomplete === null ? [] : [row('input', `${result.incomplete}; every frame before the cut was processed`)]),
    row('source', `${source} → ${result.venue === 'sim-exchange' ? 'simulated exchange' : result.venue}, ${c.frames} frames in ${seconds.toFixed(2)} s (${rate} frames/s)`),
    row('frames', `book ${c.bookFrames} (applied ${c.bookUpdates}), trades ${c.trades}, tickers ${c.tickers}, control ${c.control}, other topics ${c.ignored}, malformed ${c.malformed}`),
    row('integrity', `sequence gaps ${c.gaps}, crossed books ${c.crossed}, duplicate deltas ignored ${c.duplicates}, resyncs ${c.resyncs}, not LIVE ${formatSpan(s.notLiveMicros)}; market time ${s.venueSpan === null ? 'none LIVE' : formatSpan(s.venueSpan.to - s.venueSpan.from)}`),
    row('feed', s.feedQuality.minutes === 0
      ? 'quality not scored (under a minute of market time)'
      : `quality ${s.feedQuality.last}/100 in the last minute, lowest ${s.feedQuality.lowest} over ${s.feedQuality.minutes} minutes${s.feedQuality.tripped ? ', below the floor: entries stopped' : ''}`),
    row('model', `${modelId}: ${c.predictions} predictions, ${c.signals} signals at confidence >= ${Number(threshold.toFixed(4))}, ${c.invalidPredictions} refused, ${c.coldVectors} vectors in warm-up`),
    ...(result.model.abstain === undefined ? [] : [row('abstains', `no signal and no order from this model: ${result.model.abstain}`)]),
    row('orders', `${o.orders} sent, ${o.fills} fills, ${o.rejected} rejected, ${o.canceled} canceled, ${s.openOrders} open`),
    row('position', `${p.qty} BTC${p.avgEntry === null ? '' : ` @ ${p.avgEntry}`}${p.mark === null ? '' : `, mark ${p.mark}`}`),
    row('PnL USDT', `realized ${p.realizedPnl}, unrealized ${p.unrealizedPnl}, fees ${p.fees}, net ${p.netPnl}`),
    ...(stored === null
      ? [row('stored', `database unreachable at the end: ${s.store.spilled} rows kept in the spill file, written back (and the run closed) by the next start (write errors ${s.store.writeErrors})`)]
      : [
        row('stored', `signals ${stored.signals}, orders ${stored.orders}, fills ${stored.fills}, feature vectors ${stored.featureVectors} (write errors ${s.store.writeErrors}, rows refused ${s.store.rejected})`),
        row('recorded', `book snapshots ${stored.bookSnapshots}, public trades ${stored.trades}, order events ${stored.orderEvents}, positions ${stored.positionSnapshots}, equity intervals ${stored.equity}`),
      ]),
  ].join('\n');
}
