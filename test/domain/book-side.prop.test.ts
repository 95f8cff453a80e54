import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { BookLevels, LevelBuffer, type BookSide } from '../../domain/market/book-side.ts';

/**
 * One side of a book against a sorted list, through long runs of updates on books deep enough that
 * inserts and deletes move many levels (both by hand and by `copyWithin`), at either end, with trims,
 * snapshots and growth from a small capacity.
 */
type Op =
  | { readonly kind: 'set'; readonly price: number; readonly size: number }
  | { readonly kind: 'trim'; readonly depth: number }
  | { readonly kind: 'snapshot'; readonly levels: ReadonlyArray<readonly [number, number]>; readonly bestFirst: boolean };

const price = fc.integer({ min: 1, max: 300 });
const size = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 40, arbitrary: fc.record({ kind: fc.constant('set' as const), price, size }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('trim' as const), depth: fc.integer({ min: 1, max: 200 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('snapshot' as const),
      levels: fc.array(fc.tuple(price, fc.integer({ min: 1, max: 1_000_000 })), { maxLength: 250, size: 'max' }),
      bestFirst: fc.boolean(),
    }),
  },
);

/** Best first: bids descending, asks ascending. */
function sorted(reference: Map<number, number>, side: BookSide): Array<readonly [number, number]> {
  return [...reference.entries()].sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0]));
}

function buffer(levels: ReadonlyArray<readonly [number, number]>): LevelBuffer {
  const out = new LevelBuffer(Math.max(1, levels.length));
  levels.forEach(([p, s], k) => {
    out.prices[k] = p;
    out.sizes[k] = s;
  });
  out.count = levels.length;
  return out;
}

function run(side: BookSide, capacity: number, ops: readonly Op[]): void {
  const levels = new BookLevels(side, capacity);
  const reference = new Map<number, number>();
  let step = 0;
  for (const op of ops) {
    if (op.kind === 'set') {
      levels.set(op.price, op.size);
      if (op.size === 0) reference.delete(op.price);
      else reference.set(op.price, op.size);
    } else if (op.kind === 'trim') {
      const before = reference.size;
      expect(levels.trim(op.depth)).toBe(Math.max(0, before - op.depth));
      for (const [p] of sorted(reference, side).slice(op.depth)) reference.delete(p);
    } else {
      const unique = [...new Map(op.levels).entries()];
      const input = op.bestFirst ? sorted(new Map(unique), side) : op.levels;
      levels.replaceWith(buffer(input));
      reference.clear();
      for (const [p, s] of input) reference.set(p, s);
    }
    expect(levels.count).toBe(reference.size);
    // A full comparison after every few operations keeps a long run quick.
    if (++step % 7 !== 0) continue;
    const expected = sorted(reference, side);
    const got = expected.map((_, i) => [levels.ticksAt(i), levels.lotsAt(i)] as const);
    expect(got).toEqual(expected);
    expect(levels.bestTicks()).toBe(expected[0]?.[0] ?? 0);
    expect(levels.bestLots()).toBe(expected[0]?.[1] ?? 0);
    expect(levels.sumBest(10)).toBe(expected.slice(0, 10).reduce((sum, [, q]) => sum + q, 0));
    const best = expected[0]?.[0] ?? 0;
    const within = (d: number): number => expected.filter(([p]) => d >= 0 && Math.abs(p - best) <= d).reduce((sum, [, q]) => sum + q, 0);
    expect(levels.sumWithin(40)).toBe(within(40));
    const distances = Float64Array.from([-1, 5, 60, 150, 400]);
    const out = new Float64Array(distances.length);
    levels.cumulativeWithin(distances, out);
    expect([...out]).toEqual([...distances].map(within));
  }
}

describe('BookLevels against a sorted list', () => {
  test.prop([fc.constantFrom<BookSide>('bid', 'ask'), fc.constantFrom(1, 4, 256), fc.array(opArb, { minLength: 300, maxLength: 600, size: 'max' })], { numRuns: 20, endOnFailure: true })(
    'holds the same levels, sums and bands after any run of updates, trims and snapshots',
    (side, capacity, ops) => run(side, capacity, ops),
  );
});
