import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../adapters/onnx/manifest.ts';
import { loadOnnxModel } from '../../adapters/onnx/onnx-model.ts';
import { DEFAULT_MODEL_DIR } from '../../composition/config.ts';
import { schemaForNames } from '../../domain/features/registry.ts';
import { unwrap } from '../../domain/result.ts';
import type { Micros } from '../../domain/values/units.ts';

/*
 * The model app:paper uses when no --model is given: trained by `ladder train` on the synthetic market
 * (docs/research.md, "The default model", has the two commands), and it must say so.
 */
const dir = fileURLToPath(new URL(`../../${DEFAULT_MODEL_DIR}/`, import.meta.url));

interface Report {
  readonly overall: { readonly ic: number; readonly threshold: { readonly threshold: number; readonly hitRate: number; readonly signals: number } };
  readonly onnxAgreement: { readonly maxAbsDiff: number };
}

describe('the default model', () => {
  it('is a trained horizon ensemble labelled as trained on the synthetic market', () => {
    const manifest = unwrap(readManifest(readFileSync(`${dir}manifest.json`, 'utf8')));
    expect(manifest.synthetic).toBe(true);
    expect(manifest.baseline).toBeUndefined();
    expect(manifest.description).toMatch(/trained by ladder train on the synthetic market/);
    expect(manifest.trainedOn?.source).toMatch(/synthetic:seed=\d+/);
    expect(manifest.output.kind).toBe('horizons');
    expect(manifest.validation?.thresholdMet).toBeDefined();
  });

  it('loads for trading against the engine schema of its features, and its report backs its manifest', async () => {
    const manifest = unwrap(readManifest(readFileSync(`${dir}manifest.json`, 'utf8')));
    const schema = unwrap(schemaForNames(manifest.featureNames));
    const model = await loadOnnxModel(dir, { schemaId: schema.id });
    try {
      const prediction = await model.predict({ schemaId: schema.id, ts: 0 as Micros, values: new Float64Array(manifest.featureNames.length) });
      expect(Number.isFinite(prediction.score)).toBe(true);
    } finally {
      await model.close();
    }
    const report = JSON.parse(readFileSync(`${dir}report.json`, 'utf8')) as Report;
    expect(report.overall.threshold.threshold).toBe(manifest.threshold);
    expect(report.overall.threshold.signals).toBe(manifest.validation?.signals);
    // Out of sample on the market it was trained on: skill above none, and onnxruntime exact.
    expect(report.overall.ic).toBeGreaterThan(0);
    expect(report.overall.threshold.hitRate).toBeGreaterThan(0.5);
    expect(report.onnxAgreement.maxAbsDiff).toBeLessThanOrEqual(1e-5);
  });
});
