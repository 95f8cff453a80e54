import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { MicroPriceEstimator, type MicroPriceOptions } from '../../domain/features/micro-price.ts';
import type { Lots, Ticks } from '../../domain/values/units.ts';

/** A touch: bid ticks, bid lots, ask ticks, ask lots. */
type Touch = readonly [number, number, number, number];

/** Reflection of prices about C / 2 (p -> C - p), which swaps the sides: the mirrored market. */
const C = 200_000;
const mirror = ([b, bq, a, aq]: Touch): Touch => [C - a, aq, C - b, bq];
/** The mirrored state: the same spread with the sizes swapped, so I -> 1 - I. */
const swapSizes = ([b, bq, a, aq]: Touch): Touch => [b, aq, a, bq];

const observe = (est: MicroPriceEstimator, [b, bq, a, aq]: Touch): void =>
  est.observe(b as Ticks, bq as Lots, a as Ticks, aq as Lots);
const offset = (est: MicroPriceEstimator, [b, bq, a, aq]: Touch): number =>
  est.offsetTicks(b as Ticks, bq as Lots, a as Ticks, aq as Lots);

const options: fc.Arbitrary<MicroPriceOptions> = fc.record(
  {
    imbalanceBuckets: fc.integer({ min: 1, max: 10 }),
    maxSpreadTicks: fc.integer({ min: 1, max: 3 }),
    refreshEvery: fc.integer({ min: 1, max: 40 }),
    iterations: fc.integer({ min: 1, max: 6 }),
    maxMoveTicks: fc.constantFrom(0.5, 1, 1.5, 2),
  },
  { requiredKeys: ['imbalanceBuckets', 'maxSpreadTicks', 'refreshEvery', 'iterations'] },
);

/**
 * A random walk of touches: the bid steps by -3..3 ticks, the spread is 1..4 ticks, sizes are 1..12 lots
 * (small, so that imbalances land on bucket boundaries often). Now and then a side is empty (0 lots).
 */
const stream: fc.Arbitrary<Touch[]> = fc
  .array(
    fc.tuple(
      fc.integer({ min: -3, max: 3 }),
      fc.integer({ min: 1, max: 4 }),
      fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 12 }) }, { weight: 1, arbitrary: fc.constant(0) }),
      fc.integer({ min: 1, max: 12 }),
    ),
    { minLength: 1, maxLength: 250, size: 'max' },
  )
  .map((steps) => {
    let bid = 100_000;
    return steps.map(([step, spread, bq, aq]): Touch => {
      bid += step;
      return [bid, bq, bid + spread, aq];
    });
  });

describe('MicroPriceEstimator properties', () => {
  test.prop([options, stream], { numRuns: 150 })(
    'every offset is finite, within iterations * maxMoveTicks, and exactly negated in the mirrored state',
    (opts, touches) => {
      const est = new MicroPriceEstimator(opts);
      const bound = est.iterations * est.maxMoveTicks;
      const check = (t: Touch): void => {
        const v = offset(est, t);
        expect(Number.isFinite(v)).toBe(true);
        expect(Math.abs(v)).toBeLessThanOrEqual(bound * (1 + 1e-12));
        const m = offset(est, swapSizes(t));
        expect(v === -m, `offset ${v} against mirrored ${m}`).toBe(true);
      };
      for (const t of touches) {
        observe(est, t);
        check(t);
      }
      for (const t of touches) check(t);
    },
  );

  test.prop([options, stream], { numRuns: 150 })(
    'the mirrored stream (p -> C - p, sides swapped) gives exactly the negated offsets',
    (opts, touches) => {
      const est = new MicroPriceEstimator(opts);
      const mirrored = new MicroPriceEstimator(opts);
      for (const t of touches) {
        observe(est, t);
        observe(mirrored, mirror(t));
        const v = offset(est, t);
        const m = offset(mirrored, mirror(t));
        expect(v === -m, `offset ${v} against mirrored ${m}`).toBe(true);
      }
      expect(mirrored.observed).toBe(est.observed);
    },
  );

  test.prop([options, stream, fc.integer({ min: 0, max: 250 })], { numRuns: 60 })(
    'reset then replay gives the same offsets as a fresh estimator',
    (opts, touches, warmUp) => {
      const reused = new MicroPriceEstimator(opts);
      for (let k = 0; k < warmUp; k++) observe(reused, [100_000 + (k % 7), 1 + (k % 5), 100_001 + (k % 7) + (k % 3), 3]);
      reused.reset();
      const fresh = new MicroPriceEstimator(opts);
      for (const t of touches) {
        observe(reused, t);
        observe(fresh, t);
        expect(offset(reused, t)).toBe(offset(fresh, t));
      }
    },
  );
});
