import { join } from 'node:path';
import { MODEL_FILE } from '../adapters/onnx/manifest.ts';
import { describeModelLoadProblem } from '../adapters/onnx/model-load-problem.ts';
import { loadOnnxModel } from '../adapters/onnx/onnx-model.ts';
import { describeRawRunProblem, openRawModel } from '../adapters/onnx/raw-model.ts';
import type { FeatureVector } from '../domain/features/feature-vector.ts';
import type { Micros } from '../domain/values/units.ts';

const WARM_UP = 2_000;
const SINGLE_CALLS = 20_000;
const BATCH_SIZE = 1_024;
const BATCH_SECONDS = 1;

/** A small deterministic generator for varied inputs (the bench needs no real randomness). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const percentile = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

/**
 * Inference through the model port: single-row `predict` latency (p50/p99 over 20,000 calls after a
 * warm-up, µs), and batched throughput through one `session.run` per 1,024 rows (rows/s over ~1 s).
 */
export async function benchInference(modelDir: string): Promise<{ singleP50Us: number; singleP99Us: number; batchRowsPerSec: number; batchSize: number }> {
  const model = await loadOnnxModel(modelDir);
  const width = model.info.featureNames.length;
  const next = lcg(7);
  const vectors: FeatureVector[] = Array.from({ length: 256 }, () => ({
    schemaId: model.info.schemaId,
    ts: 0 as Micros,
    values: Float64Array.from({ length: width }, next),
  }));
  const times = new Float64Array(SINGLE_CALLS);
  try {
    for (let i = 0; i < WARM_UP; i++) await model.predict(vectors[i % vectors.length]);
    for (let i = 0; i < SINGLE_CALLS; i++) {
      const started = performance.now();
      await model.predict(vectors[i % vectors.length]);
      times[i] = (performance.now() - started) * 1000;
    }
  } finally {
    await model.close();
  }
  times.sort();

  const raw = await openRawModel(join(modelDir, MODEL_FILE));
  if (!raw.ok) throw new Error(describeModelLoadProblem(raw.error));
  const rows = Array.from({ length: BATCH_SIZE }, () => Array.from({ length: width }, next));
  let batched = 0;
  let seconds = 0;
  try {
    const first = await raw.value.run(rows);
    if (!first.ok) throw new Error(describeRawRunProblem(first.error));
    const started = performance.now();
    while ((seconds = (performance.now() - started) / 1000) < BATCH_SECONDS) {
      const r = await raw.value.run(rows);
      if (!r.ok) throw new Error(describeRawRunProblem(r.error));
      batched += BATCH_SIZE;
    }
  } finally {
    await raw.value.close();
  }
  return {
    singleP50Us: percentile(times, 0.5),
    singleP99Us: percentile(times, 0.99),
    batchRowsPerSec: batched / seconds,
    batchSize: BATCH_SIZE,
  };
}
