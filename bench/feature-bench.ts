import { parseBybitFrame } from '../adapters/bybit/parse.ts';
import { createSyntheticMarket } from '../adapters/synthetic/synthetic-market.ts';
import type { FeatureDefinition } from '../domain/features/definitions.ts';
import { FeatureEngine } from '../domain/features/engine.ts';
import type { MarketEvent } from '../domain/market/market-event.ts';
import { OrderBook } from '../domain/market/order-book.ts';
import { tradeFromRaw } from '../domain/market/trade.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import type { Micros } from '../domain/values/units.ts';

export interface FeatureBenchResult {
  readonly bookEvents: number;
  /** Median and 99th percentile of one `FeatureEngine.onBook`, all enabled features, µs. */
  readonly medianMicros: number;
  readonly p99Micros: number;
  readonly meanMicros: number;
  /** Book events at which the regime (HHT) features refreshed. */
  readonly hhtRefreshes: number;
}

/**
 * The synthetic market's frames as decoded events, so that the bench times the engine and nothing else:
 * `frames` frames of the default market (a 50-level book every 100 ms of venue time, trades between).
 */
export function syntheticEvents(frames: number): MarketEvent[] {
  const market = createSyntheticMarket({ seed: 3 });
  const events: MarketEvent[] = [];
  while (events.length < frames) for (const f of market.next()) events.push(parseBybitFrame(f.text, 0 as Micros));
  return events;
}

/**
 * Replays `events` into a book, then times `onBook` of an engine with `definitions` on each applied
 * book event; trades go to the engine untimed. Runs the whole stream `rounds` times on fresh engines and
 * keeps the last round, so the timings are of optimised code.
 */
export function benchFeatures(events: readonly MarketEvent[], instrument: Instrument, definitions: readonly FeatureDefinition[], rounds = 3): FeatureBenchResult {
  let times = new Float64Array(0);
  let n = 0;
  let refreshes = 0;
  let sink = 0;
  for (let round = 0; round < rounds; round++) {
    const engine = new FeatureEngine(instrument, definitions);
    const book = new OrderBook(instrument);
    times = new Float64Array(events.length);
    n = 0;
    let lastShare = 0;
    refreshes = 0;
    for (const event of events) {
      if (event.kind === 'trades') {
        for (const raw of event.trades) {
          const trade = tradeFromRaw(instrument, raw);
          if (trade.ok) engine.onTrade(trade.value);
        }
        continue;
      }
      if (event.kind !== 'book' || !book.apply(event.frame).ok) continue;
      const start = performance.now();
      const v = engine.onBook(book, event.frame.ts);
      times[n++] = performance.now() - start;
      if (v !== null) {
        sink += v.values[0];
        // The last feature of the registry is the HHT trend share: it changes when the HHT refreshes.
        const share = v.values[v.values.length - 1];
        if (share !== lastShare) refreshes++;
        lastShare = share;
      }
    }
  }
  if (Number.isNaN(sink)) throw new Error('benchFeatures: a feature was NaN');
  const sorted = times.slice(0, n).sort();
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  return {
    bookEvents: n,
    medianMicros: sorted[Math.floor(n / 2)] * 1000,
    p99Micros: sorted[Math.floor(n * 0.99)] * 1000,
    meanMicros: mean * 1000,
    hhtRefreshes: refreshes,
  };
}
