import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { checkFolds, walkForwardFolds, type Fold } from '../../domain/model/validation/walk-forward.ts';

/**
 * Non-decreasing times with repeats, small steps and gaps longer than any horizon, on a 5 µs grid so
 * that label windows often end exactly on a purge limit.
 */
const tsArb = fc
  .array(fc.oneof(fc.constant(0), fc.constantFrom(5, 10), fc.integer({ min: 4, max: 16 }).map((k) => 5 * k)), { minLength: 0, maxLength: 150 })
  .map((steps) => {
    let t = 1_000;
    return steps.map((dt) => (t += dt));
  });
const optionsArb = fc
  .record({
    folds: fc.integer({ min: 1, max: 6 }),
    horizonUs: fc.constantFrom(0, 5, 10, 20, 40),
    extraPurge: fc.constantFrom(0, 5, 30),
    extraEmbargo: fc.constantFrom(0, 5, 30),
    minTrainRows: fc.integer({ min: 1, max: 4 }),
  })
  .map(({ extraPurge, extraEmbargo, ...o }) => ({ ...o, purgeUs: o.horizonUs + extraPurge, embargoUs: o.horizonUs + extraEmbargo }));

describe('walkForwardFolds, for any times and options', () => {
  test.prop([tsArb, optionsArb])('never leaks, drops no more than the purge requires, and validates consecutive blocks', (ts, o) => {
    const r = walkForwardFolds(ts, o);
    if (!r.ok) {
      expect(['TooFewRows', 'TooFewTrainRows']).toContain(r.error.kind);
      if (r.error.kind === 'TooFewRows') expect(ts.length).toBeLessThan(o.folds + 1);
      return;
    }
    const folds: readonly Fold[] = r.value;
    expect(checkFolds(ts, folds, o.horizonUs, o.embargoUs, o.purgeUs)).toEqual({ ok: true, value: undefined });
    expect(folds).toHaveLength(o.folds);
    // The validation blocks tile the rows after the first block, in order.
    expect(folds[folds.length - 1].valid[1]).toBe(ts.length);
    folds.forEach((f, k) => {
      if (k > 0) expect(f.valid[0]).toBe(folds[k - 1].valid[1]);
      expect(f.valid[1] - f.valid[0]).toBeGreaterThanOrEqual(Math.floor(ts.length / (o.folds + 1)));
      // Training is exactly the earlier rows whose label window ends before first valid ts − purge.
      const expected = ts.slice(0, f.valid[0]).filter((t) => t + o.horizonUs < ts[f.valid[0]] - o.purgeUs).length;
      const trainRows = f.train.reduce((s, [a, b]) => s + b - a, 0);
      expect(trainRows).toBe(expected);
      expect(trainRows).toBeGreaterThanOrEqual(o.minTrainRows);
    });
  });

  test.prop([tsArb.filter((ts) => ts.length >= 4), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 })])(
    'checkFolds agrees with a row-by-row reading of the rules on arbitrary one-range splits',
    (ts, horizonUs, a, b) => {
      const n = ts.length;
      const vStart = a % (n - 1);
      const vEnd = vStart + 1 + (b % (n - vStart));
      const train: [number, number] = [b % n, Math.max(b % n, (a * 7) % (n + 1))];
      const embargoUs = horizonUs * 2;
      const leaks: number[] = [];
      for (let i = train[0]; i < train[1]; i++) {
        const inValid = i >= vStart && i < vEnd;
        const overlaps = ts[i] <= ts[vEnd - 1] + horizonUs && ts[i] + horizonUs >= ts[vStart];
        const inEmbargo = ts[i] > ts[vEnd - 1] && ts[i] <= ts[vEnd - 1] + embargoUs;
        if (inValid || overlaps || inEmbargo) leaks.push(i);
      }
      const r = checkFolds(ts, [{ index: 0, train: [train], valid: [vStart, vEnd] }], horizonUs, embargoUs);
      if (leaks.length === 0) expect(r.ok).toBe(true);
      else expect(r.ok || r.error).toMatchObject({ fold: 0, row: leaks[0] });
    },
  );
});
