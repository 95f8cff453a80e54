import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrainingTable } from '../../adapters/export/training-reader.ts';
import { loadOnnxModel } from '../../adapters/onnx/onnx-model.ts';
import { ConfigError } from '../../composition/config.ts';
import { featuresCommand } from '../../composition/features-command.ts';
import { trainCommand } from '../../composition/train-command.ts';
import { schemaForNames } from '../../domain/features/registry.ts';
import { unwrap } from '../../domain/result.ts';
import type { Micros } from '../../domain/values/units.ts';

/*
 * `ladder features` on twenty minutes of the synthetic market, then `ladder train` on the export:
 * the model it writes must load for trading, agree with onnxruntime, and show skill out of sample on
 * a market whose order-flow link is known (the latent imbalance leans the next market orders).
 */

const FEATURES = [
  'spread_ticks', 'wmid_offset_ticks', 'depth_imbalance_1', 'depth_imbalance_3', 'depth_imbalance_10', 'touch_qty_bid', 'touch_qty_ask',
  'ofi_100ms', 'ofi_1s', 'ofi_1s_norm', 'mlofi_1s', 'trade_imbalance_1s', 'trade_imbalance_5s', 'ret_1s_bps', 'rv_5s_bps', 'urgency_score',
];

const tmp = mkdtempSync(join(tmpdir(), 'ladder-train-'));
const data = join(tmp, 'synthetic.csv');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function train(...args: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const code = await trainCommand(args, (t) => (text += `${t}\n`));
  return { code, text };
}

interface Figures {
  readonly auc: number | null;
  readonly ic: number | null;
  readonly hit_rate: number | null;
  readonly false_signal_rate: number | null;
  readonly threshold: number;
  readonly signals: number;
  readonly edge_bps: number | null;
  readonly abstain: boolean;
}

interface Report {
  readonly holdout: Figures & { readonly abstain_reason: string | null };
  readonly baselines: { readonly obi_sign: { readonly auc: number; readonly hit_rate: number }; readonly ofi_sign: { readonly auc: number; readonly hit_rate: number } };
  readonly folds: readonly { readonly validFrom: number; readonly fitRows: number }[];
  readonly importance: readonly { readonly feature: string; readonly gain: number; readonly permutation: number }[];
  readonly onnxAgreement: { readonly maxAbsDiff: number; readonly rows: number };
}

describe('ladder train on the synthetic market', () => {
  beforeAll(async () => {
    const code = await featuresCommand(
      ['--source', 'synthetic', '--seed', '5', '--duration', '20m', '--features', FEATURES.join(','), '--labels', '--horizons', '1s,5s,30s', '--out', data, '--quiet'],
      () => undefined,
    );
    expect(code).toBe(0);
  }, 60_000);

  it('writes a model that loads for trading, agrees with onnxruntime and beats no skill out of sample', async () => {
    const dir = join(tmp, 'model');
    const { code, text } = await train('--data', data, '--out', dir, '--rounds', '60', '--folds', '3', '--cost-bps', '0',
      '--min-data-in-leaf', '500', '--leaves', '15', '--learning-rate', '0.1', '--min-signals', '20', '--quiet');
    expect(code).toBe(0);
    expect(text).toMatch(/onnxruntime agrees with the trainer within/);

    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    // On the untouched holdout every headline figure is there; twenty minutes give the trees little to
    // learn from (out of fold their IC is about 0.05), so only a sane band is asserted for the model,
    // while the imbalance and OFI signs, the market's order-flow link, rank moves well on the same rows.
    for (const key of ['hit_rate', 'false_signal_rate', 'threshold', 'signals', 'edge_bps', 'abstain'] as const) expect(report.holdout).toHaveProperty(key);
    expect(report.holdout.auc).toBeGreaterThan(0.4);
    expect(report.holdout.auc).toBeLessThan(0.7);
    for (const b of [report.baselines.obi_sign, report.baselines.ofi_sign]) {
      expect(b.auc).toBeGreaterThan(0.55);
      expect(b.hit_rate).toBeGreaterThan(0.52);
    }
    expect(report.importance.length).toBe(FEATURES.length);
    expect(report.onnxAgreement.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    // Expanding folds: each fits on more rows and validates later than the one before.
    for (let f = 1; f < report.folds.length; f++) {
      expect(report.folds[f].fitRows).toBeGreaterThan(report.folds[f - 1].fitRows);
      expect(report.folds[f].validFrom).toBeGreaterThan(report.folds[f - 1].validFrom);
    }

    // The trading path loads it against the engine's schema of the same features.
    const schema = unwrap(schemaForNames(FEATURES));
    const model = await loadOnnxModel(dir, { schemaId: schema.id });
    try {
      expect(model.manifest).toMatchObject({ synthetic: true, featureNames: FEATURES, validation: { costBps: 0, folds: 3, holdoutRows: expect.any(Number) as number } });
      expect(model.manifest.output.kind).toBe('horizons');
      const prediction = await model.predict({ schemaId: schema.id, ts: 0 as Micros, values: new Float64Array(FEATURES.length) });
      expect(prediction.confidence).toBeGreaterThanOrEqual(0);
      expect(prediction.confidence).toBeLessThanOrEqual(1);
    } finally {
      await model.close();
    }
  }, 60_000);

  it('abstains at the default cost, a maker round trip no synthetic move covers; loading such a model warns', async () => {
    const dir = join(tmp, 'abstains');
    const { code, text } = await train('--data', data, '--out', dir, '--rounds', '30', '--folds', '2', '--min-data-in-leaf', '500', '--quiet');
    expect(code).toBe(0);
    expect(text).toMatch(/ABSTAINS {3}the model never signals/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    expect(report.holdout).toMatchObject({ abstain: true, signals: 0, threshold: 1 });
    const model = await loadOnnxModel(dir, { schemaId: unwrap(schemaForNames(FEATURES)).id });
    try {
      expect(model.manifest.abstain).toMatch(/no (member|threshold)/);
      expect(model.manifest.validation?.costBps).toBe(4);
      expect(model.info.abstain).toBe(model.manifest.abstain);
      expect(model.warnings.join('\n')).toMatch(/abstains and will never signal/);
    } finally {
      await model.close();
    }
  }, 60_000);

  it('reads a Parquet export as the CSV export of the same market, row for row', async () => {
    const args = ['--source', 'synthetic', '--seed', '9', '--duration', '2m', '--features', FEATURES.join(','), '--labels', '--quiet'];
    const csv = join(tmp, 'two.csv');
    const parquet = join(tmp, 'two.parquet');
    expect(await featuresCommand([...args, '--out', csv], () => undefined)).toBe(0);
    expect(await featuresCommand([...args, '--out', parquet], () => undefined)).toBe(0);
    const a = await readTrainingTable([csv]);
    const b = await readTrainingTable([parquet]);
    expect(a.rows).toBeGreaterThan(100);
    expect(b.rows).toBe(a.rows);
    expect(b.featureNames).toEqual(FEATURES);
    expect(b.values).toEqual(a.values);
    expect(b.ts).toEqual(a.ts);
    expect(b.labels).toEqual(a.labels);
    // Two exports of the same stretch of market overlap in time: refused, naming the file.
    await expect(readTrainingTable([csv, parquet])).rejects.toThrow(/two\.(csv|parquet): its rows overlap in time with those of/);
  });

  it('refuses, naming the flag: no data, an existing directory, a horizon the data lacks, an export without labels', async () => {
    await expect(train('--out', join(tmp, 'x'))).rejects.toThrow(ConfigError);
    await expect(train('--data', data, '--out', tmp)).rejects.toThrow(/--out: .* already exists; pass --force/);
    await expect(train('--data', data, '--out', join(tmp, 'y'), '--horizons', '2s')).rejects.toThrow(/--horizons: "2s" is not a horizon of the data \(1s, 5s, 30s\)/);
    await expect(train('--data', data, '--out', join(tmp, 'z'), '--leaves', '1')).rejects.toThrow(/--leaves: 1 is outside 2\.\.65536/);
    const unlabelled = join(tmp, 'unlabelled.csv');
    writeFileSync(unlabelled, 'ts,warm\n1,1\n');
    writeFileSync(`${unlabelled}.schema.json`, JSON.stringify({ schemaId: 'fs-x', features: [], labels: null, source: 'test' }));
    await expect(train('--data', unlabelled, '--out', join(tmp, 'w'))).rejects.toThrow(/unlabelled\.csv: has no labels: export it with ladder features --labels/);
  });
});
