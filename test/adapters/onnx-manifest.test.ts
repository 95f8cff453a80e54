import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  describeManifestError,
  formatManifest,
  readManifest,
  type ClassLabel,
  type Manifest,
  type ManifestOutput,
} from '../../adapters/onnx/manifest.ts';
import { createSchema } from '../../domain/features/feature-vector.ts';
import type { Calibration } from '../../domain/model/calibration.ts';
import { unwrap } from '../../domain/result.ts';

const names = ['spread_ticks', 'imbalance_l1', 'wmid_offset_ticks', 'ofi_1s_norm'];
const valid = {
  id: 'm1',
  description: 'a model',
  featureNames: names,
  schemaId: createSchema(names).id,
  horizonMs: 1000,
  output: { kind: 'score', score: 'score', confidence: 'confidence' },
  scoreMeaning: 'bps over 1 s',
  threshold: 0.6,
};

/** The error message for a manifest built from `valid` with `change` applied. */
function refusal(change: (m: Record<string, unknown>) => void): string {
  const m = structuredClone(valid) as Record<string, unknown>;
  change(m);
  const r = readManifest(JSON.stringify(m));
  if (r.ok) throw new Error('expected the manifest to be refused');
  return describeManifestError(r.error);
}

describe('readManifest', () => {
  it('accepts a complete manifest and returns its fields', () => {
    const m = unwrap(readManifest(JSON.stringify({ ...valid, baseline: true, trainedOn: { source: 'rec-1', rows: 10 } })));
    expect(m).toEqual({ ...valid, baseline: true, trainedOn: { source: 'rec-1', rows: 10 } });
  });

  it('names the field at fault', () => {
    expect(refusal((m) => { (m.featureNames as unknown[])[3] = 7; })).toBe('manifest.featureNames[3] must be a non-empty string');
    expect(refusal((m) => { delete m.threshold; })).toBe('manifest.threshold is missing');
    expect(refusal((m) => { m.threshold = 1.5; })).toBe('manifest.threshold must be a finite number in [0, 1]');
    expect(refusal((m) => { m.horizonMs = 0; })).toBe('manifest.horizonMs must be an integer >= 1');
    expect(refusal((m) => { m.id = ''; })).toBe('manifest.id must be a non-empty string');
    expect(refusal((m) => { m.baseline = 'yes'; })).toBe('manifest.baseline must be a boolean');
    expect(refusal((m) => { m.treshold = 0.5; })).toMatch(/^manifest\.treshold is not a known field/);
    expect(refusal((m) => { m.featureNames = ['a', 'b', 'a']; }))
      .toBe("manifest.featureNames[2] must be unique, but 'a' is also featureNames[0]");
    expect(refusal((m) => { m.output = { kind: 'probabilities' }; }))
      .toBe("manifest.output.kind must be one of 'score', 'classProbabilities', 'horizons'");
    expect(refusal((m) => { m.output = { kind: 'score', score: 's' }; })).toBe('manifest.output.confidence is missing');
    expect(refusal((m) => { m.output = { kind: 'score', score: 's', confidence: { kind: 'tanh', scale: 0 } }; }))
      .toBe('manifest.output.confidence.scale must be a finite number above 0');
    expect(refusal((m) => { m.output = { kind: 'classProbabilities', tensor: 'p', classes: ['down', 'flat'] }; }))
      .toBe("manifest.output.classes must include 'down' and 'up'");
    expect(refusal((m) => { m.output = { kind: 'classProbabilities', tensor: 'p', classes: ['down', 'sideways', 'up'] }; }))
      .toBe("manifest.output.classes[1] must be one of 'down', 'flat', 'up'");
    expect(refusal((m) => { m.trainedOn = { source: 'x', rows: -1 }; })).toBe('manifest.trainedOn.rows must be an integer >= 0');
  });

  it('refuses feature names the feature schema does not allow', () => {
    expect(refusal((m) => { m.featureNames = ['spread_ticks', 'Imbalance']; }))
      .toMatch(/^manifest\.featureNames do not form a feature schema: feature name "Imbalance" must match/);
  });

  it('refuses a schema id that is not the one of its feature names, giving both', () => {
    const reordered = [names[1], names[0], names[2], names[3]];
    const message = refusal((m) => { m.featureNames = reordered; });
    expect(message).toBe(`manifest.schemaId is ${valid.schemaId} but its featureNames give ${createSchema(reordered).id}`);
  });

  it('refuses text that is not JSON, and JSON that is not an object', () => {
    const notJson = readManifest('{ "id": ');
    expect(!notJson.ok && notJson.error.kind).toBe('ManifestNotJson');
    const array = readManifest('[]');
    expect(!array.ok && describeManifestError(array.error)).toBe('manifest must be a JSON object');
  });
});


const horizonsOutput = {
  kind: 'horizons',
  tensor: 'scores',
  horizonsMs: [1000, 5000, 30000],
  weights: [1, 1, 2],
  calibration: [
    { kind: 'isotonic', x: [0, 1, 3], y: [0.5, 0.6, 0.8] },
    { kind: 'platt', a: -1.2, b: 0.3 },
    { kind: 'isotonic', x: [0.5], y: [0.7] },
  ],
};

describe('readManifest, version 2 fields', () => {
  it('reads a horizons output into an ensemble', () => {
    const m = unwrap(readManifest(JSON.stringify({ ...valid, output: horizonsOutput })));
    const { kind, tensor, ...ensemble } = horizonsOutput;
    expect(m.output).toEqual({ kind, tensor, ensemble });
  });

  it('names the field at fault in a horizons output, below output', () => {
    const withOutput = (change: (o: Record<string, unknown>) => void) => refusal((m) => {
      const o = structuredClone(horizonsOutput) as Record<string, unknown>;
      change(o);
      m.output = o;
    });
    expect(withOutput((o) => { (o.calibration as { y: number[] }[])[0].y = [0.5, 0.7, 0.6]; }))
      .toBe('manifest.output.calibration[0].y[2] must not be less than y[1]');
    expect(withOutput((o) => { (o.calibration as { x: number[] }[])[2].x = [-1]; }))
      .toMatch(/^manifest\.output\.calibration\[2\]\.x\[0\] must be a finite \|score\| ≥ 0/);
    expect(withOutput((o) => { (o.calibration as Record<string, unknown>[])[1] = { kind: 'platt', a: 'x', b: 0 }; }))
      .toBe('manifest.output.calibration[1].a must be a finite number');
    expect(withOutput((o) => { (o.calibration as Record<string, unknown>[])[1] = { kind: 'sigmoid' }; }))
      .toBe("manifest.output.calibration[1].kind must be one of 'isotonic', 'platt'");
    expect(withOutput((o) => { o.weights = [1, 1]; }))
      .toBe('manifest.output.weights must hold one weight per horizon (3), got 2');
    expect(withOutput((o) => { o.weights = [0, 0, 0]; }))
      .toBe('manifest.output.weights must hold at least one positive weight');
    expect(withOutput((o) => { o.horizonsMs = [1000, 2.5, 3000]; }))
      .toBe('manifest.output.horizonsMs[1] must be a positive integer, got 2.5');
    expect(withOutput((o) => { o.horizonsMs = [1000, '5s', 3000]; }))
      .toBe('manifest.output.horizonsMs[1] must be a finite number');
    expect(withOutput((o) => { delete o.calibration; })).toBe('manifest.output.calibration is missing');
  });

  it('reads validation, training and synthetic, with null for figures not measurable', () => {
    const extra = {
      synthetic: true,
      training: { trees: 200, learningRate: 0.05, objective: 'reg:squarederror', earlyStopping: false },
      validation: {
        costBps: 11, targetFalseSignalRate: 0.4, folds: 5, rows: 12_000, ic: 0.08, hitRate: null,
        falseSignalRate: null, signals: 0, thresholdMet: false,
        perHorizon: [{ horizonMs: 1000, ic: 0.1, hitRate: 0.55 }, { horizonMs: 5000, ic: null }],
      },
    };
    const m = unwrap(readManifest(JSON.stringify({ ...valid, ...extra })));
    expect(m).toEqual({ ...valid, ...extra });
    expect(unwrap(readManifest(formatManifest(m)))).toEqual(m);
  });

  it('names the field at fault in validation, training and synthetic', () => {
    expect(refusal((m) => { m.synthetic = 'no'; })).toBe('manifest.synthetic must be a boolean');
    expect(refusal((m) => { m.training = { depth: [3] }; }))
      .toBe('manifest.training.depth must be a finite number, a string or a boolean');
    expect(refusal((m) => { m.validation = { hitRate: 1.5 }; }))
      .toBe('manifest.validation.hitRate must be a finite number in [0, 1], or null');
    expect(refusal((m) => { m.validation = { folds: 0 }; })).toBe('manifest.validation.folds must be an integer >= 1');
    expect(refusal((m) => { m.validation = { thresholdMet: 1 }; })).toBe('manifest.validation.thresholdMet must be a boolean');
    expect(refusal((m) => { m.validation = { perHorizon: [{ horizonMs: 1000 }, { ic: 0.1 }] }; }))
      .toBe('manifest.validation.perHorizon[1].horizonMs is missing');
    expect(refusal((m) => { m.validation = { hitrate: 0.5 }; })).toMatch(/^manifest\.validation\.hitrate is not a known field/);
  });
});

const label = fc.string({ minLength: 1, maxLength: 12 });
const featureName = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/);
const classOrders: ClassLabel[][] = [['down', 'up'], ['up', 'down'], ['down', 'flat', 'up'], ['flat', 'up', 'down']];
/** Doubles without NaN or −0, which JSON cannot carry (−0 comes back as 0). */
const num = (c: { min?: number; max?: number; noDefaultInfinity?: boolean }): fc.Arbitrary<number> =>
  fc.double({ ...c, noNaN: true }).map((x) => x + 0);
/** Sorted unique |score| points and non-decreasing probabilities, as checkCalibration requires. */
const isotonic = fc.uniqueArray(num({ min: 0, max: 100 }), { minLength: 1, maxLength: 5 }).chain((xs) => {
  const x = [...xs].sort((a, b) => a - b);
  return fc.array(num({ min: 0, max: 1 }), { minLength: x.length, maxLength: x.length })
    .map((ys) => ({ kind: 'isotonic' as const, x, y: [...ys].sort((a, b) => a - b) }));
});
const calibration: fc.Arbitrary<Calibration> = fc.oneof(
  isotonic,
  fc.record({ kind: fc.constant('platt' as const), a: num({ min: -10, max: 10 }), b: num({ min: -10, max: 10 }) }),
);
const output: fc.Arbitrary<ManifestOutput> = fc.oneof(
  fc.record({
    kind: fc.constant('score' as const),
    score: label,
    confidence: fc.oneof(label, fc.record({ kind: fc.constant('tanh' as const), scale: num({ min: 1e-3, max: 1e3 }) })),
  }),
  fc.record({ kind: fc.constant('classProbabilities' as const), tensor: label, classes: fc.constantFrom(...classOrders) }),
  fc.integer({ min: 1, max: 4 }).chain((n) => fc.record({
    kind: fc.constant('horizons' as const),
    tensor: label,
    ensemble: fc.record({
      horizonsMs: fc.uniqueArray(fc.integer({ min: 1, max: 3_600_000 }), { minLength: n, maxLength: n }),
      weights: fc.array(num({ min: 0.01, max: 10 }), { minLength: n, maxLength: n }),
      calibration: fc.array(calibration, { minLength: n, maxLength: n }),
    }),
  })),
);
const rate = fc.option(num({ min: 0, max: 1 }), { nil: null });
const validation = fc.record(
  {
    costBps: fc.option(num({ min: 0, max: 100 }), { nil: null }),
    targetFalseSignalRate: rate,
    folds: fc.integer({ min: 1, max: 20 }),
    rows: fc.nat(),
    ic: fc.option(num({ min: -1, max: 1 }), { nil: null }),
    hitRate: rate,
    falseSignalRate: rate,
    signals: fc.nat(),
    thresholdMet: fc.boolean(),
    perHorizon: fc.array(fc.record({ horizonMs: fc.integer({ min: 1, max: 60_000 }), ic: rate, hitRate: rate }, { requiredKeys: ['horizonMs'] })),
  },
  { requiredKeys: [] },
);
const training = fc.dictionary(
  fc.stringMatching(/^[a-z][a-zA-Z]{0,8}$/),
  fc.oneof(num({ noDefaultInfinity: true }), fc.string(), fc.boolean()),
);
const manifest: fc.Arbitrary<Manifest> = fc
  .uniqueArray(featureName, { minLength: 1, maxLength: 6 })
  .chain((featureNames) =>
    fc.record(
      {
        id: label,
        description: fc.string(),
        featureNames: fc.constant(featureNames),
        schemaId: fc.constant(createSchema(featureNames).id),
        horizonMs: fc.integer({ min: 1, max: 3_600_000 }),
        output,
        scoreMeaning: label,
        threshold: num({ min: 0, max: 1 }),
        baseline: fc.boolean(),
        trainedOn: fc.record(
          { source: label, from: label, to: label, rows: fc.nat() },
          { requiredKeys: ['source'] },
        ),
        synthetic: fc.boolean(),
        training,
        validation,
      },
      { requiredKeys: ['id', 'description', 'featureNames', 'schemaId', 'horizonMs', 'output', 'scoreMeaning', 'threshold'] },
    ),
  );

describe('formatManifest', () => {
  test.prop([manifest])('is read back by readManifest as the same manifest', (m) => {
    expect(unwrap(readManifest(formatManifest(m)))).toEqual(m);
  });

  test.prop([manifest])('writes the same text whatever the key order of the object it is given', (m) => {
    const reversed = Object.fromEntries(Object.entries(m).reverse()) as unknown as Manifest;
    expect(formatManifest(reversed)).toBe(formatManifest(m));
  });
});
