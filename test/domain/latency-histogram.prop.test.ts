import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { LatencyHistogram } from '../../domain/stats/latency-histogram.ts';

describe('LatencyHistogram', () => {
  test.prop([fc.array(fc.integer({ min: 0, max: 2 ** 36 }), { minLength: 1, maxLength: 400 }), fc.double({ min: 0, max: 1, noNaN: true })])(
    'a quantile is within 1/16 above the exact order statistic, never below it',
    (values, q) => {
      const h = new LatencyHistogram();
      for (const v of values) h.record(v);
      const sorted = [...values].sort((a, b) => a - b);
      const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
      const estimate = h.quantile(q)!;
      expect(estimate).toBeGreaterThanOrEqual(exact);
      expect(estimate).toBeLessThanOrEqual(Math.max(exact, Math.floor(exact * (1 + 1 / 16)) + 1));
    },
  );

  it('summarises count, extremes and mean exactly, and keeps negatives apart', () => {
    const h = new LatencyHistogram();
    for (const v of [3, 5, 1000, 250_000]) h.record(v);
    h.record(-7);
    expect(h.summary()).toMatchObject({ count: 4, negative: 1, min: 3, max: 250_000, mean: (3 + 5 + 1000 + 250_000) / 4 });
    expect(h.quantile(0)).toBe(3);
    expect(h.quantile(1)).toBe(250_000);
    expect(new LatencyHistogram().summary()).toMatchObject({ count: 0, p50: null, min: null });
  });
});
