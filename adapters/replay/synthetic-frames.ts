import { ticksToPrice, lotsToQty, type Instrument } from '../../domain/values/instrument.ts';
import type { Lots, Ticks } from '../../domain/values/units.ts';

export interface SyntheticOptions {
  readonly instrument: Instrument;
  readonly seed: number;
  /** Book frames to write (one per 100 ms, Bybit's orderbook.200 push interval). */
  readonly bookFrames: number;
  /** Venue time of the first frame, ms since the epoch. */
  readonly startMs: number;
  readonly startPrice: Ticks;
  /** Levels a side. */
  readonly depth: number;
}

/** mulberry32: a small deterministic PRNG, so the same seed writes the same bytes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes a synthetic BTCUSDT market as Bybit v5 public frames in the recorder's line format
 * (`<receive µs> <frame>`): one orderbook snapshot, then deltas every 100 ms with consecutive `u`,
 * public trades at the touch and tickers that carry the touch. A latent order-flow pressure (an AR(1)
 * process) skews the touch sizes and drives the moves of the mid, so book imbalance carries some
 * information about the next move — enough for the baseline model to trade on; it is no model of the
 * real market.
 */
export function generateSyntheticFrames(options: SyntheticOptions): string[] {
  const { instrument, depth } = options;
  const rand = prng(options.seed);
  const symbol = instrument.symbol;
  const topic = `orderbook.${depth}.${symbol}`;
  const lines: string[] = [];
  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  const size = (base: number): number => Math.max(1, Math.round(base * (0.3 + rand() * 1.4)));
  let bestBid = options.startPrice as number;
  for (let i = 0; i < depth; i++) {
    bids.set(bestBid - i, size(400));
    asks.set(bestBid + 1 + i, size(400));
  }
  const price = (t: number): string => ticksToPrice(instrument, t as Ticks);
  const qty = (l: number): string => lotsToQty(instrument, l as Lots);
  const levels = (m: Map<number, number>, keys: Iterable<number>): [string, string][] =>
    [...keys].map((k) => [price(k), qty(m.get(k) ?? 0)]);
  const sorted = (m: Map<number, number>, desc: boolean): number[] => [...m.keys()].sort((a, b) => (desc ? b - a : a - b));

  let u = 1;
  let seq = 9_000_000_000;
  let tradeId = 1;
  let pressure = 0;
  const emit = (ms: number, frame: unknown): void => {
    const recvMicros = ms * 1000 + 3_000 + Math.floor(rand() * 2_000);
    lines.push(`${recvMicros} ${JSON.stringify(frame)}`);
  };
  const book = (ms: number, type: 'snapshot' | 'delta', b: [string, string][], a: [string, string][]): void =>
    emit(ms, { topic, type, ts: ms, data: { s: symbol, b, a, u, seq }, cts: ms - 1 });

  book(options.startMs, 'snapshot', levels(bids, sorted(bids, true)), levels(asks, sorted(asks, false)));
  for (let n = 1; n < options.bookFrames; n++) {
    const ms = options.startMs + n * 100;
    u++;
    seq += 1 + Math.floor(rand() * 40);
    pressure = 0.92 * pressure + (rand() - 0.5) * 0.35;
    const changedBids = new Set<number>();
    const changedAsks = new Set<number>();
    const bestAsk = bestBid + 1;
    // The touch leans with the pressure: buyers queue on the bid, sellers thin out on the ask.
    bids.set(bestBid, size(400 * (1 + 1.6 * pressure) + 20));
    asks.set(bestAsk, size(400 * (1 - 1.6 * pressure) + 20));
    changedBids.add(bestBid);
    changedAsks.add(bestAsk);
    // A move of the mid by one tick, more likely in the direction of the pressure.
    const move = rand() < Math.min(0.6, Math.abs(pressure) * 1.2) ? Math.sign(pressure) : 0;
    if (move > 0) {
      asks.set(bestAsk, 0);
      changedAsks.add(bestAsk);
      asks.delete(bestAsk);
      bestBid += 1;
      bids.set(bestBid, size(300));
      changedBids.add(bestBid);
      asks.set(bestBid + depth, size(400));
      changedAsks.add(bestBid + depth);
      // The level leaving the window is deleted explicitly, so the book stays `depth` deep.
      bids.delete(bestBid - depth);
      changedBids.add(bestBid - depth);
    } else if (move < 0) {
      bids.set(bestBid, 0);
      changedBids.add(bestBid);
      bids.delete(bestBid);
      bestBid -= 1;
      asks.set(bestBid + 1, size(300));
      changedAsks.add(bestBid + 1);
      bids.set(bestBid - depth + 1, size(400));
      changedBids.add(bestBid - depth + 1);
      asks.delete(bestBid + 1 + depth);
      changedAsks.add(bestBid + 1 + depth);
    }
    // Churn deeper in the book.
    for (let k = 0; k < 3; k++) {
      const d = 1 + Math.floor(rand() * (depth - 1));
      if (bids.has(bestBid - d)) {
        bids.set(bestBid - d, size(400));
        changedBids.add(bestBid - d);
      }
      if (asks.has(bestBid + 1 + d)) {
        asks.set(bestBid + 1 + d, size(400));
        changedAsks.add(bestBid + 1 + d);
      }
    }
    book(ms, 'delta', levels(bids, changedBids), levels(asks, changedAsks));
    if (rand() < 0.3) {
      const side = rand() < 0.5 + pressure ? 'Buy' : 'Sell';
      const p = side === 'Buy' ? bestBid + 1 : bestBid;
      const trades = [{ T: ms + 20, s: symbol, S: side, v: qty(1 + Math.floor(rand() * 50)), p: price(p), L: 'ZeroPlusTick', i: `syn-${tradeId++}`, BT: false }];
      emit(ms + 20, { topic: `publicTrade.${symbol}`, type: 'snapshot', ts: ms + 21, data: trades });
    }
    if (n % 10 === 0) {
      emit(ms + 50, {
        topic: `tickers.${symbol}`,
        type: 'delta',
        data: { symbol, bid1Price: price(bestBid), bid1Size: qty(bids.get(bestBid) ?? 0), ask1Price: price(bestBid + 1), ask1Size: qty(asks.get(bestBid + 1) ?? 0) },
        cs: seq,
        ts: ms + 50,
      });
    }
  }
  return lines;
}
