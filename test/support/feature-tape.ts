import type { RawLevel, TakerSide } from '../../domain/market/market-event.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import type { Trade } from '../../domain/market/trade.ts';
import { FeatureEngine } from '../../domain/features/engine.ts';
import type { FeatureVector } from '../../domain/features/feature-vector.ts';
import { selectFeatures, type FeatureSelection } from '../../domain/features/registry.ts';
import { unwrap } from '../../domain/result.ts';
import { lots, micros, ticks, type Micros } from '../../domain/values/units.ts';
import { btc, frame } from './builders.ts';

/** A book and a feature engine fed together, one snapshot a book event. */
const isNames = (s: readonly string[] | FeatureSelection): s is readonly string[] => Array.isArray(s);

export class Tape {
  readonly engine: FeatureEngine;
  private readonly orderBook = new OrderBook(btc);
  private u = 0;
  private tradeId = 0;

  /** Features by name, in this order, or a selection of groups and names. */
  constructor(selection: readonly string[] | FeatureSelection) {
    this.engine = new FeatureEngine(btc, unwrap(selectFeatures(isNames(selection) ? { features: selection } : selection)));
  }

  /** Replaces the book with these levels (price, size as text) and runs the engine at venue time `ts`. */
  book(bids: readonly RawLevel[], asks: readonly RawLevel[], ts: Micros): FeatureVector {
    this.u++;
    unwrap(this.orderBook.apply(frame('snapshot', this.u, bids, asks, Math.floor(ts / 1000))));
    const v = this.engine.onBook(this.orderBook, ts);
    if (v === null) throw new Error('the engine returned no vector for a two-sided book');
    return v;
  }

  /** A public trade: price in ticks, size in lots, at venue time `ts`. */
  trade(takerSide: TakerSide, priceTicks: number, sizeLots: number, ts: Micros): void {
    this.tradeId++;
    const trade: Trade = {
      tradeId: `t-${this.tradeId}`,
      symbol: 'BTCUSDT',
      price: ticks(priceTicks),
      size: lots(sizeLots),
      takerSide,
      ts,
      recvTime: micros(ts + 2000),
      blockTrade: false,
    };
    this.engine.onTrade(trade);
  }
}

/** The value of feature `name` in a vector laid out by `engine.schema.names`. */
export function valueOf(vector: FeatureVector, engine: FeatureEngine, name: string): number {
  const i = engine.schema.names.indexOf(name);
  if (i < 0) throw new Error(`${name} is not in the engine's schema`);
  return vector.values[i];
}
