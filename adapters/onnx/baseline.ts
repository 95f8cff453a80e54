import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { schemaForNames } from '../../domain/features/registry.ts';
import {
  buildLinearScorer,
  LINEAR_SCORER_CONFIDENCE,
  LINEAR_SCORER_SCORE,
} from './linear-scorer.ts';
import { formatManifest, MANIFEST_FILE, MODEL_FILE, type Manifest } from './manifest.ts';

/**
 * The features the baseline reads from the feature engine, in this order:
 * - spread_ticks: best ask − best bid, in ticks;
 * - depth_imbalance_1: top-of-book imbalance (qb − qa) / (qb + qa), in [−1, 1];
 * - wmid_offset_ticks: Stoikov's weighted mid minus the mid, in ticks;
 * - ofi_1s_norm: Cont–Kukanov–Stoikov order-flow imbalance over 1 s divided by the mean touch depth
 *   (qb + qa) / 2 over that window, dimensionless.
 */
export const BASELINE_FEATURES = ['spread_ticks', 'depth_imbalance_1', 'wmid_offset_ticks', 'ofi_1s_norm'] as const;

/**
 * A hand-set baseline, not a trained model: score (bps of mid over the horizon) =
 * 0·spread + 0.5·imbalance + 0·wmid_offset + 0.05·ofi_norm. The constants are here to be tuned; on
 * the project's synthetic sample they give about one signal in 60 book events.
 */
export const BASELINE_WEIGHTS: readonly number[] = [0.0, 0.5, 0.0, 0.05];
export const BASELINE_BIAS = 0;
/** confidence = |tanh(score / scale)|, so with scale 1 and threshold 0.8 it trades at |score| ≥ atanh(0.8) ≈ 1.10 bps. */
export const BASELINE_CONFIDENCE_SCALE = 1.0;
export const BASELINE_THRESHOLD = 0.8;
export const BASELINE_HORIZON_MS = 1000;
export const BASELINE_MODEL_ID = 'baseline-linear-v1';

/** The non-zero terms of the score, e.g. "0.5 * depth_imbalance_1 + 0.05 * ofi_1s_norm". */
function describeTerms(): string {
  return BASELINE_FEATURES.flatMap((name, i) => (BASELINE_WEIGHTS[i] === 0 ? [] : [`${BASELINE_WEIGHTS[i]} * ${name}`])).join(' + ');
}

export function baselineManifest(): Manifest {
  const schema = schemaForNames(BASELINE_FEATURES);
  if (!schema.ok) throw new Error(`the baseline's features are not in the registry: ${JSON.stringify(schema.error)}`);
  return {
    id: BASELINE_MODEL_ID,
    description:
      `Hand-set linear baseline, not trained: score = ${describeTerms()}; ` +
      `confidence = |tanh(score / ${BASELINE_CONFIDENCE_SCALE.toFixed(1)})|.`,
    featureNames: [...BASELINE_FEATURES],
    featureVersions: schema.value.versions,
    schemaId: schema.value.id,
    horizonMs: BASELINE_HORIZON_MS,
    output: { kind: 'score', score: LINEAR_SCORER_SCORE, confidence: LINEAR_SCORER_CONFIDENCE },
    scoreMeaning: `expected mid move over the next ${BASELINE_HORIZON_MS} ms, bps (hand-set, not fitted)`,
    threshold: BASELINE_THRESHOLD,
    baseline: true,
  };
}

export function baselineModelBytes(): Uint8Array {
  return buildLinearScorer({
    featureNames: BASELINE_FEATURES,
    weights: BASELINE_WEIGHTS,
    bias: BASELINE_BIAS,
    confidenceScale: BASELINE_CONFIDENCE_SCALE,
    modelId: BASELINE_MODEL_ID,
  });
}

/** Writes `model.onnx` and `manifest.json` into `dir` (created if absent); the same call writes the same bytes. */
export async function writeBaselineModel(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MODEL_FILE), baselineModelBytes());
  await writeFile(join(dir, MANIFEST_FILE), formatManifest(baselineManifest()));
}
