import { describe, expect, it } from 'vitest';
import { calibrate, checkCalibration, type Calibration } from '../../domain/model/calibration.ts';
import { fitIsotonic } from '../../domain/model/validation/isotonic.ts';
import { fitPlatt } from '../../domain/model/validation/platt.ts';

/** mulberry32: a small seeded generator, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('calibrate', () => {
  const iso: Calibration = { kind: 'isotonic', x: [1, 2, 4], y: [0.2, 0.4, 0.8] };

  it('reads an isotonic curve piecewise-linearly, flat beyond its ends, on |score|', () => {
    expect(calibrate(iso, 0.5)).toBe(0.2);
    expect(calibrate(iso, 1)).toBe(0.2);
    expect(calibrate(iso, 1.5)).toBeCloseTo(0.3, 12);
    expect(calibrate(iso, 3)).toBeCloseTo(0.6, 12);
    expect(calibrate(iso, -3)).toBeCloseTo(0.6, 12);
    expect(calibrate(iso, 4)).toBe(0.8);
    expect(calibrate(iso, 100)).toBe(0.8);
    expect(calibrate({ kind: 'isotonic', x: [3], y: [0.7] }, 10)).toBe(0.7);
  });

  it('reads a Platt curve as 1 / (1 + exp(a·|s| + b))', () => {
    const platt: Calibration = { kind: 'platt', a: -1, b: 0.5 };
    expect(calibrate(platt, 0)).toBeCloseTo(1 / (1 + Math.exp(0.5)), 12);
    expect(calibrate(platt, -2)).toBeCloseTo(1 / (1 + Math.exp(-1.5)), 12);
    // Far tails saturate without NaN.
    expect(calibrate(platt, 1e6)).toBe(1);
    expect(calibrate({ kind: 'platt', a: 1, b: 0 }, 1e6)).toBe(0);
  });
});

describe('checkCalibration', () => {
  it('accepts a valid curve and names the first bad field', () => {
    expect(checkCalibration({ kind: 'isotonic', x: [0, 1], y: [0.1, 0.1] })).toBeNull();
    expect(checkCalibration({ kind: 'platt', a: -0.3, b: 1 })).toBeNull();
    expect(checkCalibration({ kind: 'isotonic', x: [], y: [] })).toBe('x must hold at least one point');
    expect(checkCalibration({ kind: 'isotonic', x: [0, 1], y: [0.5] })).toBe('y must hold one probability per x (2), got 1');
    expect(checkCalibration({ kind: 'isotonic', x: [0, 1, 1], y: [0, 0, 0] })).toBe('x[2] must be greater than x[1]');
    expect(checkCalibration({ kind: 'isotonic', x: [-1], y: [0] })).toBe('x[0] must be a finite |score| ≥ 0, got -1');
    expect(checkCalibration({ kind: 'isotonic', x: [0, 1], y: [0.5, 1.5] })).toBe('y[1] must be a probability in [0, 1], got 1.5');
    expect(checkCalibration({ kind: 'isotonic', x: [0, 1, 2], y: [0.5, 0.6, 0.4] })).toBe('y[2] must not be less than y[1]');
    expect(checkCalibration({ kind: 'platt', a: NaN, b: 0 })).toBe('a must be a finite number, got NaN');
    expect(checkCalibration({ kind: 'platt', a: 0, b: Infinity })).toBe('b must be a finite number, got Infinity');
  });
});

describe('fitIsotonic', () => {
  it('pools adjacent violators (hand example)', () => {
    // x 1..7, y 0 1 0 0 1 1 0. PAV, left to right:
    //   {1}:0, {2}:1; 0 at x 3 violates: {2,3}:1/2; 0 at x 4 violates: {2,3,4}:1/3 (above {1}:0, kept);
    //   {5}:1; 1 at x 6 ties: {5,6}:1; 0 at x 7 violates: {5,6,7}:2/3 (above 1/3, kept).
    // Blocks {1}:0, {2,3,4}:1/3, {5,6,7}:2/3, each drawn from its first to its last x.
    const c = fitIsotonic([1, 2, 3, 4, 5, 6, 7], [0, 1, 0, 0, 1, 1, 0]);
    if (c.kind !== 'isotonic') throw new Error('expected an isotonic curve');
    expect(c.x).toEqual([1, 2, 4, 5, 7]);
    expect(c.y.map((v) => v * 3)).toEqual([0, 1, 1, 2, 2].map((v) => expect.closeTo(v, 12) as number));
    expect(calibrate(c, 3)).toBeCloseTo(1 / 3, 12);
    expect(calibrate(c, 4.5)).toBeCloseTo(0.5, 12);
    expect(checkCalibration(c)).toBeNull();
  });

  it('merges equal scores into one weighted point, in any row order', () => {
    // x 2 twice (1 and 0) and x 1 once (0): points (1, 0) and (2, 1/2), already monotone.
    expect(fitIsotonic([2, 2, 1], [1, 0, 0])).toEqual({ kind: 'isotonic', x: [1, 2], y: [0, 0.5] });
    expect(fitIsotonic([5, 5], [1, 1])).toEqual({ kind: 'isotonic', x: [5], y: [1] });
  });

  it('keeps at most maxPoints points, still monotone and close to the full fit', () => {
    // 200 distinct scores with a rising rate: 200 one-point blocks, pooled into 32 (or 4) groups.
    const x = Array.from({ length: 200 }, (_, i) => i);
    const y = x.map((i) => i / 199);
    for (const maxPoints of [64, 9]) {
      const c = fitIsotonic(x, y, maxPoints);
      if (c.kind !== 'isotonic') throw new Error('expected an isotonic curve');
      expect(checkCalibration(c)).toBeNull();
      expect(c.x.length).toBeLessThanOrEqual(maxPoints);
      expect(c.x.length).toBeGreaterThan(maxPoints / 2);
      // Each group spans about 200 / groups scores, so the curve is within one group's rise of the data.
      const groups = Math.floor(maxPoints / 2);
      for (let i = 0; i < 200; i += 7) expect(Math.abs(calibrate(c, i) - y[i])).toBeLessThanOrEqual(1 / groups + 1e-9);
    }
  });

  it('refuses bad input, naming it', () => {
    expect(() => fitIsotonic([], [])).toThrow('absScore must hold at least one row');
    expect(() => fitIsotonic([1, -1], [1, 0])).toThrow('absScore[1] must be a finite number ≥ 0, got -1');
    expect(() => fitIsotonic([1], [2])).toThrow('right[0] must be in [0, 1] (1 right, 0 wrong), got 2');
    expect(() => fitIsotonic([1], [1], 1)).toThrow('maxPoints must be an integer ≥ 2, got 1');
  });
});

describe('fitPlatt', () => {
  it('recovers a known logistic curve from 20k seeded samples', () => {
    const [a, b] = [-0.5, 1.5];
    const random = mulberry32(20_240_601);
    const s: number[] = [];
    const right: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = 10 * random();
      s.push(x);
      right.push(random() < 1 / (1 + Math.exp(a * x + b)) ? 1 : 0);
    }
    const c = fitPlatt(s, right);
    if (c.kind !== 'platt') throw new Error('expected a Platt curve');
    // From the Fisher information, the standard errors at this sample size are about 0.008 for a and
    // 0.035 for b; allow four of them.
    expect(Math.abs(c.a - a)).toBeLessThan(0.03);
    expect(Math.abs(c.b - b)).toBeLessThan(0.14);
  });

  it('stays finite on separable and one-sided samples, thanks to the smoothed targets', () => {
    // Every score above 1 is right and every one below wrong: plain maximum likelihood would diverge.
    const separable = fitPlatt([0, 0.5, 0.9, 1.1, 2, 3], [0, 0, 0, 1, 1, 1]);
    expect(checkCalibration(separable)).toBeNull();
    expect(calibrate(separable, 3)).toBeGreaterThan(0.5);
    expect(calibrate(separable, 0)).toBeLessThan(0.5);
    // All right: N₊ = 3, target (3 + 1) / (3 + 2) = 0.8 for every row, a constant curve at 0.8.
    const allRight = fitPlatt([1, 2, 3], [1, 1, 1]);
    expect(checkCalibration(allRight)).toBeNull();
    expect(calibrate(allRight, 2)).toBeCloseTo(0.8, 4);
  });

  it('refuses bad input, naming it', () => {
    expect(() => fitPlatt([1, 2], [1])).toThrow('absScore and right must have equal lengths, got 2 and 1');
    expect(() => fitPlatt([1], [0.5])).toThrow('right[0] must be 1 (right) or 0 (wrong), got 0.5');
  });
});
