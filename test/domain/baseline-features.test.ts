import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { BASELINE_FEATURE_NAMES, BaselineFeatures, type TouchSource } from '../../domain/features/baseline-features.ts';
import { createSchema } from '../../domain/features/feature-vector.ts';
import { ofiIncrement, type Touch } from '../../domain/features/order-flow-imbalance.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';

const touch = (bid: number, bidQty: number, ask: number, askQty: number): Touch =>
  ({ bid: bid as Ticks, bidQty: bidQty as Lots, ask: ask as Ticks, askQty: askQty as Lots });

const source = (t: Touch | null): TouchSource => ({
  bestBid: () => t?.bid ?? null,
  bestAsk: () => t?.ask ?? null,
  bestBidQty: () => t?.bidQty ?? (0 as Lots),
  bestAskQty: () => t?.askQty ?? (0 as Lots),
});

describe('order-flow imbalance increment (Cont, Kukanov & Stoikov 2014)', () => {
  it('counts added bid size at an unchanged bid as buying pressure', () => {
    expect(ofiIncrement(touch(100, 5, 101, 7), touch(100, 8, 101, 7))).toBe(3);
  });
  it('counts a bid that moves up as its whole new size', () => {
    expect(ofiIncrement(touch(100, 5, 102, 7), touch(101, 2, 102, 7))).toBe(2);
  });
  it('counts a bid that moves down as the loss of the old size', () => {
    expect(ofiIncrement(touch(100, 5, 102, 7), touch(99, 9, 102, 7))).toBe(-5);
  });
  it('counts an ask that moves up as the removal of the old ask size', () => {
    expect(ofiIncrement(touch(100, 5, 101, 7), touch(100, 5, 102, 4))).toBe(7);
  });
  it('counts added ask size at an unchanged ask as selling pressure', () => {
    expect(ofiIncrement(touch(100, 5, 101, 7), touch(100, 5, 101, 10))).toBe(-3);
  });
  test.prop([fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 })])(
    'an unchanged touch adds nothing',
    (bid, qb, qa) => {
      const t = touch(bid, qb, bid + 1, qa);
      expect(ofiIncrement(t, t)).toBe(0);
    },
  );
});

describe('BaselineFeatures', () => {
  it('has the schema of its names in order', () => {
    expect(new BaselineFeatures().schema).toEqual(createSchema(BASELINE_FEATURE_NAMES));
  });

  it('computes spread, imbalance, weighted-mid offset and normalised OFI by hand', () => {
    const f = new BaselineFeatures();
    const first = f.onBook(source(touch(1000, 30, 1002, 10)), 1_000_000 as Micros);
    // spread 2; imbalance (30-10)/40 = 0.5; W - mid = spread * imbalance / 2 = 0.5; no flow yet.
    expect([...first!.values]).toEqual([2, 0.5, 0.5, 0]);
    const second = f.onBook(source(touch(1000, 50, 1002, 10)), 1_100_000 as Micros);
    // e = +20; mean touch depth over the window = (20 + 30) / 2 = 25 -> 0.8.
    expect(second!.values[3]).toBeCloseTo(0.8, 12);
    expect(second!.values[1]).toBeCloseTo(40 / 60, 12);
    // Stoikov's W = Pb (1 - I) + Pa I with I = qb / (qb + qa); offset from the mid in ticks.
    const i = 50 / 60;
    expect(second!.values[2]).toBeCloseTo(1000 * (1 - i) + 1002 * i - 1001, 9);
  });

  it('forgets flow older than one second and after reset', () => {
    const f = new BaselineFeatures();
    f.onBook(source(touch(1000, 30, 1002, 10)), 0 as Micros);
    f.onBook(source(touch(1000, 50, 1002, 10)), 100_000 as Micros);
    const later = f.onBook(source(touch(1000, 50, 1002, 10)), 1_200_000 as Micros);
    expect(later!.values[3]).toBe(0);
    f.onBook(source(touch(1000, 60, 1002, 10)), 1_300_000 as Micros);
    f.reset();
    const after = f.onBook(source(touch(1000, 90, 1002, 10)), 1_400_000 as Micros);
    expect(after!.values[3]).toBe(0);
  });

  it('returns null while a side is empty', () => {
    expect(new BaselineFeatures().onBook(source(null), 0 as Micros)).toBeNull();
  });
});
