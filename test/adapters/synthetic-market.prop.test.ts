import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { parseBybitFrame } from '../../adapters/bybit/parse.ts';
import { diffText, LevelWindow, priceText, sizeText } from '../../adapters/synthetic/frame-text.ts';
import { FillBuffer, LatentSide } from '../../adapters/synthetic/latent-side.ts';
import { Rng } from '../../adapters/synthetic/rng.ts';
import { createSyntheticMarket } from '../../adapters/synthetic/synthetic-market.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { unwrap } from '../../domain/result.ts';
import { priceToTicks, qtyToLots } from '../../domain/values/instrument.ts';
import { micros } from '../../domain/values/units.ts';
import { btc } from '../support/builders.ts';

/** A window of distinct prices ordered best first for the side `dir` points away from. */
const windowOf = (dir: 1 | -1, depth: number) =>
  fc.uniqueArray(fc.integer({ min: 899_900, max: 900_100 }), { maxLength: depth }).chain((prices) =>
    fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: prices.length, maxLength: prices.length }).map((lots) => {
      const window = new LevelWindow(depth);
      const sorted = [...prices].sort((a, b) => (a - b) * dir);
      sorted.forEach((p, i) => {
        window.prices[i] = p;
        window.lots[i] = lots[i];
      });
      window.count = sorted.length;
      return window;
    }),
  );

const asMap = (w: LevelWindow): Map<number, number> => new Map(Array.from({ length: w.count }, (_, i) => [w.prices[i], w.lots[i]]));

describe('synthetic frame text', () => {
  test.prop([fc.integer({ min: 1, max: 99_999_999 })])('writes prices Bybit-style, with two decimals, back to the same ticks', (ticks) => {
    const text = priceText(ticks);
    expect(text).toMatch(/^\d+\.\d0$/);
    expect(unwrap(priceToTicks(btc, text))).toBe(ticks);
  });

  test.prop([fc.integer({ min: 0, max: 999_999_999 })])('writes sizes with three decimals, back to the same lots', (lots) => {
    const text = sizeText(lots);
    expect(text).toMatch(/^\d+\.\d{3}$/);
    expect(unwrap(qtyToLots(btc, text))).toBe(lots);
  });

  test.prop([fc.constantFrom<1 | -1>(1, -1).chain((dir) => fc.tuple(fc.constant(dir), windowOf(dir, 8), windowOf(dir, 8)))])(
    'a delta from one window to another, applied to the first, gives the second, best first',
    ([dir, before, after]) => {
      const text = diffText(before, after, dir);
      const levels = JSON.parse(`[${text}]`) as Array<[string, string]>;
      const book = asMap(before);
      const prices = levels.map(([p, q]) => {
        const price = unwrap(priceToTicks(btc, p));
        const lots = unwrap(qtyToLots(btc, q));
        if (lots === 0) book.delete(price);
        else book.set(price, lots);
        return price;
      });
      expect(book).toEqual(asMap(after));
      expect(prices).toEqual([...prices].sort((a, b) => (a - b) * dir));
      expect(new Set(prices).size).toBe(prices.length);
      expect(text === '').toBe(JSON.stringify([...asMap(before)]) === JSON.stringify([...asMap(after)]));
    },
  );
});

describe('synthetic market pieces', () => {
  test.prop([fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.integer({ min: 1, max: 1_000 })])(
    'the generator repeats itself for a seed and stays in range',
    (seed, n) => {
      const a = new Rng(seed);
      const b = new Rng(seed);
      for (let i = 0; i < 50; i++) {
        const k = a.below(n);
        expect(b.below(n)).toBe(k);
        expect(k >= 0 && k < n && Number.isInteger(k)).toBe(true);
      }
    },
  );

  test.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 500 })), { minLength: 1 }), fc.integer({ min: 1, max: 20_000 })])(
    'a sweep takes the best prices first and fills what the side holds, no more',
    (orders, lots) => {
      const side = new LatentSide(1, 300, 900_001);
      let held = 0;
      for (const [d, size] of orders) {
        side.add(900_001 + d, size);
        held += size;
      }
      const fills = new FillBuffer();
      const filled = side.sweep(lots, fills);
      expect(filled).toBe(Math.min(lots, held));
      let sum = 0;
      for (let i = 0; i < fills.count; i++) {
        sum += fills.lots[i];
        if (i > 0) expect(fills.prices[i]).toBeGreaterThan(fills.prices[i - 1]);
      }
      expect(sum).toBe(filled);
      expect(side.empty).toBe(lots >= held);
      if (!side.empty) {
        // The best is the first price still holding size; nothing better is left.
        expect(side.sizeAt(side.best)).toBeGreaterThan(0);
        for (let p = 900_001; p < side.best; p++) expect(side.sizeAt(p)).toBe(0);
      }
    },
  );

  test.prop(
    [
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.record({
        ofiLink: fc.double({ min: 0, max: 1, noNaN: true }),
        activityVol: fc.double({ min: 0, max: 2, noNaN: true }),
        marketOrdersPerSec: fc.double({ min: 0, max: 200, noNaN: true }),
        marketSizeTail: fc.double({ min: 1.05, max: 4, noNaN: true }),
        limitOrdersPerSec: fc.double({ min: 10, max: 400, noNaN: true }),
        cancelsPerLevelPerSec: fc.double({ min: 0, max: 20, noNaN: true }),
        fullCancelShare: fc.double({ min: 0, max: 1, noNaN: true }),
        refillChance: fc.double({ min: 0.05, max: 1, noNaN: true }),
      }),
    ],
    { numRuns: 15 },
  )('for any seed and parameters, every frame applies to the book, which never crosses', (seed, params) => {
    const market = createSyntheticMarket({ seed, params });
    const book = new OrderBook(btc);
    for (let s = 0; s < 300; s++) {
      for (const frame of market.next()) {
        const event = parseBybitFrame(frame.text, micros(frame.tsMs * 1000));
        expect(['book', 'trades']).toContain(event.kind);
        if (event.kind !== 'book') continue;
        const applied = book.apply(event.frame);
        expect(applied.ok, JSON.stringify(applied)).toBe(true);
        expect(book.levelCount('bid')).toBeLessThanOrEqual(50);
        expect(book.levelCount('ask')).toBeLessThanOrEqual(50);
      }
    }
  });
});
