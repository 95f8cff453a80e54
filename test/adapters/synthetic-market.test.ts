import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBybitFrame } from '../../adapters/bybit/parse.ts';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { SyntheticFeed } from '../../adapters/synthetic/synthetic-feed.ts';
import { createSyntheticMarket, type SyntheticMarketOptions } from '../../adapters/synthetic/synthetic-market.ts';
import { ofiIncrement, type Touch } from '../../domain/features/order-flow-imbalance.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { unwrap } from '../../domain/result.ts';
import { priceToTicks, qtyToLots } from '../../domain/values/instrument.ts';
import { micros } from '../../domain/values/units.ts';
import { btc, eventually } from '../support/builders.ts';
import { StepClock } from '../support/fakes.ts';

function texts(options: SyntheticMarketOptions, steps: number): string[] {
  const market = createSyntheticMarket(options);
  const out: string[] = [];
  for (let s = 0; s < steps; s++) for (const frame of market.next()) out.push(frame.text);
  return out;
}

/** What a run looks like through the parser and the book: per book frame and per trade. */
interface Measured {
  readonly tsMs: number[];
  /** Twice the mid, ticks. */
  readonly mid2: number[];
  /** CKS order-flow-imbalance increment from the previous frame's touch, lots. */
  readonly ofi: number[];
  readonly oneTickSpreads: number;
  /** Mean size at level k from the touch, both sides averaged, lots (sampled every 10th frame). */
  readonly levelMean: number[];
  readonly tradeLots: number[];
}

function measure(options: SyntheticMarketOptions, steps: number): Measured {
  const market = createSyntheticMarket(options);
  const book = new OrderBook(btc, { depth: 50 });
  const m = { tsMs: [] as number[], mid2: [] as number[], ofi: [] as number[], oneTickSpreads: 0, levelMean: new Array<number>(50).fill(0), tradeLots: [] as number[] };
  let prev: Touch | null = null;
  let sampled = 0;
  for (let s = 0; s < steps; s++) {
    for (const frame of market.next()) {
      const event = parseBybitFrame(frame.text, micros(frame.tsMs * 1000 + 3000));
      if (event.kind === 'trades') {
        for (const t of event.trades) m.tradeLots.push(unwrap(qtyToLots(btc, t.size)));
        continue;
      }
      if (event.kind !== 'book') throw new Error(`unexpected ${event.kind} event`);
      unwrap(book.apply(event.frame));
      const touch: Touch = { bid: book.bestBid()!, bidQty: book.bestBidQty(), ask: book.bestAsk()!, askQty: book.bestAskQty() };
      m.ofi.push(prev === null ? 0 : ofiIncrement(prev, touch));
      prev = touch;
      m.mid2.push(touch.bid + touch.ask);
      m.tsMs.push(frame.tsMs);
      if (touch.ask - touch.bid === 1) m.oneTickSpreads++;
      if (m.tsMs.length % 10 === 0) {
        sampled++;
        for (let k = 0; k < 50; k++) m.levelMean[k] += (book.qtyAt('bid', k) + book.qtyAt('ask', k)) / 2;
      }
    }
  }
  for (let k = 0; k < 50; k++) m.levelMean[k] /= sampled;
  return m;
}

/** Mid changes (ticks) and summed OFI over consecutive venue-time windows of `ms`. */
function windows(m: Measured, ms: number): { moves: number[]; ofi: number[] } {
  const moves: number[] = [];
  const ofi: number[] = [];
  const start = m.tsMs[0];
  let window = 0;
  let openMid = m.mid2[0];
  let mid = openMid;
  let flow = 0;
  for (let i = 1; i < m.mid2.length; i++) {
    const k = Math.floor((m.tsMs[i] - start - 1) / ms);
    for (; window < k; window++) {
      moves.push((mid - openMid) / 2);
      ofi.push(flow);
      openMid = mid;
      flow = 0;
    }
    flow += m.ofi[i];
    mid = m.mid2[i];
  }
  return { moves, ofi };
}

function correlation(x: readonly number[], y: readonly number[]): number {
  const n = Math.min(x.length, y.length);
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i] / n; my += y[i] / n; }
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const a = x[i] - mx, b = y[i] - my;
    sxy += a * b; sxx += a * a; syy += b * b;
  }
  return sxy / Math.sqrt(sxx * syy);
}

const lagged = (x: readonly number[], lag: number): number => correlation(x.slice(0, -lag), x.slice(lag));
/** Correlation of a window's OFI with the mid change of the NEXT window. */
const predictive = (w: { moves: number[]; ofi: number[] }): number => correlation(w.ofi.slice(0, -1), w.moves.slice(1));

describe('the synthetic market', () => {
  it('writes the same frames for the same seed, and other frames for another seed or another ofiLink', () => {
    const a = texts({ seed: 11 }, 2000).join('\n');
    expect(texts({ seed: 11 }, 2000).join('\n') === a).toBe(true);
    expect(texts({ seed: 12 }, 2000).join('\n') === a).toBe(false);
    expect(texts({ seed: 11, params: { ofiLink: 0 } }, 2000).join('\n') === a).toBe(false);
  });

  it('writes a 50-level snapshot at u = 1, then frames a Bybit book applies without a gap, a cross or a bad level', () => {
    const market = createSyntheticMarket({ seed: 3 });
    const windowed = new OrderBook(btc, { depth: 50 });
    // Without a depth window of its own, the book stays 50 deep only if every level leaving the window is deleted.
    const unbounded = new OrderBook(btc);
    const problems: string[] = [];
    const tradeIds = new Set<string>();
    let lastTs = 0, lastSeq = 0, books = 0, trades = 0;
    for (let s = 0; s < 5000 && problems.length < 5; s++) {
      for (const frame of market.next()) {
        const event = parseBybitFrame(frame.text, micros(frame.tsMs * 1000));
        if (frame.tsMs < lastTs) problems.push(`time went back at ${frame.text}`);
        lastTs = frame.tsMs;
        if (event.kind === 'trades' && frame.kind === 'trades') {
          for (const t of event.trades) {
            if (!priceToTicks(btc, t.price).ok || !qtyToLots(btc, t.size).ok) problems.push(`off-grid trade ${JSON.stringify(t)}`);
            if (t.ts >= frame.tsMs * 1000) problems.push(`trade time not before its frame's ts: ${frame.text}`);
            tradeIds.add(t.tradeId);
            trades++;
          }
          continue;
        }
        if (event.kind !== 'book' || frame.kind !== 'book') {
          problems.push(`not a book frame: ${JSON.stringify(event)}`);
          continue;
        }
        const f = event.frame;
        if (f.type !== (books === 0 ? 'snapshot' : 'delta') || f.u !== books + 1) problems.push(`${f.type} u=${f.u} after ${books} book frames`);
        if (f.seq <= lastSeq || f.cts >= f.ts) problems.push(`seq ${f.seq} after ${lastSeq}, cts ${f.cts}, ts ${f.ts}`);
        lastSeq = f.seq;
        for (const book of [windowed, unbounded]) {
          const applied = book.apply(f);
          if (!applied.ok) problems.push(JSON.stringify(applied.error));
          if (book.levelCount('bid') !== 50 || book.levelCount('ask') !== 50) problems.push(`depth ${book.levelCount('bid')}/${book.levelCount('ask')} at u=${f.u}`);
        }
        if (books % 97 === 0) expect(unbounded.topN('ask', 50)).toEqual(windowed.topN('ask', 50));
        books++;
      }
    }
    expect(problems).toEqual([]);
    expect(books).toBeGreaterThan(4500);
    expect(trades).toBeGreaterThan(1000);
    expect(tradeIds.size).toBe(trades);
  });

  const capture = fileURLToPath(new URL('../../../shared/data/bybit/linear-BTCUSDT-orderbook200-trades-tickers.jsonl', import.meta.url));
  if (!existsSync(capture)) console.warn(`synthetic frame-shape test skipped: ${capture} is absent (the real captures live in ../shared)`);
  it.skipIf(!existsSync(capture))('writes the fields of the real Bybit capture in the same order', () => {
    const real = readFileSync(capture, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
    const ours = texts({ seed: 5 }, 200).map((t) => JSON.parse(t) as Record<string, unknown>);
    const shape = (frame: Record<string, unknown>): string[] => {
      const data = frame.data as Record<string, unknown> | Array<Record<string, unknown>>;
      return [...Object.keys(frame), ...Object.keys(Array.isArray(data) ? data[0] : data)];
    };
    const first = (frames: Array<Record<string, unknown>>, topic: string, type: string): Record<string, unknown> =>
      frames.find((f) => String(f.topic).startsWith(topic) && f.type === type)!;
    for (const [topic, type] of [['orderbook.', 'snapshot'], ['orderbook.', 'delta'], ['publicTrade.', 'snapshot']]) {
      expect(shape(first(ours, topic, type))).toEqual(shape(first(real, topic, type)));
    }
  });

  describe('over 15 minutes of venue time with the default parameters', () => {
    let run: Measured;
    beforeAll(() => {
      run = measure({ seed: 1 }, 45_000);
    });

    it('keeps the spread at one tick in most frames', () => {
      expect(run.oneTickSpreads / run.mid2.length).toBeGreaterThan(0.8);
    });

    it('holds more size deeper in the book: mean size at levels 40-49 exceeds levels 1-10', () => {
      const mean = (from: number, to: number): number => run.levelMean.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);
      expect(mean(40, 50)).toBeGreaterThan(1.5 * mean(1, 11));
      let cumulative = 0;
      for (let k = 0; k < 50; k++) {
        const next = cumulative + run.levelMean[k];
        expect(next).toBeGreaterThan(cumulative);
        cumulative = next;
      }
    });

    it('prints heavy-tailed trade sizes: kurtosis far above 3 and a Hill tail index between 1 and 3', () => {
      const x = run.tradeLots;
      const mean = x.reduce((a, b) => a + b, 0) / x.length;
      let m2 = 0, m4 = 0;
      for (const v of x) { m2 += (v - mean) ** 2 / x.length; m4 += (v - mean) ** 4 / x.length; }
      expect(m4 / (m2 * m2)).toBeGreaterThan(20);
      const sorted = [...x].sort((a, b) => b - a);
      const k = Math.floor(x.length / 50);
      let logs = 0;
      for (let i = 0; i < k; i++) logs += Math.log(sorted[i] / sorted[k]);
      const hill = k / logs;
      expect(hill).toBeGreaterThan(1);
      expect(hill).toBeLessThan(3);
    });

    it('clusters volatility: absolute 1 s mid moves are autocorrelated at lag 1, the moves themselves barely', () => {
      const { moves } = windows(run, 1000);
      const bound = 3 / Math.sqrt(moves.length);
      expect(lagged(moves.map(Math.abs), 1)).toBeGreaterThan(Math.max(0.1, bound));
      expect(Math.abs(lagged(moves, 1))).toBeLessThan(0.1);
    });
  });

  it('links the order-flow imbalance of one 200 ms window to the next mid move, more strongly as ofiLink grows', () => {
    const r = [0, 0.5, 1].map((ofiLink) => predictive(windows(measure({ seed: 1, params: { ofiLink } }, 15_000), 200)));
    // 1,500 windows: a correlation's standard error is about 0.026.
    expect(Math.abs(r[0])).toBeLessThan(0.06);
    expect(r[1]).toBeGreaterThan(r[0] + 0.04);
    expect(r[2]).toBeGreaterThan(r[1] + 0.08);
  });
});

describe('the synthetic feed', () => {
  const collect = async (feed: SyntheticFeed): Promise<MarketEvent[]> => {
    const out: MarketEvent[] = [];
    for await (const event of feed.events()) out.push(event);
    return out;
  };
  const books = (events: MarketEvent[]): number => events.filter((e) => e.kind === 'book').length;
  const recv = (e: MarketEvent): number => (e.kind === 'book' ? e.frame.recvTime : e.kind === 'trades' ? e.trades[0].recvTime : -1);

  it('runs as fast as it is read, stops after N book frames, and stamps receive times after venue times', async () => {
    const feed = new SyntheticFeed({ market: { seed: 2 }, frames: 1200 }, new StepClock());
    const events = await collect(feed);
    expect(books(events)).toBe(1200);
    expect(events.at(-1)!.kind).toBe('book');
    let last = 0;
    for (const e of events) {
      expect(['book', 'trades']).toContain(e.kind);
      expect(recv(e)).toBeGreaterThanOrEqual(last);
      last = recv(e);
      const venue = e.kind === 'book' ? e.frame.ts : e.kind === 'trades' ? e.trades[0].ts : 0;
      expect(recv(e) - venue).toBeGreaterThanOrEqual(2000);
    }
    // Every read replays the same market.
    expect(await collect(feed)).toEqual(events);
    expect(feed.description).toBe('synthetic:seed=2');
  });

  it('stops after a span of venue time', async () => {
    const events = await collect(new SyntheticFeed({ market: { seed: 2, stepMs: 20 }, durationMs: 1000 }, new StepClock()));
    const ts = events.filter((e) => e.kind === 'book').map((e) => (e.kind === 'book' ? e.frame.ts : 0));
    expect(ts.at(-1)! - ts[0]).toBeLessThanOrEqual(1_000_000);
    expect(ts.at(-1)! - ts[0]).toBeGreaterThan(900_000);
  });

  it('paces venue time against the clock at speed 1, and close() ends a paced feed while it waits', async () => {
    const clock = new SystemClock();
    const started = clock.nowMicros();
    const events = await collect(new SyntheticFeed({ market: { seed: 2 }, frames: 11, speed: 1 }, clock));
    const venueSpan = (events.filter((e) => e.kind === 'book').at(-1)! as { frame: { ts: number } }).frame.ts - (events[0] as { frame: { ts: number } }).frame.ts;
    expect(venueSpan).toBeGreaterThanOrEqual(200_000);
    expect(clock.nowMicros() - started).toBeGreaterThanOrEqual(venueSpan - 5_000);

    const slow = new SyntheticFeed({ market: { seed: 2 }, speed: 0.001 }, clock);
    const seen: MarketEvent[] = [];
    const reading = (async () => {
      for await (const e of slow.events()) seen.push(e);
    })();
    const waitStart = clock.nowMicros();
    await eventually(() => seen.length > 0);
    await slow.close();
    await reading;
    // At a thousandth of real time the second step would be due 20 s later: close() cut the wait short.
    expect(clock.nowMicros() - waitStart).toBeLessThan(5_000_000);
    expect(seen.map((e) => e.kind)).toEqual(['book']);
  });

  it('lets timers run while a paced feed catches up with a clock far ahead of it', async () => {
    // Every reading of this clock is a second later: at speed 1 each step is already overdue.
    let now = 1_700_000_000_000_000;
    const late = { nowMicros: () => (now += 1_000_000) as never };
    const feed = new SyntheticFeed({ market: { seed: 2 }, frames: 20_000, speed: 1 }, late);
    // A stop from a timer (the --duration timer, a dashboard's kill, a signal) is seen before the end.
    setTimeout(() => void feed.close(), 0);
    const events = await collect(feed);
    expect(books(events)).toBeGreaterThan(0);
    expect(books(events)).toBeLessThan(20_000);
  });
});
