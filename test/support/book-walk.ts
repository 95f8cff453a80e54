import { lotsToQty, ticksToPrice } from '../../domain/values/instrument.ts';
import type { Lots, Ticks } from '../../domain/values/units.ts';
import { btc } from './builders.ts';
import type { Level } from './frame-text.ts';

/**
 * A seeded random walk of a BTCUSDT book `levels` deep: the touch moves a tick now and then (the
 * level leaving the band is deleted explicitly), inner levels vanish and come back, sizes change.
 * Bids stay at or below `best`, asks above it, so the book is never crossed.
 */
export class BookWalk {
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();
  private state: number;

  constructor(
    seed: number,
    private readonly levels: number,
    private best: number,
  ) {
    this.state = seed >>> 0;
  }

  /** mulberry32: small and deterministic. */
  random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  initial(): { bids: Level[]; asks: Level[] } {
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    for (let i = 0; i < this.levels; i++) {
      this.set(bids, 'bid', this.best - i, this.size());
      this.set(asks, 'ask', this.best + 1 + i, this.size());
    }
    return { bids: render(bids), asks: render(asks) };
  }

  step(): { bids: Level[]; asks: Level[] } {
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    const r = this.random();
    const L = this.levels;
    if (r < 0.15) {
      this.set(asks, 'ask', this.best + 1, 0);
      this.best++;
      this.set(bids, 'bid', this.best - L, 0);
      this.set(asks, 'ask', this.best + L, this.size());
    } else if (r < 0.3) {
      this.set(bids, 'bid', this.best, 0);
      this.best--;
      this.set(asks, 'ask', this.best + 1 + L, 0);
      this.set(bids, 'bid', this.best - L + 1, this.size());
    }
    const side = this.random() < 0.5 ? 'bid' : 'ask';
    const inner = 1 + Math.floor(this.random() * (L - 1));
    const price = side === 'bid' ? this.best - inner : this.best + 1 + inner;
    const present = (side === 'bid' ? this.bids : this.asks).has(price);
    if (this.random() < 0.3) this.set(side === 'bid' ? bids : asks, side, price, present ? 0 : this.size());
    // The touch is always quoted; it changes size on most steps.
    if (this.random() < 0.7 || !this.bids.has(this.best)) this.set(bids, 'bid', this.best, this.size());
    if (this.random() < 0.7 || !this.asks.has(this.best + 1)) this.set(asks, 'ask', this.best + 1, this.size());
    return { bids: render(bids), asks: render(asks) };
  }

  private size(): number {
    return 1 + Math.floor(this.random() * 2000);
  }

  /** Records a change; a delete of a level the book does not hold is not sent, as Bybit sends none. */
  private set(changes: Map<number, number>, side: 'bid' | 'ask', price: number, lots: number): void {
    const book = side === 'bid' ? this.bids : this.asks;
    if (lots === 0 && !book.has(price) && !changes.has(price)) return;
    if (lots === 0) book.delete(price);
    else book.set(price, lots);
    changes.set(price, lots);
  }
}

/** Prices with two decimals, as Bybit writes BTCUSDT prices ("65114.30"). */
function render(changes: Map<number, number>): Level[] {
  return [...changes].map(([t, l]) => [`${ticksToPrice(btc, t as Ticks)}0`, lotsToQty(btc, l as Lots)]);
}
