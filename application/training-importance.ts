import { combineHorizons } from '../domain/model/ensemble.ts';
import { predictRow } from '../domain/model/gbdt/model.ts';
import { mulberry32 } from '../domain/model/gbdt/rng.ts';
import { spearman } from '../domain/model/validation/metrics.ts';
import type { FitData, FittedEnsemble } from './training-fit.ts';

/** Permutation importance reads at most this many holdout rows, evenly spaced, to bound its cost. */
export const PERMUTATION_ROWS = 3000;

/**
 * Permutation importance on the holdout: for each feature, the ensemble's information coefficient
 * against the primary horizon's move, less the same with that feature's column shuffled among the
 * holdout rows (seeded, so the same run gives the same figures). What the model loses without the
 * feature on data it has not seen, unlike split gain, which is what it used while fitting. NaN for
 * every feature when fewer than 2 holdout rows have a known move.
 */
export function permutationImportance(final: FittedEnsemble, data: FitData, start: number, end: number, seed: number): Float64Array {
  const realized = data.returns[final.primary];
  const known: number[] = [];
  for (let i = start; i < end; i++) if (Number.isFinite(realized[i])) known.push(i);
  const out = new Float64Array(data.features).fill(NaN);
  if (known.length < 2) return out;
  const step = Math.max(1, known.length / PERMUTATION_ROWS);
  const rows: number[] = [];
  for (let k = 0; k < known.length && rows.length < PERMUTATION_ROWS; k = Math.floor((rows.length + 1) * step)) rows.push(known[k]);
  const f = data.features;
  const x = new Float64Array(rows.length * f);
  rows.forEach((i, k) => x.set(data.x.subarray(i * f, i * f + f), k * f));
  const moves = Float64Array.from(rows, (i) => realized[i]);
  const icOf = (values: Float64Array): number => {
    const score = new Float64Array(rows.length);
    const member = new Float64Array(final.members.length);
    for (let k = 0; k < rows.length; k++) {
      for (let m = 0; m < final.members.length; m++) member[m] = predictRow(final.members[m], values, k * f);
      score[k] = combineHorizons(final.ensemble, member).score;
    }
    const ic = spearman(score, moves);
    return Number.isFinite(ic) ? ic : 0;
  };
  const base = icOf(x);
  const shuffled = new Float64Array(x);
  const rng = mulberry32(seed);
  for (let j = 0; j < f; j++) {
    const column = Float64Array.from(rows, (_, k) => x[k * f + j]);
    for (let k = column.length - 1; k > 0; k--) {
      const r = rng.int(k + 1);
      const t = column[k];
      column[k] = column[r];
      column[r] = t;
    }
    for (let k = 0; k < rows.length; k++) shuffled[k * f + j] = column[k];
    out[j] = base - icOf(shuffled);
    for (let k = 0; k < rows.length; k++) shuffled[k * f + j] = x[k * f + j];
  }
  return out;
}
