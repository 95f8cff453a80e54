import type { Trade } from '../../market/trade.ts';
import type { Micros } from '../../values/units.ts';
import { BPS, EVERY_OUTPUT, SECOND, type BookEvent, type FeatureCalculator, type Units, type WantedOutput } from '../calculator.ts';
import { TRADE_WINDOWS } from '../definitions.ts';
import { SpanSums } from '../span-sums.ts';
import { TimeWindowSums } from '../time-window.ts';
import { WindowMax } from '../window-max.ts';

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
  /** Per read window: (taker buy lots, taker sell lots), in one ring. */
  private readonly volume: SpanSums;
  /** Per window of TRADE_WINDOWS, its place in `volume`; -1 when nothing reads it. */
  private readonly volumeSlot: Int32Array;
  /** Per window: (ticks x lots, 0). */
  private readonly notional = TRADE_WINDOWS.map(([, span]) => new TimeWindowSums(span as Micros));
  private readonly largest = TRADE_WINDOWS.slice(1).map(([, span]) => new WindowMax(span as Micros));
  /**
   * Per window of TRADE_WINDOWS, whether anything reads its notional (the VWAP) and its largest print
   * (index 0, the 1 s window, has no VWAP and no largest print): the others are not kept, nor are the
   * volumes of windows nothing reads.
   */
  private readonly notionalRead: boolean[];
  private readonly largestRead: boolean[];

  constructor(
    private readonly units: Units,
    wanted: WantedOutput = EVERY_OUTPUT,
  ) {
    this.notionalRead = TRADE_WINDOWS.map(([label], w) => w > 0 && wanted(`vwap_mid_bps_${label}`));
    this.largestRead = TRADE_WINDOWS.map(([label], w) => w > 0 && wanted(`largest_trade_${label}`));
    const volumeRead = TRADE_WINDOWS.map(
      ([label], w) =>
        this.notionalRead[w] ||
        wanted(`trade_imbalance_${label}`) ||
        wanted(`trade_rate_${label}`) ||
        wanted(`trade_volume_rate_${label}`),
    );
    const read = TRADE_WINDOWS.flatMap((_, w) => (volumeRead[w] ? [w] : []));
    this.volume = new SpanSums(read.map((w) => TRADE_WINDOWS[w][1]));
    this.volumeSlot = Int32Array.from(TRADE_WINDOWS, (_, w) => read.indexOf(w));
  }

  onTrade(t: Trade): void {
    const buy = t.takerSide === 'Buy' ? t.size : 0;
    const sell = t.takerSide === 'Buy' ? 0 : t.size;
    this.volume.push(t.ts, buy, sell);
    for (let w = 0; w < TRADE_WINDOWS.length; w++) if (this.notionalRead[w]) this.notional[w].push(t.ts, t.price * t.size, 0);
    for (let w = 1; w < TRADE_WINDOWS.length; w++) if (this.largestRead[w]) this.largest[w - 1].push(t.ts, t.size);
  }

  onBook(e: BookEvent): void {
    const n = TRADE_WINDOWS.length;
    const { lotSize } = this.units;
    const v = this.values;
    const vol = this.volume;
    vol.advance(e.ts);
    for (let w = 0; w < n; w++) {
      const k = this.volumeSlot[w];
      if (k < 0) continue;
      if (this.notionalRead[w]) this.notional[w].advance(e.ts);
      const buy = vol.totalA(k);
      const sell = vol.totalB(k);
      const total = buy + sell;
      const seconds = vol.span(k) / SECOND;
      v[w] = total > 0 ? (buy - sell) / total : 0;
      v[n + w] = vol.count(k) / seconds;
      v[2 * n + w] = (total * lotSize) / seconds;
    }
    for (let w = 1; w < n; w++) {
      if (this.notionalRead[w]) {
        const k = this.volumeSlot[w];
        const total = vol.totalA(k) + vol.totalB(k);
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
    const k = this.volumeSlot[index];
    return k < 0 ? 0 : this.volume.totalA(k) - this.volume.totalB(k);
  }

  reset(): void {
    this.volume.evictAll();
    for (const w of this.notional) w.evictAll();
    for (const m of this.largest) m.clear();
    this.values.fill(0);
  }
}
