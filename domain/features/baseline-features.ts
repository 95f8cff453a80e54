import type { Lots, Micros, Ticks } from '../values/units.ts';
import { createSchema, type FeatureSchema, type FeatureVector } from './feature-vector.ts';
import { ofiIncrement } from './order-flow-imbalance.ts';
import { TimeWindowSums } from './time-window.ts';

/** What the baseline features read of a book: the touch. `OrderBook` satisfies it. */
export interface TouchSource {
  bestBid(): Ticks | null;
  bestAsk(): Ticks | null;
  bestBidQty(): Lots;
  bestAskQty(): Lots;
}

/**
 * The first handful of microstructure features, in this order (the schema):
 * - `spread_ticks`: best ask minus best bid, in ticks.
 * - `imbalance_l1`: top-of-book imbalance (qb - qa) / (qb + qa), in [-1, 1].
 * - `wmid_offset_ticks`: Stoikov's weighted mid W = Pb (1 - I) + Pa I with I = qb / (qb + qa), minus the
 *   mid, in ticks (Stoikov 2018, "The micro-price", eq. for W; it equals spread * imbalance / 2).
 * - `ofi_1s_norm`: Cont–Kukanov–Stoikov order-flow imbalance summed over the last second of book events,
 *   divided by the mean touch depth (qb + qa) / 2 over the same events: dimensionless.
 */
export const BASELINE_FEATURE_NAMES = ['spread_ticks', 'imbalance_l1', 'wmid_offset_ticks', 'ofi_1s_norm'] as const;

const OFI_WINDOW = 1_000_000 as Micros;

export class BaselineFeatures {
  readonly schema: FeatureSchema = createSchema(BASELINE_FEATURE_NAMES);
  private readonly ofi = new TimeWindowSums(OFI_WINDOW);
  private hasPrev = false;
  private prevBid = 0 as Ticks;
  private prevBidQty = 0 as Lots;
  private prevAsk = 0 as Ticks;
  private prevAskQty = 0 as Lots;

  /**
   * Computes the vector after a book event at venue time `ts`; null while either side is empty.
   * Call it on every applied book event so that the order flow sees every change of the touch.
   */
  onBook(book: TouchSource, ts: Micros): FeatureVector | null {
    const bid = book.bestBid();
    const ask = book.bestAsk();
    if (bid === null || ask === null) return null;
    const qb = book.bestBidQty();
    const qa = book.bestAskQty();
    const touch = { bid, bidQty: qb, ask, askQty: qa };
    const e = this.hasPrev
      ? ofiIncrement({ bid: this.prevBid, bidQty: this.prevBidQty, ask: this.prevAsk, askQty: this.prevAskQty }, touch)
      : 0;
    this.hasPrev = true;
    this.prevBid = bid;
    this.prevBidQty = qb;
    this.prevAsk = ask;
    this.prevAskQty = qa;
    this.ofi.push(ts, e, (qb + qa) / 2);

    const spread = ask - bid;
    const depth = qb + qa;
    const imbalance = depth > 0 ? (qb - qa) / depth : 0;
    const meanDepth = this.ofi.totalB / this.ofi.count;
    const values = new Float64Array(4);
    values[0] = spread;
    values[1] = imbalance;
    values[2] = (spread * imbalance) / 2;
    values[3] = meanDepth > 0 ? this.ofi.totalA / meanDepth : 0;
    return { schemaId: this.schema.id, ts, values };
  }

  /** Forgets the order-flow history: after a gap or a resync the touch before it says nothing. */
  reset(): void {
    this.hasPrev = false;
    this.ofi.evictAll();
  }
}
