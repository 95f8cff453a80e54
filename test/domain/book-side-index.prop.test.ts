import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { BookLevels, LevelBuffer, type BookSide } from '../../domain/market/book-side.ts';
import { BookLevelsBefore } from '../support/book-levels-before.ts';

/**
 * The side with its price index against the side as it was before the index (test/support), query
 * for query after every step. Prices move about an anchor that drifts by steps near the index's
 * window (1024 slots at the least, re-based about the levels) and now and then jumps far enough (a million ticks)
 * to leave the side too wide for any window, so the side runs without the index and takes it up
 * again; deltas update, insert and delete near the touch and deep, delete levels not held, and cross
 * the other side's prices; snapshots come best first or in any order, trims cut the side.
 */
type Op =
  | { readonly kind: 'set'; readonly offset: number; readonly size: number }
  | { readonly kind: 'drift'; readonly by: number }
  | { readonly kind: 'trim'; readonly depth: number }
  | { readonly kind: 'snapshot'; readonly levels: ReadonlyArray<readonly [number, number]>; readonly bestFirst: boolean };

const size = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 }));
const offset = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -60, max: 60 }) },
  { weight: 2, arbitrary: fc.integer({ min: -3000, max: 3000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -200_000, max: 200_000 }) },
);
const drift = fc.oneof(
  fc.integer({ min: -40, max: 40 }),
  fc.constantFrom(-513, -512, -511, 511, 512, 513, -1024, 1024, -2048, 2048, 131_000, -131_000),
  fc.constantFrom(-1_000_000, 1_000_000),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 60, arbitrary: fc.record({ kind: fc.constant('set' as const), offset, size }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('drift' as const), by: drift }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('trim' as const), depth: fc.integer({ min: 1, max: 120 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('snapshot' as const),
      levels: fc.array(fc.tuple(offset, fc.integer({ min: 1, max: 1_000_000 })), { maxLength: 120 }),
      bestFirst: fc.boolean(),
    }),
  },
);

function buffer(levels: ReadonlyArray<readonly [number, number]>): LevelBuffer {
  const out = new LevelBuffer(Math.max(1, levels.length));
  levels.forEach(([p, s], k) => {
    out.prices[k] = p;
    out.sizes[k] = s;
  });
  out.count = levels.length;
  return out;
}

const BANDS = [[-2, 0, 7, 60, 400], [0, 1], [1000, 200_000]].map((b) => Float64Array.from(b));

/** Every query of a side, in one array: compared whole, one `expect` a step keeps long runs quick. */
function answers(side: BookLevels | BookLevelsBefore): number[] {
  const out = [side.count, side.bestTicks(), side.bestLots()];
  for (let i = 0; i < side.count; i++) out.push(side.ticksAt(i), side.lotsAt(i));
  for (const levels of [0, 1, 5, 25, 1000]) out.push(side.sumBest(levels));
  for (const distance of [-1, 0, 3, 40, 5000]) out.push(side.sumWithin(distance));
  for (const distances of BANDS) {
    const sums = new Float64Array(distances.length);
    side.cumulativeWithin(distances, sums);
    out.push(...sums);
  }
  return out;
}

function sameQueries(got: BookLevels, want: BookLevelsBefore): void {
  expect(answers(got)).toEqual(answers(want));
}

function run(side: BookSide, capacity: number, ops: readonly Op[]): void {
  const levels = new BookLevels(side, capacity);
  const before = new BookLevelsBefore(side, capacity);
  // Far from zero, so that no drift or offset takes a price to zero or below.
  let anchor = 5_000_000;
  const price = (o: number): number => anchor + (side === 'bid' ? -o : o);
  for (const op of ops) {
    switch (op.kind) {
      case 'set':
        levels.set(price(op.offset), op.size);
        before.set(price(op.offset), op.size);
        break;
      case 'drift':
        anchor += op.by;
        break;
      case 'trim':
        expect(levels.trim(op.depth)).toBe(before.trim(op.depth));
        break;
      case 'snapshot': {
        const unique = [...new Map(op.levels.map(([o, s]) => [price(o), s] as const)).entries()];
        if (op.bestFirst) unique.sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0]));
        levels.replaceWith(buffer(unique));
        before.replaceWith(buffer(unique));
        break;
      }
    }
    sameQueries(levels, before);
  }
}

describe('BookLevels with its price index against the side before it', () => {
  test.prop([fc.constantFrom<BookSide>('bid', 'ask'), fc.constantFrom(1, 4, 256), fc.array(opArb, { minLength: 50, maxLength: 400 })], { numRuns: 60, endOnFailure: true })(
    'answers every query alike after every update, drift, trim and snapshot',
    (side, capacity, ops) => run(side, capacity, ops),
  );

  test.prop([fc.constantFrom<BookSide>('bid', 'ask'), fc.array(fc.tuple(fc.integer({ min: 0, max: 9000 }), size), { minLength: 100, maxLength: 5000 })], { numRuns: 20 })(
    'stays alike through a side that keeps its index while the window moves under it',
    (side, steps) => {
      const levels = new BookLevels(side);
      const before = new BookLevelsBefore(side);
      // A price walking up one tick a step: levels left behind are deleted by the trim of depth 50.
      steps.forEach(([offset, s], k) => {
        const p = 1_000_000 + k + (offset % 120) - 60;
        levels.set(p, s);
        before.set(p, s);
        expect(levels.trim(50)).toBe(before.trim(50));
      });
      sameQueries(levels, before);
    },
  );

  test.prop([fc.constantFrom<BookSide>('bid', 'ask'), fc.integer({ min: 0, max: 6000 }), fc.array(fc.tuple(fc.integer({ min: -80, max: 80 }), size), { minLength: 4200, maxLength: 6000 })], { numRuns: 5 })(
    'stays alike through a side too wide for the index, which takes it up again some updates after the far level goes',
    (side, farGoesAt, steps) => {
      const levels = new BookLevels(side);
      const before = new BookLevelsBefore(side);
      const far = 3_000_000;
      const both = (p: number, s: number): void => {
        levels.set(p, s);
        before.set(p, s);
      };
      both(1_000_000, 5);
      both(far, 7);
      steps.forEach(([offset, s], k) => {
        if (k === farGoesAt) both(far, 0);
        both(1_000_000 + offset, s);
        expect(levels.count).toBe(before.count);
        expect(levels.bestTicks()).toBe(before.bestTicks());
        expect(levels.bestLots()).toBe(before.bestLots());
      });
      sameQueries(levels, before);
    },
  );
});
