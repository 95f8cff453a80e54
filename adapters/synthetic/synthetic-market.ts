import type { Ticks } from '../../domain/values/units.ts';
import {
  bookFrameText,
  diffText,
  levelsText,
  LevelWindow,
  tradeEntryText,
  tradeFrameText,
  type TickDirection,
} from './frame-text.ts';
import { checkMarketParams, DEFAULT_MARKET_PARAMS, type MarketParams } from './market-params.ts';
import { OrderFlowModel } from './order-flow-model.ts';
import { Rng } from './rng.ts';

export interface SyntheticMarketOptions {
  /** Any safe integer; the same seed and options give the same frame texts. */
  readonly seed: number;
  /** Default BTCUSDT. The grid is BTCUSDT's whatever the symbol: tick 0.10, lot 0.001. */
  readonly symbol?: string;
  /** Venue time of the snapshot, ms since the epoch; default 2026-01-01T00:00:00Z. */
  readonly startMs?: number;
  /** Best bid of the first book, ticks of 0.10; default 900000 (90,000.00 USDT). */
  readonly startPrice?: Ticks;
  /** Levels a side of the published book, as in `orderbook.{depth}`; default 50. */
  readonly depth?: number;
  /** Venue time between book frames, ms; default 20, Bybit's push interval for depth 50. */
  readonly stepMs?: number;
  readonly params?: Partial<MarketParams>;
}

/** One frame as the venue would send it: its text and the venue time (`ts`) it carries, ms. */
export interface SyntheticFrame {
  readonly kind: 'book' | 'trades';
  readonly text: string;
  readonly tsMs: number;
}

export const DEFAULT_START_MS = 1_767_225_600_000;
export const DEFAULT_START_PRICE = 900_000 as Ticks;

/** Steps the model runs before the snapshot, so that the first book is already in its steady state. */
const WARM_UP_STEPS = 1_000;

export function createSyntheticMarket(options: SyntheticMarketOptions): SyntheticMarket {
  return new SyntheticMarket(options);
}

/**
 * A synthetic Bybit v5 public stream for one linear contract: an `orderbook.{depth}` snapshot (u = 1),
 * then per step the `publicTrade` frames of that step's market orders followed by one book delta, in
 * venue-time order. `next()` returns the frames of one step and never ends; it holds no clock, so a
 * feed can pace the steps in real time or run them as fast as it likes.
 *
 * Choices where Bybit's behaviour varies: a level that leaves the published window (emptied, or pushed
 * beyond the depth by better levels) is deleted explicitly with size "0", as in Bybit's historical
 * depth dumps, so the book stays exactly `depth` levels a side without trimming; a step in which the
 * window did not change sends no delta (and `u` does not advance), as Bybit sends nothing then; each
 * market order is one publicTrade frame with one entry per price level it took, sent when it happened
 * within the step, before the step's book frame.
 */
export class SyntheticMarket {
  readonly symbol: string;
  readonly topic: string;
  readonly depth: number;
  readonly stepMs: number;
  readonly params: MarketParams;
  private readonly model: OrderFlowModel;
  /** Trade ids, sequence jumps and timing jitter: kept apart from the model's stream. */
  private readonly cosmetic: Rng;
  private readonly startMs: number;
  private step = 0;
  private u = 0;
  private seq: number;
  private bidsOut: LevelWindow;
  private asksOut: LevelWindow;
  private bidsNow: LevelWindow;
  private asksNow: LevelWindow;
  private lastTradePrice = 0;
  private lastTickUp = true;

  constructor(options: SyntheticMarketOptions) {
    this.symbol = options.symbol ?? 'BTCUSDT';
    this.depth = options.depth ?? 50;
    this.stepMs = options.stepMs ?? 20;
    this.startMs = options.startMs ?? DEFAULT_START_MS;
    const startPrice = options.startPrice ?? DEFAULT_START_PRICE;
    if (!(Number.isInteger(this.depth) && this.depth > 0)) throw new RangeError(`depth must be a positive integer, got ${this.depth}`);
    if (!(Number.isInteger(this.stepMs) && this.stepMs >= 5)) throw new RangeError(`stepMs must be an integer of at least 5, got ${this.stepMs}`);
    if (!Number.isSafeInteger(this.startMs)) throw new RangeError(`startMs must be an integer, got ${this.startMs}`);
    this.params = checkMarketParams({ ...DEFAULT_MARKET_PARAMS, ...options.params });
    if (!(Number.isInteger(startPrice) && startPrice > 10 * this.params.reachTicks)) {
      throw new RangeError(`startPrice must be an integer count of ticks well above the book's reach, got ${startPrice}`);
    }
    this.topic = `orderbook.${this.depth}.${this.symbol}`;
    this.model = new OrderFlowModel(this.params, new Rng(options.seed, 0), new Rng(options.seed, 2), startPrice, this.stepMs);
    this.cosmetic = new Rng(options.seed, 1);
    this.seq = 400_000_000_000 + this.cosmetic.below(1_000_000_000);
    this.bidsOut = new LevelWindow(this.depth);
    this.asksOut = new LevelWindow(this.depth);
    this.bidsNow = new LevelWindow(this.depth);
    this.asksNow = new LevelWindow(this.depth);
    for (let i = 0; i < WARM_UP_STEPS; i++) this.model.step();
  }

  /** Venue time of the book frame the next call of `next()` ends with, ms. */
  get nextTsMs(): number {
    return this.startMs + this.step * this.stepMs;
  }

  /** The model's lean of the order flow in the last step, in (-ofiLink, ofiLink): for analysis. */
  get bias(): number {
    return this.model.bias;
  }

  /** The frames of the next step, in venue-time order: the snapshot first, then trades and a delta. */
  next(): SyntheticFrame[] {
    const ts = this.nextTsMs;
    const frames: SyntheticFrame[] = [];
    if (this.step > 0) {
      this.model.step();
      this.seq += 1 + this.model.events + this.cosmetic.below(20);
      this.writeTrades(ts - this.stepMs, frames);
    }
    this.step++;
    const bids = this.model.bids;
    const asks = this.model.asks;
    this.bidsNow.count = bids.window(this.depth, this.bidsNow.prices, this.bidsNow.lots);
    this.asksNow.count = asks.window(this.depth, this.asksNow.prices, this.asksNow.lots);
    const type = this.u === 0 ? 'snapshot' : 'delta';
    const b = type === 'snapshot' ? levelsText(this.bidsNow) : diffText(this.bidsOut, this.bidsNow, -1);
    const a = type === 'snapshot' ? levelsText(this.asksNow) : diffText(this.asksOut, this.asksNow, 1);
    if (type === 'snapshot' || b.length > 0 || a.length > 0) {
      this.u++;
      const cts = ts - 1 - this.cosmetic.below(2);
      const text = bookFrameText({ topic: this.topic, symbol: this.symbol, type, ts, cts, u: this.u, seq: this.seq }, b, a);
      frames.push({ kind: 'book', text, tsMs: ts });
      [this.bidsOut, this.bidsNow] = [this.bidsNow, this.bidsOut];
      [this.asksOut, this.asksNow] = [this.asksNow, this.asksOut];
    }
    return frames;
  }

  /**
   * One publicTrade frame per market order of the step just run. The orders are spread over the step
   * in order, each at a whole millisecond strictly inside it; a frame's `ts` is its trades' time plus
   * one, as in the capture. Each entry's `seq` is the sequence number of the book state it left.
   */
  private writeTrades(stepStartMs: number, frames: SyntheticFrame[]): void {
    const { orders, fills } = this.model;
    const n = orders.count;
    const span = this.stepMs - 3;
    let from = 0;
    let seq = this.seq - fills.count;
    for (let k = 0; k < n; k++) {
      const time = stepStartMs + 1 + Math.floor((span * (k + this.cosmetic.uniform())) / n);
      const to = orders.fillEnd[k];
      const buy = orders.buy[k] === 1;
      let entries = '';
      for (let f = from; f < to; f++) {
        const price = fills.prices[f];
        const id = this.tradeId();
        const entry = tradeEntryText({ time, symbol: this.symbol, buy, price, lots: fills.lots[f], direction: this.direction(price), id, seq: ++seq });
        entries += f === from ? entry : `,${entry}`;
      }
      from = to;
      if (entries.length > 0) frames.push({ kind: 'trades', text: tradeFrameText(this.symbol, time + 1, entries), tsMs: time + 1 });
    }
  }

  /** Bybit's tick direction: up or down against the previous trade, or unchanged after an up or down. */
  private direction(price: number): TickDirection {
    const last = this.lastTradePrice;
    this.lastTradePrice = price;
    if (last === 0 || price === last) return this.lastTickUp ? 'ZeroPlusTick' : 'ZeroMinusTick';
    this.lastTickUp = price > last;
    return this.lastTickUp ? 'PlusTick' : 'MinusTick';
  }

  /** A version-5-shaped UUID like Bybit's trade ids, drawn from the cosmetic stream. */
  private tradeId(): string {
    const r = this.cosmetic;
    const a = hex8(r.nextUint32());
    const b = hex8(r.nextUint32());
    const c = hex8(r.nextUint32());
    const d = hex8(r.nextUint32());
    return `${a}-${b.slice(0, 4)}-5${b.slice(5)}-${'89ab'[c.charCodeAt(0) & 3]}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }
}

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex8(x: number): string {
  return HEX_BYTES[x >>> 24] + HEX_BYTES[(x >>> 16) & 255] + HEX_BYTES[(x >>> 8) & 255] + HEX_BYTES[x & 255];
}
