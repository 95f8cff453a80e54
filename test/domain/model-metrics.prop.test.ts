import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { averageRanks, pearson, spearman } from '../../domain/model/validation/metrics.ts';

/** Values with many ties, negative zeros among them. */
const valuesArb = fc.array(fc.oneof(fc.integer({ min: -4, max: 4 }), fc.constant(-0), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { maxLength: 60 });

describe('ranks and correlations, for any values', () => {
  test.prop([valuesArb])('rank = (number below) + (number equal + 1) / 2', (v) => {
    const expected = v.map((x) => v.filter((y) => y < x).length + (v.filter((y) => y === x).length + 1) / 2);
    expect([...averageRanks(v)]).toEqual(expected);
  });

  test.prop([valuesArb.chain((a) => fc.tuple(fc.constant(a), fc.array(fc.integer({ min: -5, max: 5 }), { minLength: a.length, maxLength: a.length })))])(
    'Spearman is Pearson on ranks, in [−1, 1], symmetric and blind to monotone maps',
    ([a, b]) => {
      const rho = spearman(a, b);
      if (Number.isNaN(rho)) {
        expect(a.length < 2 || new Set(a.map((x) => x + 0)).size < 2 || new Set(b).size < 2).toBe(true);
        return;
      }
      expect(rho).toBeGreaterThanOrEqual(-1);
      expect(rho).toBeLessThanOrEqual(1);
      expect(spearman(b, a)).toBeCloseTo(rho, 12);
      expect(rho).toBeCloseTo(pearson(averageRanks(a), averageRanks(b)), 12);
      // Maps that are strictly monotone in floating point too (no two values collapse into one).
      expect(spearman(a.map((x) => 2 * x), b.map((y) => y ** 3 + y))).toBeCloseTo(rho, 12);
      expect(spearman(a.map((x) => -x), b)).toBeCloseTo(-rho, 12);
    },
  );
});
