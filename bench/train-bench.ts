import { trainGbdt } from '../domain/model/gbdt/boost.ts';
import { DEFAULT_GBDT_PARAMS, type Dataset, type GbdtParams } from '../domain/model/gbdt/params.ts';
import { mulberry32 } from '../domain/model/gbdt/rng.ts';

export interface TrainBenchResult {
  readonly rows: number;
  readonly features: number;
  readonly rounds: number;
  readonly leaves: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

/**
 * A seeded synthetic regression problem: features uniform or Gaussian-like, some discrete, and a
 * label (bps-sized) of a few of them, with interactions, steps and noise.
 */
export function syntheticRegression(rows: number, features: number, seed: number): Dataset {
  const rng = mulberry32(seed);
  const values = new Float64Array(rows * features);
  const labels = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const o = i * features;
    for (let j = 0; j < features; j++) {
      const u = rng.next();
      // A third of the features take few distinct values, the rest are continuous with heavy-ish tails.
      values[o + j] = j % 3 === 0 ? Math.floor(u * 7) : (u - 0.5) * (1 + 3 * rng.next() ** 4);
    }
    const x = (j: number): number => values[o + (j % features)];
    labels[i] = 3 * x(1) + 2 * Math.sin(3 * x(2)) + (x(3) > 0.2 ? 1.5 : -0.5) + x(4) * x(5) + 0.5 * x(0) + 2 * (rng.next() - 0.5);
  }
  return { rows, features, values, labels };
}

/**
 * Training time of 1,000,000 rows × 60 features, 100 rounds of 31 leaves, no validation set, with the
 * default sampling; the data is generated before the clock starts.
 */
export function benchTrain(overrides: Partial<GbdtParams> = {}): TrainBenchResult {
  const rows = 1_000_000;
  const features = 60;
  const data = syntheticRegression(rows, features, 7);
  const params: GbdtParams = { ...DEFAULT_GBDT_PARAMS, rounds: 100, numLeaves: 31, earlyStoppingRounds: 0, ...overrides };
  const start = performance.now();
  const model = trainGbdt(data, null, params);
  const seconds = (performance.now() - start) / 1000;
  if (model.trees.length !== params.rounds) throw new Error(`training stopped after ${model.trees.length} of ${params.rounds} rounds`);
  return { rows, features, rounds: params.rounds, leaves: params.numLeaves, seconds, rowsPerSecond: (rows * params.rounds) / seconds };
}
