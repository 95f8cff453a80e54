import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Emd } from '../../domain/features/hht/emd.ts';
import { HhtFeatures } from '../../domain/features/hht/hht-features.ts';

const N = 256;
const hht = new HhtFeatures(N);
const emd = new Emd(N);

function expectFeaturesSane(f: Float64Array): void {
  for (const v of f) expect(Number.isFinite(v)).toBe(true);
  for (const k of [0, 2, 4]) expect(f[k]).toBeGreaterThanOrEqual(0);
  expect(f[6]).toBeGreaterThanOrEqual(0);
  expect(f[6]).toBeLessThanOrEqual(1);
}

describe('HhtFeatures properties', () => {
  test.prop([fc.array(fc.double({ min: -1e300, max: 1e300, noNaN: true }), { minLength: N, maxLength: N })], { numRuns: 60 })(
    'features are finite for any finite window',
    (values) => {
      expectFeaturesSane(hht.compute(Float64Array.from(values)));
    },
  );

  test.prop([fc.integer({ min: -2e6, max: 2e6 }), fc.array(fc.integer({ min: -3, max: 3 }), { minLength: N, maxLength: N })], { numRuns: 60 })(
    'features are finite on integer-tick random walks (plateaus included) and the decomposition sums back',
    (start, steps) => {
      const x = new Float64Array(N);
      let p = start;
      for (let t = 0; t < N; t++) {
        p += steps[t];
        x[t] = p;
      }
      expectFeaturesSane(hht.compute(x));
      const r = emd.decompose(x);
      for (let t = 0; t < N; t++) {
        let sum = r.residue[t];
        for (let k = 0; k < r.imfCount; k++) sum += r.imf(k)[t];
        expect(Math.abs(sum - x[t])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(x[t])));
      }
    },
  );

  test.prop([fc.double({ min: -1e12, max: 1e12, noNaN: true })])('a constant window reads all zeros', (level) => {
    expect(Array.from(hht.compute(new Float64Array(N).fill(level)))).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });
});
