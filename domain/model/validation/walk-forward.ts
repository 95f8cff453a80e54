import { err, ok, type Result } from '../../result.ts';

/**
 * Walk-forward splits that respect time. Rows are in time order (`ts` in µs, non-decreasing) and each
 * row's label is the move over [ts, ts + horizonUs], so a training row whose label window reaches the
 * validation block has seen part of the validation future; it is purged. An embargo keeps rows just
 * after a validation block out of the training set of that block. (López de Prado, "Advances in
 * Financial Machine Learning", ch. 7: purging and embargo.)
 */
export interface WalkForwardOptions {
  /** Number of folds, an integer ≥ 1; the rows are cut into folds + 1 blocks. */
  readonly folds: number;
  /** The longest label horizon, µs. */
  readonly horizonUs: number;
  /** Gap before each validation block, µs; at least horizonUs. */
  readonly purgeUs: number;
  /** Gap after each validation block, µs; at least horizonUs. */
  readonly embargoUs: number;
  /** The least number of training rows a fold may have, an integer ≥ 1. */
  readonly minTrainRows: number;
}

/** A half-open row range [start, end). */
export type RowRange = readonly [start: number, end: number];

export interface Fold {
  readonly index: number;
  /** Training rows, as disjoint half-open ranges in row order. */
  readonly train: readonly RowRange[];
  readonly valid: RowRange;
}

export type FoldError =
  | { readonly kind: 'BadOption'; readonly field: keyof WalkForwardOptions; readonly value: number; readonly expected: string }
  | { readonly kind: 'PurgeTooShort'; readonly purgeUs: number; readonly horizonUs: number }
  | { readonly kind: 'EmbargoTooShort'; readonly embargoUs: number; readonly horizonUs: number }
  | { readonly kind: 'TimesNotOrdered'; readonly row: number; readonly ts: number; readonly previousTs: number }
  | { readonly kind: 'TooFewRows'; readonly rows: number; readonly blocks: number }
  | { readonly kind: 'TooFewTrainRows'; readonly fold: number; readonly trainRows: number; readonly minTrainRows: number };

export type LeakError =
  | { readonly kind: 'BadRange'; readonly fold: number; readonly field: string; readonly start: number; readonly end: number; readonly rows: number }
  | { readonly kind: 'TrainIsValid'; readonly fold: number; readonly row: number; readonly ts: number }
  | {
      readonly kind: 'LabelOverlap';
      readonly fold: number;
      readonly row: number;
      readonly ts: number;
      /** The earliest time the row's label window may not reach: first valid ts − purge. */
      readonly limitTs: number;
      readonly validFromTs: number;
      readonly validToTs: number;
    }
  | { readonly kind: 'InEmbargo'; readonly fold: number; readonly row: number; readonly ts: number; readonly validToTs: number; readonly embargoUs: number };

function checkOptions(o: WalkForwardOptions): FoldError | null {
  const bad = (field: keyof WalkForwardOptions, expected: string): FoldError => ({ kind: 'BadOption', field, value: o[field], expected });
  if (!Number.isInteger(o.folds) || o.folds < 1) return bad('folds', 'an integer ≥ 1');
  if (!Number.isInteger(o.minTrainRows) || o.minTrainRows < 1) return bad('minTrainRows', 'an integer ≥ 1');
  if (!Number.isFinite(o.horizonUs) || o.horizonUs < 0) return bad('horizonUs', 'a finite number of µs ≥ 0');
  if (!Number.isFinite(o.purgeUs)) return bad('purgeUs', 'a finite number of µs');
  if (!Number.isFinite(o.embargoUs)) return bad('embargoUs', 'a finite number of µs');
  if (o.purgeUs < o.horizonUs) return { kind: 'PurgeTooShort', purgeUs: o.purgeUs, horizonUs: o.horizonUs };
  if (o.embargoUs < o.horizonUs) return { kind: 'EmbargoTooShort', embargoUs: o.embargoUs, horizonUs: o.horizonUs };
  return null;
}

function checkTimes(ts: ArrayLike<number>): FoldError | null {
  for (let i = 0; i < ts.length; i++) {
    const previousTs = i === 0 ? -Infinity : ts[i - 1];
    if (!Number.isFinite(ts[i]) || ts[i] < previousTs) return { kind: 'TimesNotOrdered', row: i, ts: ts[i], previousTs };
  }
  return null;
}

/**
 * Expanding-window folds: the rows are cut into folds + 1 consecutive blocks of (nearly) equal row
 * count, block j being rows [⌊j·n/(folds+1)⌋, ⌊(j+1)·n/(folds+1)⌋); fold k validates block k + 1 and
 * trains on the rows before it whose label window [t, t + horizonUs] ends before the block's first
 * ts − purgeUs. Training rows all precede the validation block, so the embargo holds by construction.
 */
export function walkForwardFolds(ts: ArrayLike<number>, o: WalkForwardOptions): Result<readonly Fold[], FoldError> {
  const bad = checkOptions(o) ?? checkTimes(ts);
  if (bad) return err(bad);
  const n = ts.length;
  const blocks = o.folds + 1;
  if (n < blocks) return err({ kind: 'TooFewRows', rows: n, blocks });
  const bound = (j: number): number => Math.floor((j * n) / blocks);
  const folds: Fold[] = [];
  for (let k = 0; k < o.folds; k++) {
    const start = bound(k + 1);
    const end = bound(k + 2);
    const limit = ts[start] - o.purgeUs;
    // Times are non-decreasing, so the kept rows are a prefix: walk back over the purged ones.
    let trainEnd = start;
    while (trainEnd > 0 && ts[trainEnd - 1] + o.horizonUs >= limit) trainEnd--;
    if (trainEnd < o.minTrainRows) return err({ kind: 'TooFewTrainRows', fold: k, trainRows: trainEnd, minTrainRows: o.minTrainRows });
    folds.push({ index: k, train: [[0, trainEnd]], valid: [start, end] });
  }
  return ok(folds);
}

function checkRange(fold: number, field: string, r: RowRange, n: number, nonEmpty: boolean): LeakError | null {
  const [start, end] = r;
  const fine = Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= n && (nonEmpty ? start < end : start <= end);
  return fine ? null : { kind: 'BadRange', fold, field, start, end, rows: n };
}

function checkFold(ts: ArrayLike<number>, f: Fold, horizonUs: number, embargoUs: number, purgeUs: number): LeakError | null {
  const n = ts.length;
  const badValid = checkRange(f.index, 'valid', f.valid, n, true);
  if (badValid) return badValid;
  const [vStart, vEnd] = f.valid;
  let validFromTs = Infinity;
  let validToTs = -Infinity;
  for (let i = vStart; i < vEnd; i++) {
    validFromTs = Math.min(validFromTs, ts[i]);
    validToTs = Math.max(validToTs, ts[i]);
  }
  const limitTs = validFromTs - purgeUs;
  for (let r = 0; r < f.train.length; r++) {
    const badTrain = checkRange(f.index, `train[${r}]`, f.train[r], n, false);
    if (badTrain) return badTrain;
    const [tStart, tEnd] = f.train[r];
    for (let row = tStart; row < tEnd; row++) {
      const t = ts[row];
      if (row >= vStart && row < vEnd) return { kind: 'TrainIsValid', fold: f.index, row, ts: t };
      if (t > validToTs && t <= validToTs + embargoUs) return { kind: 'InEmbargo', fold: f.index, row, ts: t, validToTs, embargoUs };
      // The label window [t, t + h] against the validation span widened by the purge before it and
      // by the validation rows' own label windows after it.
      if (t <= validToTs + horizonUs && t + horizonUs >= limitTs) {
        return { kind: 'LabelOverlap', fold: f.index, row, ts: t, limitTs, validFromTs, validToTs };
      }
    }
  }
  return null;
}

/**
 * An independent check of any split, expanding or not: for every fold and training row i, the label
 * window [ts[i], ts[i] + horizonUs] must not overlap [first valid ts − purgeUs, last valid ts + horizonUs],
 * no training row may lie in (last valid ts, last valid ts + embargoUs], and no training row may be a
 * validation row. `purgeUs` defaults to 0 (only a direct overlap is a leak); pass the split's purge to
 * check it too. The first leak found is returned, naming the fold, the row and its time.
 */
export function checkFolds(
  ts: ArrayLike<number>,
  folds: readonly Fold[],
  horizonUs: number,
  embargoUs: number,
  purgeUs = 0,
): Result<void, LeakError> {
  for (const f of folds) {
    const leak = checkFold(ts, f, horizonUs, embargoUs, purgeUs);
    if (leak) return err(leak);
  }
  return ok(undefined);
}

export function describeFoldError(e: FoldError | LeakError): string {
  switch (e.kind) {
    case 'BadOption':
      return `${e.field} must be ${e.expected}, got ${e.value}`;
    case 'PurgeTooShort':
      return `purgeUs (${e.purgeUs} µs) must be at least horizonUs (${e.horizonUs} µs)`;
    case 'EmbargoTooShort':
      return `embargoUs (${e.embargoUs} µs) must be at least horizonUs (${e.horizonUs} µs)`;
    case 'TimesNotOrdered':
      return `ts[${e.row}] = ${e.ts} µs must be finite and not before ts[${e.row - 1}] = ${e.previousTs} µs`;
    case 'TooFewRows':
      return `${e.rows} rows cannot be cut into ${e.blocks} blocks (folds + 1)`;
    case 'TooFewTrainRows':
      return `fold ${e.fold} has ${e.trainRows} training rows after the purge, fewer than minTrainRows ${e.minTrainRows}`;
    case 'BadRange':
      return `fold ${e.fold}: ${e.field} [${e.start}, ${e.end}) is not a valid row range of ${e.rows} rows`;
    case 'TrainIsValid':
      return `fold ${e.fold}: training row ${e.row} (ts ${e.ts} µs) is also a validation row`;
    case 'LabelOverlap':
      return (
        `fold ${e.fold}: training row ${e.row} (ts ${e.ts} µs) has a label window overlapping the validation rows ` +
        `(ts ${e.validFromTs}..${e.validToTs} µs, guarded from ${e.limitTs} µs) or their label windows`
      );
    case 'InEmbargo':
      return `fold ${e.fold}: training row ${e.row} (ts ${e.ts} µs) lies in the ${e.embargoUs} µs embargo after validation ending at ${e.validToTs} µs`;
  }
}
