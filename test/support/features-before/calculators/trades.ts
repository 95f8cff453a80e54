import type { Trade } from '../../../../domain/market/trade.ts';
import type { Micros } from '../../../../domain/values/units.ts';
import { BPS, EVERY_OUTPUT, SECOND, type BookEvent, type FeatureCalculator, type Units, type WantedOutput } from '../calculator.ts';
import { TRADE_WINDOWS } from '../../../../domain/features/definitions.ts';
import { TimeWindowSums } from '../../../../domain/features/time-window.ts';
import { WindowMax } from '../../../../domain/features/window-max.ts';

const OUTPUTS = [
  ...TRADE_WINDOWS.map(([label]) => `trade_imbalance_${label}`),
  ...TRADE_WINDOWS.map(([label]) => `trade_rate_${label}`),
  ...TRADE_WINDOWS.map(([label]) => `trade_volume_rate_${label}`),
  ...TRADE_WINDOWS.slice(1).map(([label]) => `vwap_mid_bps_${label}`),
  ...TRADE_WINDOWS.slice(1).map(([label]) => `largest_trade_${label}`),
];

/**
 * Public-trade flow over trailing windows of trade time (Bybit's `T`): taker buy and sell volume,
 * count, notional for the VWAP, and the largest print. Trades are pushed as they arrive; the windows
 * are read at each book event's time. All sums are of integers (lots, ticks x lots), so exact.
 */
export class TradesCalculator implements FeatureCalculator {
  readonly outputs: readonly string[] = OUTPUTS;
  readonly values = new Float64Array(OUTPUTS.length);
  /** Per window: (taker buy lots, taker sell lots). */
  private readonly volume = TRADE_WINDOWS.map(([, span]) => new TimeWindowSums(span as Micros));
  /** Per window: (ticks x lots, 0). */
  private readonly notional = TRADE_WINDOWS.map(([, span]) => new TimeWindowSums(span as Micros));
  private readonly largest = TRADE_WINDOWS.slice(1).map(([, span]) => new WindowMax(span as Micros));
  /**
   * Per window of TRADE_WINDOWS, whether anything reads its volume, its notional (the VWAP) and its
   * largest print (index 0, the 1 s window, has no VWAP and no largest print): the others are not kept.
   */
  private readonly volumeRead: boolean[];
  private readonly notionalRead: boolean[];
  private readonly largestRead: boolean[];

  constructor(
    private readonly units: Units,
    wanted: WantedOutput = EVERY_OUTPUT,
  ) {
    this.notionalRead = TRADE_WINDOWS.map(([label], w) => w > 0 && wanted(`vwap_mid_bps_${label}`));
    this.largestRead = TRADE_WINDOWS.map(([label], w) => w > 0 && wanted(`largest_trade_${label}`));
    this.volumeRead = TRADE_WINDOWS.map(
      ([label], w) =>
        this.notionalRead[w] ||
        wanted(`trade_imbalance_${label}`) ||
        wanted(`trade_rate_${label}`) ||
        wanted(`trade_volume_rate_${label}`),
    );
  }

  onTrade(t: Trade): void {
    const buy = t.takerSide === 'Buy' ? t.size : 0;
    const sell = t.takerSide === 'Buy' ? 0 : t.size;
    for (let w = 0; w < this.volume.length; w++) {
      if (this.volumeRead[w]) this.volume[w].push(t.ts, buy, sell);
      if (this.notionalRead[w]) this.notional[w].push(t.ts, t.price * t.size, 0);
    }
    for (let w = 1; w < this.volume.length; w++) if (this.largestRead[w]) this.largest[w - 1].push(t.ts, t.size);
  }

  onBook(e: BookEvent): void {
    const n = TRADE_WINDOWS.length;
    const { lotSize } = this.units;
    const v = this.values;
    for (let w = 0; w < n; w++) {
      if (!this.volumeRead[w]) continue;
      const vol = this.volume[w];
      vol.advance(e.ts);
      if (this.notionalRead[w]) this.notional[w].advance(e.ts);
      const buy = vol.totalA;
      const sell = vol.totalB;
      const total = buy + sell;
      const seconds = vol.span / SECOND;
      v[w] = total > 0 ? (buy - sell) / total : 0;
      v[n + w] = vol.count / seconds;
      v[2 * n + w] = (total * lotSize) / seconds;
    }
    for (let w = 1; w < n; w++) {
      if (this.notionalRead[w]) {
        const total = this.volume[w].totalA + this.volume[w].totalB;
        // VWAP in ticks over the mid in ticks: (2 vwap - mid2) / mid2.
        v[3 * n + w - 1] = total > 0 ? ((2 * this.notional[w].totalA) / total - e.mid2) / e.mid2 * BPS : 0;
      }
      if (this.largestRead[w]) {
        const m = this.largest[w - 1];
        m.advance(e.ts);
        v[4 * n - 1 + w - 1] = m.max * lotSize;
      }
    }
  }

  /** Taker buy minus sell volume over the window of `index` in TRADE_WINDOWS, in lots, as of the last book event. */
  netLots(index: number): number {
    return this.volume[index].totalA - this.volume[index].totalB;
  }

  reset(): void {
    for (const w of this.volume) w.evictAll();
    for (const w of this.notional) w.evictAll();
    for (const m of this.largest) m.clear();
    this.values.fill(0);
  }
}
