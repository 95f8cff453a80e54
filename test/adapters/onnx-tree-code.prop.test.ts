import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { compileTreeEnsemble, type TreeEnsembleRunner } from '../../adapters/onnx/tree-ensemble-runner.ts';
import { mulberry32 } from '../../domain/model/gbdt/rng.ts';
import { encodeEnsemble, ensembleAndRows, THRESHOLDS, WEIGHTS, type RandomTree } from '../support/random-tree-ensemble.ts';

const repoModels = fileURLToPath(new URL('../../models/', import.meta.url));

/** Both runners of `bytes`: the generated code (the default) and the walk over the arrays. */
function both(bytes: Uint8Array, unread: readonly number[] = []): { generated: TreeEnsembleRunner; walked: TreeEnsembleRunner } {
  const generated = compileTreeEnsemble(bytes, { unread })!;
  const walked = compileTreeEnsemble(bytes, { unread, generated: false })!;
  // The default took the generated code: the two are different runners.
  expect(generated.constructor).not.toBe(walked.constructor);
  return { generated, walked };
}

/** Asserts the two give the same bits on every target, read or not (Object.is: signed zeros and NaN count). */
function expectSame({ generated, walked }: { generated: TreeEnsembleRunner; walked: TreeEnsembleRunner }, row: ArrayLike<number>): void {
  const want = Array.from(walked.run(row));
  const got = Array.from(generated.run(row));
  expect(got.length).toBe(want.length);
  for (let k = 0; k < want.length; k++) if (!Object.is(got[k], want[k])) expect.fail(`target ${k}: ${got[k]}, not ${want[k]}`);
}

describe("the tree ensemble's generated code", () => {
  test.prop([ensembleAndRows(), fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 })], { numRuns: 500 })(
    'scores any ensemble as the walk over its arrays does',
    ({ bytes, rows }, unread) => {
      const runners = both(bytes, unread);
      for (const r of rows) {
        expectSame(runners, r);
        expectSame(runners, Float64Array.from(r));
      }
    },
  );

  for (const name of ['synthetic-gbdt', 'binance-gbdt']) {
    it(`scores ${name}'s rows as the walk over its arrays does`, () => {
      const bytes = readFileSync(join(repoModels, name, 'model.onnx'));
      const runners = both(bytes);
      const rng = mulberry32(7);
      for (let r = 0; r < 2_000; r++) {
        const row = Float64Array.from({ length: runners.walked.features }, () => (rng.next() < 0.05 ? Number.NaN : (rng.next() - 0.5) * 2 ** (rng.next() * 20 - 10)));
        expectSame(runners, row);
      }
    });
  }

  it('scores an ensemble too large for one generated function, split over several, as the walk does', () => {
    const rng = mulberry32(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
    const tree = (depth: number): RandomTree =>
      depth === 0 || rng.next() < 0.1
        ? { weights: [[Math.floor(rng.next() * 3), rng.next() < 0.5 ? pick(WEIGHTS) : Math.fround(rng.next() - 0.5)]] }
        : {
            split: {
              feature: Math.floor(rng.next() * 8),
              threshold: rng.next() < 0.5 ? pick(THRESHOLDS) : Math.fround(rng.next() * 4 - 2),
              onTrue: tree(depth - 1),
              onFalse: tree(depth - 1),
            },
          };
    // Some 150 trees of up to 63 nodes: several thousand nodes, more than one function holds.
    const trees = Array.from({ length: 150 }, () => tree(5));
    const runners = both(encodeEnsemble(trees, 8, 3, [0.5, -0.25, 1]));
    for (let r = 0; r < 2_000; r++) {
      const row = Float64Array.from({ length: 8 }, () => (rng.next() < 0.3 ? pick(THRESHOLDS) : rng.next() * 4 - 2));
      expectSame(runners, row);
    }
  });
});
