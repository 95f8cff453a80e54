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
      .toBe("manifest.output.kind must be one of 'score', 'classProbabilities'");
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

const label = fc.string({ minLength: 1, maxLength: 12 });
const featureName = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/);
const classOrders: ClassLabel[][] = [['down', 'up'], ['up', 'down'], ['down', 'flat', 'up'], ['flat', 'up', 'down']];
const output: fc.Arbitrary<ManifestOutput> = fc.oneof(
  fc.record({
    kind: fc.constant('score' as const),
    score: label,
    confidence: fc.oneof(label, fc.record({ kind: fc.constant('tanh' as const), scale: fc.double({ min: 1e-3, max: 1e3, noNaN: true }) })),
  }),
  fc.record({ kind: fc.constant('classProbabilities' as const), tensor: label, classes: fc.constantFrom(...classOrders) }),
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
        threshold: fc.double({ min: 0, max: 1, noNaN: true }),
        baseline: fc.boolean(),
        trainedOn: fc.record(
          { source: label, from: label, to: label, rows: fc.nat() },
          { requiredKeys: ['source'] },
        ),
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
