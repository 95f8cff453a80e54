import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { compileTreeEnsemble, type TreeEnsembleRunner } from '../../adapters/onnx/tree-ensemble-runner.ts';
import { encodeEnsemble, ensembleAndRows, featureValue, thresholdsByFeature, type RandomTree } from '../support/random-ensembles.ts';
import { compileTreeEnsembleBefore } from '../support/tree-ensemble-runner-before.ts';

const repoModels = fileURLToPath(new URL('../../models/', import.meta.url));

/** Asserts the runner gives exactly the reference's scores on every target, Object.is. */
function expectSame(before: TreeEnsembleRunner, now: TreeEnsembleRunner, row: ArrayLike<number>): void {
  const want = Array.from(before.run(row));
  const got = Array.from(now.run(row));
  expect(got.length).toBe(want.length);
  for (let k = 0; k < want.length; k++) if (!Object.is(got[k], want[k])) expect.fail(`target ${k}: ${got[k]}, not ${want[k]}`);
}

describe('the tree-ensemble runner, its trees generated as functions', () => {
  test.prop([ensembleAndRows(), fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 })], { numRuns: 500 })(
    'scores any ensemble, NaN and infinite thresholds, weights and features among them, as the array walk did',
    ({ bytes, rows }, unread) => {
      const before = compileTreeEnsembleBefore(bytes, { unread })!;
      const now = compileTreeEnsemble(bytes, { unread })!;
      for (const r of rows) {
        expectSame(before, now, r);
        expectSame(before, now, Float64Array.from(r));
      }
    },
  );

  for (const name of ['synthetic-gbdt', 'binance-gbdt']) {
    const bytes = readFileSync(join(repoModels, name, 'model.onnx'));
    const manifest = JSON.parse(readFileSync(join(repoModels, name, 'manifest.json'), 'utf8')) as { featureNames: string[] };
    const before = compileTreeEnsembleBefore(bytes)!;
    const now = compileTreeEnsemble(bytes)!;
    const row = fc.tuple(...thresholdsByFeature(bytes, manifest.featureNames.length).map(featureValue));
    test.prop([row], { numRuns: 2000 })(`scores ${name}'s rows on both sides of its splits as the array walk did`, (values) => {
      expectSame(before, now, values);
      expectSame(before, now, Float64Array.from(values));
    });
  }

  it('walks a tree too deep to generate through the arrays, to the same scores', () => {
    // A chain of 100 splits on feature 0: deeper than tree-code.ts generates, so walked as before.
    let chain: RandomTree = { weights: [[0, 0.5]] };
    for (let d = 0; d < 100; d++) chain = { split: { feature: 0, threshold: 100 - d, onTrue: chain, onFalse: { weights: [[0, d]] } } };
    const bytes = encodeEnsemble([chain, { weights: [[0, 0.25]] }], 1, 1, [1]);
    const before = compileTreeEnsembleBefore(bytes)!;
    const now = compileTreeEnsemble(bytes)!;
    for (const x of [-1, 0, 1, 50.5, 99, 100, 101, Number.NaN]) expectSame(before, now, [x]);
    expect(Array.from(now.run([0]))).toEqual([1.75]);
  });
});
