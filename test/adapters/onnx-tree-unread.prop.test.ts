import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../adapters/onnx/manifest.ts';
import { unreadColumns } from '../../adapters/onnx/output-readout.ts';
import { compileTreeEnsemble, type TreeEnsembleRunner } from '../../adapters/onnx/tree-ensemble-runner.ts';
import { ModelProtoType } from '../../adapters/onnx/onnx-proto.ts';
import { ensembleAndRows, featureValue } from '../support/random-tree-ensemble.ts';

const repoModels = fileURLToPath(new URL('../../models/', import.meta.url));

/** Asserts `some` (told of `unread`) gives exactly `all`'s scores on every other target, Object.is. */
function expectSameRead(all: TreeEnsembleRunner, some: TreeEnsembleRunner, unread: readonly number[], row: ArrayLike<number>): void {
  const want = Array.from(all.run(row));
  const got = Array.from(some.run(row));
  expect(got.length).toBe(want.length);
  for (let k = 0; k < want.length; k++) if (!unread.includes(k) && !Object.is(got[k], want[k])) expect.fail(`target ${k}: ${got[k]}, not ${want[k]}`);
}

/** Every split threshold of the file, by feature. */
function thresholdsByFeature(bytes: Uint8Array, width: number): number[][] {
  const model = ModelProtoType.toObject(ModelProtoType.decode(bytes), { longs: Number }) as {
    graph: { node: { attribute: { name: string; ints?: number[]; floats?: number[]; strings?: Uint8Array[] }[] }[] };
  };
  const attrs = new Map(model.graph.node[0].attribute.map((a) => [a.name, a]));
  const modes = attrs.get('nodes_modes')!.strings!.map((s) => Buffer.from(s).toString());
  const out: number[][] = Array.from({ length: width }, () => []);
  attrs.get('nodes_featureids')!.ints!.forEach((f, i) => {
    if (modes[i] !== 'LEAF') out[f].push(Math.fround(attrs.get('nodes_values')!.floats![i]));
  });
  return out;
}

describe('the tree-ensemble runner told of targets never read', () => {
  for (const name of ['synthetic-gbdt', 'binance-gbdt']) {
    const bytes = readFileSync(join(repoModels, name, 'model.onnx'));
    const manifest = JSON.parse(readFileSync(join(repoModels, name, 'manifest.json'), 'utf8')) as { featureNames: string[] };
    const all = compileTreeEnsemble(bytes)!;
    const row = fc.tuple(...thresholdsByFeature(bytes, manifest.featureNames.length).map(featureValue));
    const unread = fc.subarray(Array.from({ length: all.targets }, (_, k) => k));

    test.prop([row, unread], { numRuns: 2000 })(`scores ${name}'s rows as before on every target read`, (values, skipped) => {
      const some = compileTreeEnsemble(bytes, { unread: skipped })!;
      expectSameRead(all, some, skipped, values);
      expectSameRead(all, some, skipped, Float64Array.from(values));
    });
  }

  test.prop([ensembleAndRows(), fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 })], { numRuns: 300 })(
    'scores any ensemble as before on every target read',
    ({ bytes, rows }, unread) => {
      const all = compileTreeEnsemble(bytes)!;
      const some = compileTreeEnsemble(bytes, { unread })!;
      for (const r of rows) expectSameRead(all, some, unread, r);
    },
  );

  it("reads synthetic-gbdt's horizon weighted 0 as unread and scores the others as before", () => {
    const dir = join(repoModels, 'synthetic-gbdt');
    const bytes = readFileSync(join(dir, 'model.onnx'));
    const manifest = readManifest(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    if (!manifest.ok) throw new Error('the shipped manifest does not read');
    const output = manifest.value.output;
    if (output.kind !== 'horizons') throw new Error('synthetic-gbdt reads horizons');
    const unread = unreadColumns(output);
    expect(unread).toEqual([2]);
    const all = compileTreeEnsemble(bytes)!;
    const some = compileTreeEnsemble(bytes, { unread })!;
    expectSameRead(all, some, unread, new Float64Array(all.features).fill(0.25));
  });
});
