import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { calibrate, checkCalibration } from '../../domain/model/calibration.ts';
import { fitIsotonic } from '../../domain/model/validation/isotonic.ts';
import { fitPlatt } from '../../domain/model/validation/platt.ts';

interface Row {
  readonly x: number;
  readonly y: number;
}

const sse = (rows: readonly Row[], f: (x: number) => number): number => rows.reduce((s, r) => s + (f(r.x) - r.y) ** 2, 0);

/**
 * The least squared error of any non-decreasing fit, by brute force: the best monotone fit is constant
 * on runs of consecutive distinct x, at each run's mean, so try every way of cutting the distinct x
 * into runs and keep the monotone ones.
 */
function bruteForceSse(rows: readonly Row[]): number {
  const xs = [...new Set(rows.map((r) => r.x))].sort((a, b) => a - b);
  const m = xs.length;
  let best = Infinity;
  for (let cuts = 0; cuts < 1 << (m - 1); cuts++) {
    const means: number[] = [];
    let error = 0;
    let start = 0;
    for (let i = 0; i < m; i++) {
      if (i < m - 1 && !(cuts & (1 << i))) continue;
      const run = rows.filter((r) => r.x >= xs[start] && r.x <= xs[i]);
      const mean = run.reduce((s, r) => s + r.y, 0) / run.length;
      error += sse(run, () => mean);
      means.push(mean);
      start = i + 1;
    }
    if (means.every((v, k) => k === 0 || v >= means[k - 1])) best = Math.min(best, error);
  }
  return best;
}

const tinyRows = fc.array(fc.record({ x: fc.integer({ min: 0, max: 5 }), y: fc.constantFrom(0, 1) }), { minLength: 1, maxLength: 9 });
const rows = fc.array(fc.record({ x: fc.double({ min: 0, max: 50, noNaN: true }), y: fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })) }), {
  minLength: 1,
  maxLength: 200,
});

describe('fitIsotonic, for any sample', () => {
  test.prop([tinyRows])('has the least squared error of any monotone fit (brute force over pools)', (rs) => {
    const c = fitIsotonic(
      rs.map((r) => r.x),
      rs.map((r) => r.y),
    );
    expect(sse(rs, (x) => calibrate(c, x))).toBeCloseTo(bruteForceSse(rs), 9);
  });

  test.prop([rows, fc.integer({ min: 2, max: 80 })])('is a valid curve, non-decreasing and within [0, 1], with at most maxPoints points', (rs, maxPoints) => {
    const c = fitIsotonic(
      rs.map((r) => r.x),
      rs.map((r) => r.y),
      maxPoints,
    );
    if (c.kind !== 'isotonic') throw new Error('expected an isotonic curve');
    expect(checkCalibration(c)).toBeNull();
    expect(c.x.length).toBeLessThanOrEqual(maxPoints);
    const curve = Array.from({ length: 205 }, (_, k) => calibrate(c, k / 4));
    const wrong = curve.filter((p, k) => !(p >= 0 && p <= 1 && (k === 0 || p >= curve[k - 1])));
    expect(wrong).toEqual([]);
  });
});

describe('fitPlatt, for any sample', () => {
  test.prop([fc.array(fc.record({ x: fc.double({ min: 0, max: 1000, noNaN: true }), y: fc.constantFrom(0, 1) }), { minLength: 1, maxLength: 60 })])(
    'returns finite a and b',
    (rs) => {
      const c = fitPlatt(
        rs.map((r) => r.x),
        rs.map((r) => r.y),
      );
      expect(checkCalibration(c)).toBeNull();
    },
  );
});
