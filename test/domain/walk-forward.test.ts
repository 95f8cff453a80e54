import { describe, expect, it } from 'vitest';
import {
  checkFolds,
  describeFoldError,
  walkForwardFolds,
  type Fold,
  type WalkForwardOptions,
} from '../../domain/model/validation/walk-forward.ts';

/** Twelve rows, one every 10 µs: ts 0, 10, ..., 110. */
const ts12 = Array.from({ length: 12 }, (_, i) => i * 10);
const base: WalkForwardOptions = { folds: 2, horizonUs: 10, purgeUs: 10, embargoUs: 10, minTrainRows: 1 };

describe('walkForwardFolds, by hand', () => {
  it('cuts folds + 1 equal blocks, validates each after the first and purges label windows reaching the block', () => {
    const r = walkForwardFolds(ts12, base);
    if (!r.ok) throw new Error(describeFoldError(r.error));
    // Blocks [0,4) [4,8) [8,12). Fold 0 validates [4,8), first ts 40: a training row is dropped when
    // t + 10 ≥ 40 − 10 = 30, i.e. t ≥ 20: rows 2 and 3 go, train [0,2). Fold 1 validates [8,12), first
    // ts 80: dropped when t + 10 ≥ 70, i.e. t ≥ 60: rows 6 and 7 go, train [0,6).
    expect(r.value).toEqual([
      { index: 0, train: [[0, 2]], valid: [4, 8] },
      { index: 1, train: [[0, 6]], valid: [8, 12] },
    ]);
    expect(checkFolds(ts12, r.value, base.horizonUs, base.embargoUs, base.purgeUs).ok).toBe(true);
  });

  it('spreads a remainder over the blocks and purges by time, not by row count', () => {
    // Ten rows into three blocks: bounds ⌊j·10/3⌋ = 0, 3, 6, 10. Repeated times: rows 4..6 share ts 40.
    const ts = [0, 10, 20, 30, 40, 40, 40, 70, 80, 90];
    const r = walkForwardFolds(ts, { ...base, horizonUs: 5, purgeUs: 5, embargoUs: 5 });
    if (!r.ok) throw new Error(describeFoldError(r.error));
    // Fold 0: valid [3,6), first ts 30, dropped when t + 5 ≥ 25, i.e. t ≥ 20: train [0,2).
    // Fold 1: valid [6,10), first ts 40 (row 6), dropped when t ≥ 30: rows 3, 4, 5: train [0,3).
    expect(r.value.map((f) => [f.train, f.valid])).toEqual([
      [[[0, 2]], [3, 6]],
      [[[0, 3]], [6, 10]],
    ]);
  });

  it('refuses a purge or an embargo shorter than the horizon, naming the field', () => {
    const purge = walkForwardFolds(ts12, { ...base, purgeUs: 9 });
    expect(purge).toEqual({ ok: false, error: { kind: 'PurgeTooShort', purgeUs: 9, horizonUs: 10 } });
    if (!purge.ok) expect(describeFoldError(purge.error)).toContain('purgeUs');
    const embargo = walkForwardFolds(ts12, { ...base, embargoUs: 3 });
    expect(embargo).toEqual({ ok: false, error: { kind: 'EmbargoTooShort', embargoUs: 3, horizonUs: 10 } });
    if (!embargo.ok) expect(describeFoldError(embargo.error)).toContain('embargoUs');
  });

  it('refuses bad options, unordered times, too few rows and too few training rows', () => {
    const message = (ts: readonly number[], o: WalkForwardOptions): string => {
      const r = walkForwardFolds(ts, o);
      if (r.ok) throw new Error('expected an error');
      return describeFoldError(r.error);
    };
    expect(message(ts12, { ...base, folds: 0 })).toMatch(/^folds must be an integer ≥ 1, got 0/);
    expect(message(ts12, { ...base, minTrainRows: 1.5 })).toMatch(/^minTrainRows/);
    expect(message(ts12, { ...base, horizonUs: NaN })).toMatch(/^horizonUs/);
    expect(message([0, 10, 5, 20], base)).toBe('ts[2] = 5 µs must be finite and not before ts[1] = 10 µs');
    expect(message([0, 10], base)).toBe('2 rows cannot be cut into 3 blocks (folds + 1)');
    // Fold 0 keeps 2 training rows (first test), fewer than 3.
    expect(message(ts12, { ...base, minTrainRows: 3 })).toBe('fold 0 has 2 training rows after the purge, fewer than minTrainRows 3');
    // A purge as long as the first block leaves fold 0 with nothing.
    const r = walkForwardFolds(ts12, { ...base, purgeUs: 40 });
    expect(r).toEqual({ ok: false, error: { kind: 'TooFewTrainRows', fold: 0, trainRows: 0, minTrainRows: 1 } });
  });
});

describe('checkFolds catches planted leaks', () => {
  // Validation rows [4,8): ts 40..70. Horizon 10 µs, embargo 20 µs.
  const fold = (train: Fold['train']): Fold[] => [{ index: 3, train, valid: [4, 8] }];
  const check = (train: Fold['train'], purgeUs = 0) => checkFolds(ts12, fold(train), 10, 20, purgeUs);

  it('passes a clean split, with rows before the purge and after the embargo', () => {
    // Row 2 (t 20): window [20, 30] ends before 40. Row 10 (t 100) is past 70 + 20.
    expect(check([[0, 3], [10, 12]]).ok).toBe(true);
  });

  it('catches a label window reaching into the validation block (a missing purge)', () => {
    // Row 3 (t 30): its window [30, 40] reaches the first validation time, 40.
    const r = check([[0, 4]]);
    expect(r).toEqual({ ok: false, error: { kind: 'LabelOverlap', fold: 3, row: 3, ts: 30, limitTs: 40, validFromTs: 40, validToTs: 70 } });
    if (!r.ok) expect(describeFoldError(r.error)).toMatch(/^fold 3: training row 3 \(ts 30 µs\)/);
  });

  it('with the split purge, catches a label window reaching into the purge zone', () => {
    // Row 2 (t 20): [20, 30] misses the block but reaches 40 − 10 = 30, inside the purge.
    expect(check([[0, 3]]).ok).toBe(true);
    const r = check([[0, 3]], 10);
    expect(r.ok || r.error).toMatchObject({ kind: 'LabelOverlap', fold: 3, row: 2, ts: 20, limitTs: 30 });
  });

  it('catches a training row that is a validation row', () => {
    const r = check([[0, 2], [5, 6]]);
    expect(r).toEqual({ ok: false, error: { kind: 'TrainIsValid', fold: 3, row: 5, ts: 50 } });
    if (!r.ok) expect(describeFoldError(r.error)).toBe('fold 3: training row 5 (ts 50 µs) is also a validation row');
  });

  it('catches a training row inside the embargo after the validation block', () => {
    // Row 9 (t 90) lies in (70, 70 + 20].
    const r = check([[0, 2], [9, 12]]);
    expect(r).toEqual({ ok: false, error: { kind: 'InEmbargo', fold: 3, row: 9, ts: 90, validToTs: 70, embargoUs: 20 } });
    if (!r.ok) expect(describeFoldError(r.error)).toContain('fold 3: training row 9 (ts 90 µs) lies in the 20 µs embargo');
  });

  it('catches a row right after the block whose window the validation labels overlap, even with no embargo', () => {
    // Row 8 (t 80) ≤ 70 + 10: the last validation label's window [70, 80] reaches it.
    const r = checkFolds(ts12, fold([[8, 9]]), 10, 0);
    expect(r.ok || r.error).toMatchObject({ kind: 'LabelOverlap', row: 8 });
  });

  it('refuses ranges outside the rows or empty validation', () => {
    const r = check([[0, 13]]);
    expect(r.ok || describeFoldError(r.error)).toBe('fold 3: train[0] [0, 13) is not a valid row range of 12 rows');
    const empty = checkFolds(ts12, [{ index: 1, train: [[0, 2]], valid: [5, 5] }], 10, 10);
    expect(empty.ok || empty.error).toMatchObject({ kind: 'BadRange', fold: 1, field: 'valid' });
  });
});
