import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { binOfPadded, featureEdges, paddedEdges, sortFloat32 } from '../../domain/model/gbdt/binning.ts';
import { trainGbdt } from '../../domain/model/gbdt/boost.ts';
import { DEFAULT_GBDT_PARAMS } from '../../domain/model/gbdt/params.ts';
import { isLeaf } from '../../domain/model/gbdt/tree.ts';

/**
 * Feature values that stress float32 binning: a few float32 anchors, each taken as is, nudged by less
 * than half a float32 step (same float32, another double) or moved to the next float32, plus wide ones.
 */
const trickyValue = fc.oneof(
  fc.tuple(fc.constantFrom(0, 1, -1, 0.1, 1e-30, 3.4e38, 12345.678), fc.constantFrom(0, 1e-12, -1e-12, 1e-7, -1e-7))
    .map(([a, d]) => Math.fround(a) * (1 + d)),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.integer({ min: -3, max: 3 }),
);

const column = (values: readonly number[]) => ({
  rows: values.length,
  features: 1,
  values: Float64Array.from(values),
  labels: new Float64Array(values.length),
});

describe('binning properties', () => {
  test.prop([fc.array(trickyValue, { minLength: 1, maxLength: 400 }), fc.integer({ min: 2, max: 255 })], { numRuns: 200 })(
    'edges ascend strictly as float32 values and a bin is the number of edges below the float32 value',
    (values, maxBins) => {
      const edges = featureEdges(column(values), 0, maxBins);
      expect(edges.length).toBeLessThanOrEqual(maxBins - 1);
      for (let e = 1; e < edges.length; e++) expect(edges[e]).toBeGreaterThan(edges[e - 1]);
      const p = paddedEdges(edges);
      for (const x of values) {
        const below = edges.filter((e) => e < Math.fround(x)).length;
        expect(binOfPadded(p, x)).toBe(below);
      }
      const distinct = new Set(values.map((x) => Math.fround(x))).size;
      if (distinct <= maxBins) expect(edges.length).toBe(distinct - 1);
    },
  );

  test.prop([fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { maxLength: 300 })])(
    'the radix sort orders float32 values as the built-in sort does',
    (values) => {
      const mine = Float32Array.from(values);
      sortFloat32(mine);
      expect([...mine].map((x) => x + 0)).toEqual([...Float32Array.from(values).sort()].map((x) => x + 0));
    },
  );
});

describe('trainGbdt properties', () => {
  test.prop([fc.array(fc.tuple(trickyValue, trickyValue, fc.double({ min: -10, max: 10, noNaN: true })), { minLength: 10, maxLength: 300 })], { numRuns: 60 })(
    'a row reaches, through float32 thresholds on its raw values, the leaf that counted it in training',
    (rows) => {
      const data = {
        rows: rows.length,
        features: 2,
        values: Float64Array.from(rows.flatMap(([a, b]) => [a, b])),
        labels: Float64Array.from(rows.map(([, , y]) => y)),
      };
      const model = trainGbdt(data, null, {
        ...DEFAULT_GBDT_PARAMS, rounds: 3, numLeaves: 5, minDataInLeaf: 2, featureFraction: 1, baggingFraction: 1, earlyStoppingRounds: 0,
      });
      for (const t of model.trees) {
        const reached = new Int32Array(t.feature.length);
        for (let i = 0; i < data.rows; i++) {
          let node = 0;
          while (!isLeaf(t, node)) node = Math.fround(data.values[2 * i + t.feature[node]]) <= t.threshold[node] ? t.left[node] : t.right[node];
          reached[node]++;
        }
        for (let node = 0; node < t.feature.length; node++) if (isLeaf(t, node)) expect(reached[node]).toBe(t.count[node]);
      }
    },
  );
});
