import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { FeatureDefinition } from '../../domain/features/definitions.ts';
import { FeatureEngine } from '../../domain/features/engine.ts';
import { selectFeatures } from '../../domain/features/registry.ts';
import type { RawLevel } from '../../domain/market/market-event.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import type { Trade } from '../../domain/market/trade.ts';
import { unwrap } from '../../domain/result.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { btc, frame } from '../support/builders.ts';
import { FeatureEngineBefore } from '../support/features-before/engine.ts';

/**
 * The engine against the code before its speed work (kept in test/support/features-before): the same
 * events give the same vectors, every value `Object.is`-equal after every book event, for every
 * feature, for the shipped model's selection, and for any subset. Books move by snapshots and by
 * deltas (levels added, resized and deleted near the touch and deep), trades arrive between them, at
 * times a little before or after the books' (Bybit's trade time is not ordered with the book's), and
 * now and then both engines are reset as after a resync.
 */
type Step =
  | { readonly kind: 'snapshot'; readonly dtMs: number; readonly move: number; readonly spread: number; readonly bids: readonly Level[]; readonly asks: readonly Level[] }
  | { readonly kind: 'delta'; readonly dtMs: number; readonly changes: readonly Change[] }
  | { readonly kind: 'trade'; readonly dtMs: number; readonly skewMs: number; readonly buy: boolean; readonly offset: number; readonly lots: number }
  | { readonly kind: 'reset' };
interface Level { readonly gap: number; readonly lots: number }
/** A level of a delta: `depth` ticks behind the side's touch (negative: inside the spread), 0 lots deletes. */
interface Change { readonly bid: boolean; readonly depth: number; readonly lots: number }

const dtArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 150 }), fc.integer({ min: 0, max: 3_000 }));
const levelsArb = fc.array(fc.record({ gap: fc.integer({ min: 1, max: 8 }), lots: fc.integer({ min: 1, max: 3_000 }) }), { minLength: 1, maxLength: 45 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('snapshot' as const), dtMs: dtArb, move: fc.integer({ min: -6, max: 6 }), spread: fc.integer({ min: 1, max: 4 }), bids: levelsArb, asks: levelsArb }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('delta' as const),
      dtMs: dtArb,
      changes: fc.array(
        fc.record({ bid: fc.boolean(), depth: fc.oneof(fc.integer({ min: -1, max: 4 }), fc.integer({ min: 0, max: 80 })), lots: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3_000 })) }),
        { minLength: 1, maxLength: 6 },
      ),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('trade' as const), dtMs: dtArb, skewMs: fc.integer({ min: -400, max: 400 }), buy: fc.boolean(), offset: fc.integer({ min: -5, max: 5 }), lots: fc.integer({ min: 1, max: 5_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
);

const BASE = 900_000;
const price = (ticks: number): string => (ticks / 10).toFixed(1);
const qty = (lots: number): string => (lots / 1000).toFixed(3);

interface Engine {
  onBook: FeatureEngine['onBook'];
  onTrade: FeatureEngine['onTrade'];
  reset(): void;
  readonly warm: boolean;
}

/** Runs the steps through one book and both engines and fails at the first value that differs. */
function compare(steps: readonly Step[], definitions: readonly FeatureDefinition[]): void {
  const engines: Engine[] = [new FeatureEngine(btc, definitions), new FeatureEngineBefore(btc, definitions)];
  const book = new OrderBook(btc);
  let tsMs = 1_700_000_000_000;
  let u = 0;
  let bid = BASE;
  let books = 0;
  for (const s of steps) {
    if (s.kind === 'reset') {
      for (const e of engines) e.reset();
      continue;
    }
    tsMs += s.dtMs;
    if (s.kind === 'trade') {
      const t = (tsMs + s.skewMs) * 1000;
      const trade: Trade = {
        tradeId: `t${u}`, symbol: 'BTCUSDT', price: (bid + s.offset) as Ticks, size: s.lots as Lots, takerSide: s.buy ? 'Buy' : 'Sell',
        ts: t as Micros, recvTime: t as Micros, blockTrade: false,
      };
      for (const e of engines) e.onTrade(trade);
      continue;
    }
    let applied;
    if (s.kind === 'snapshot') {
      bid += s.move;
      let p = bid;
      const bids: RawLevel[] = s.bids.map((l, i) => [price((p -= i === 0 ? 0 : l.gap)), qty(l.lots)]);
      p = bid + s.spread;
      const asks: RawLevel[] = s.asks.map((l, i) => [price((p += i === 0 ? 0 : l.gap)), qty(l.lots)]);
      applied = book.apply(frame('snapshot', ++u, bids, asks, tsMs));
    } else {
      const bestBid = book.bestBid() ?? bid;
      const bestAsk = book.bestAsk() ?? bid + 1;
      const bids: RawLevel[] = [];
      const asks: RawLevel[] = [];
      for (const c of s.changes) {
        // A level inside the spread may not cross the other side's touch.
        if (c.bid) {
          const p = bestBid - c.depth;
          if (p < bestAsk) bids.push([price(p), qty(c.lots)]);
        } else {
          const p = bestAsk + c.depth;
          if (p > bestBid) asks.push([price(p), qty(c.lots)]);
        }
      }
      applied = book.apply(frame('delta', ++u, bids, asks, tsMs));
    }
    if (!applied.ok) continue;
    const ts = (tsMs * 1000) as Micros;
    const [now, before] = engines.map((e) => e.onBook(book, ts));
    books++;
    if (now === null || before === null) {
      expect(now).toBe(before);
      continue;
    }
    for (let j = 0; j < definitions.length; j++) {
      if (!Object.is(now.values[j], before.values[j])) {
        expect.fail(`${definitions[j].name} at book ${books}: ${now.values[j]}, before ${before.values[j]}`);
      }
    }
    expect(engines[0].warm).toBe(engines[1].warm);
  }
}

const ALL = unwrap(selectFeatures());
/** The shipped synthetic model's features, which skip the 30 s and 120 s windows and the 10 BTC walk. */
const MODEL = unwrap(selectFeatures({ groups: ['book', 'flow', 'price'] })).filter(
  (d) => !/(30s|120s|_10_bps|mid_price|microprice)/.test(d.name),
);

describe('the feature engine against the code before its speed work', () => {
  test.prop([fc.array(stepArb, { minLength: 1, maxLength: 300 })], { numRuns: 80 })('every feature', (steps) => compare(steps, ALL));

  test.prop([fc.array(stepArb, { minLength: 1, maxLength: 300 })], { numRuns: 60 })('the shipped model\'s selection', (steps) => compare(steps, MODEL));

  test.prop([fc.array(stepArb, { minLength: 1, maxLength: 200 }), fc.subarray(ALL.map((d) => d.name), { minLength: 1 })], { numRuns: 80 })(
    'any selection',
    (steps, names) => compare(steps, unwrap(selectFeatures({ features: names }))),
  );
});
