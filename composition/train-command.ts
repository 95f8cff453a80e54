import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TrainingTable } from '../application/ports/training-table.ts';
import { trainEnsemble, TrainingError, type TrainedEnsemble, type TrainingOptions } from '../application/training.ts';
import { horizonLabel } from '../application/feature-export.ts';
import { createSchema } from '../domain/features/feature-vector.ts';
import { predictRow } from '../domain/model/gbdt/model.ts';
import { checkGbdtParams, DEFAULT_GBDT_PARAMS, type GbdtParams } from '../domain/model/gbdt/params.ts';
import { readTrainingTable, TrainingDataError } from '../adapters/export/training-reader.ts';
import { measureAgreement } from '../adapters/onnx/agreement.ts';
import { formatManifest, MANIFEST_FILE, MODEL_FILE, type Manifest } from '../adapters/onnx/manifest.ts';
import { encodeTreeEnsemble } from '../adapters/onnx/tree-ensemble-export.ts';
import { ConfigError, durationFlag, intFlag } from './config.ts';
import { formatTrainingSummary, trainingReportJson } from './train-report.ts';
import { TrainingProgressLine } from './train-progress.ts';
import { normalizeArgs } from './args.ts';

/** Bybit's non-VIP linear taker fee is 0.055% a side: a round trip costs 11 bps. */
const TAKER_ROUND_TRIP_BPS = 11;
/** onnxruntime and the trainer must agree this closely on every row. */
const AGREEMENT_TOLERANCE = 1e-5;
export const REPORT_FILE = 'report.json';
const INPUT = 'features';
const OUTPUT = 'scores';

export const TRAIN_HELP = `ladder train — train a gradient-boosted multi-horizon model on exported features

Usage: ladder train --data FILE [FILE…] --out DIR [flags]

  --data FILE…           exports of "ladder features --labels" (CSV or Parquet, each with its
                         .schema.json); several files are read in time order and must not overlap
  --out DIR              the model directory to write: model.onnx, manifest.json, report.json
  --force                replace an existing model directory
  --id NAME              the model id (default: the directory's name)
  --horizons LIST        label horizons to model, one regressor each (default: every horizon of the data)
  --primary H            the signal's horizon, on which the threshold is chosen (default: the horizon
                         whose model has the highest out-of-fold information coefficient)
  --weights LIST|ic      one weight per horizon in the ensemble's score and confidence, or ic (the
                         default): each model's out-of-fold information coefficient where positive, else 0
  --folds N              walk-forward folds (default 4); purge and embargo are the longest horizon
  --cost-bps X           round-trip cost a signal's move must cover (default ${TAKER_ROUND_TRIP_BPS}: a taker round trip)
  --target-fsr X         false-signal rate the threshold must meet on validation data (default 0.2)
  --min-signals N        the least signals a threshold may leave on validation data (default 50)
  --calibration KIND     isotonic (default) or platt
  --rounds N --learning-rate X --leaves N --min-data-in-leaf N --lambda-l2 X
  --feature-fraction X --bagging-fraction X --max-bins N --early-stopping N --seed N
                         gradient boosting (defaults ${JSON.stringify(DEFAULT_GBDT_PARAMS)})
  --quiet                no progress on standard error

The model is exported as an ONNX TreeEnsembleRegressor (ai.onnx.ml 3) with one output column per horizon,
checked against the trainer's own predictions on every row (within ${AGREEMENT_TOLERANCE}). report.json
holds every fold's figures, the out-of-fold information coefficient, hit rate, false-signal rate at the
chosen threshold, the reliability table and feature importance.`;

const OPTIONS = {
  data: { type: 'string', multiple: true },
  out: { type: 'string' },
  force: { type: 'boolean' },
  id: { type: 'string' },
  horizons: { type: 'string' },
  primary: { type: 'string' },
  weights: { type: 'string' },
  folds: { type: 'string' },
  'cost-bps': { type: 'string' },
  'target-fsr': { type: 'string' },
  'min-signals': { type: 'string' },
  calibration: { type: 'string' },
  rounds: { type: 'string' },
  'learning-rate': { type: 'string' },
  leaves: { type: 'string' },
  'min-data-in-leaf': { type: 'string' },
  'lambda-l2': { type: 'string' },
  'feature-fraction': { type: 'string' },
  'bagging-fraction': { type: 'string' },
  'max-bins': { type: 'string' },
  'early-stopping': { type: 'string' },
  seed: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** `ladder train …`: see TRAIN_HELP. */
export async function trainCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args: normalizeArgs(args, OPTIONS, 'train'), options: OPTIONS, strict: true, allowPositionals: true });
  if (values.help === true) {
    out(TRAIN_HELP);
    return 0;
  }
  const files = [...(values.data ?? []), ...positionals];
  if (files.length === 0) throw new ConfigError('--data', 'required: one or more exports of "ladder features --labels"');
  if (values.out === undefined) throw new ConfigError('--out', 'required: the model directory to write');
  const dir = values.out;
  if (existsSync(dir) && values.force !== true) throw new ConfigError('--out', `${dir} already exists; pass --force to replace it`);
  const gbdt = gbdtFlags(values);

  let table: TrainingTable;
  try {
    table = await readTrainingTable(files);
  } catch (error) {
    if (error instanceof TrainingDataError) throw new ConfigError('--data', error.message);
    throw error;
  }
  const options = trainingFlags(values, table, gbdt);
  const progress = new TrainingProgressLine(process.stderr, options.folds, options.horizons.length, values.quiet === true);
  let trained: TrainedEnsemble;
  try {
    trained = trainEnsemble(table, options, (stage, p) => progress.update(stage, p));
  } catch (error) {
    progress.done();
    if (error instanceof TrainingError) throw new ConfigError('--data', error.message);
    throw error;
  }
  progress.done();

  const id = values.id ?? basename(resolve(dir));
  const bytes = encodeTreeEnsemble(trained.members, {
    graphName: id, inputName: INPUT, outputName: OUTPUT, docString: `ladder train: ${trained.members.length} gradient-boosted regressors`,
  });
  const expected = trained.members.map((m) => {
    const column = new Float64Array(table.rows);
    for (let i = 0; i < table.rows; i++) column[i] = predictRow(m, table.values, i * table.featureNames.length);
    return column;
  });
  const agreement = await measureAgreement(bytes, INPUT, OUTPUT, table.values, table.featureNames.length, expected);
  if (!(agreement.maxAbsDiff <= AGREEMENT_TOLERANCE)) {
    throw new Error(`onnxruntime and the trainer differ by ${agreement.maxAbsDiff} at row ${agreement.worstRow}, output ${agreement.worstColumn}; the model was not written`);
  }
  const manifest = manifestOf(id, table, options, trained);
  await writeModel(dir, bytes, manifest, trainingReportJson(table, options, trained, agreement));
  out(formatTrainingSummary(dir, table, options, trained, agreement));
  return 0;
}

function manifestOf(id: string, table: TrainingTable, o: TrainingOptions, trained: TrainedEnsemble): Manifest {
  const schema = createSchema(table.featureNames, table.featureVersions);
  if (schema.id !== table.schemaId) {
    throw new ConfigError('--data', `the export's schema id ${table.schemaId} is not that of its features (${schema.id}); re-export it`);
  }
  const horizons = trained.ensemble.horizonsMs.map((ms) => horizonLabel(ms * 1000));
  const synthetic = table.sources.every((s) => s.source.startsWith('synthetic'));
  const { overall } = trained.report;
  const nullable = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return {
    id,
    description: `Gradient-boosted trees, one regressor per horizon (${horizons.join(', ')}), trained by ladder train on ${synthetic ? 'the synthetic market' : 'recorded data'}`,
    featureNames: table.featureNames,
    featureVersions: table.featureVersions,
    schemaId: table.schemaId,
    horizonMs: trained.ensemble.horizonsMs[trained.report.primary],
    output: { kind: 'horizons', tensor: OUTPUT, ensemble: trained.ensemble },
    scoreMeaning: `weighted mean of the predicted mid moves over ${horizons.join(', ')}, bps`,
    threshold: trained.threshold,
    trainedOn: {
      source: table.sources.map((s) => `${basename(s.file)} (${s.source})`).join('; '),
      from: new Date(table.ts[0] / 1000).toISOString(),
      to: new Date(table.ts[table.rows - 1] / 1000).toISOString(),
      rows: table.rows,
    },
    synthetic,
    training: { ...o.gbdt, folds: o.folds, calibration: o.calibration, earlyStoppingShare: o.earlyStoppingShare, minSignals: o.minSignals },
    validation: {
      costBps: o.costBps,
      targetFalseSignalRate: o.targetFalseSignalRate,
      folds: o.folds,
      rows: trained.report.folds.reduce((n, f) => n + f.validRows, 0),
      ic: nullable(overall.ic),
      hitRate: nullable(overall.threshold.hitRate),
      falseSignalRate: nullable(overall.threshold.falseSignalRate),
      signals: overall.threshold.signals,
      thresholdMet: overall.threshold.met,
      perHorizon: overall.members.map((m) => ({ horizonMs: m.horizonMs, ic: nullable(m.ic), hitRate: nullable(m.hitRate) })),
    },
  };
}

/** Writes the directory beside its final place and renames it in, so a model directory is always whole. */
async function writeModel(dir: string, bytes: Uint8Array, manifest: Manifest, report: unknown): Promise<void> {
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await writeFile(`${partial}/${MODEL_FILE}`, bytes);
  await writeFile(`${partial}/${MANIFEST_FILE}`, formatManifest(manifest));
  await writeFile(`${partial}/${REPORT_FILE}`, `${JSON.stringify(report, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
}

function gbdtFlags(v: Flags): GbdtParams {
  const d = DEFAULT_GBDT_PARAMS;
  const int = (flag: keyof Flags, fallback: number, min: number, max: number): number =>
    (v[flag] === undefined ? fallback : intFlag(`--${flag}`, v[flag] as string, min, max));
  const params: GbdtParams = {
    rounds: int('rounds', d.rounds, 1, 100_000),
    learningRate: numberFlag(v, 'learning-rate', d.learningRate),
    numLeaves: int('leaves', d.numLeaves, 2, 65_536),
    minDataInLeaf: int('min-data-in-leaf', d.minDataInLeaf, 1, 10_000_000),
    lambdaL2: numberFlag(v, 'lambda-l2', d.lambdaL2),
    featureFraction: numberFlag(v, 'feature-fraction', d.featureFraction),
    baggingFraction: numberFlag(v, 'bagging-fraction', d.baggingFraction),
    maxBins: int('max-bins', d.maxBins, 2, 255),
    earlyStoppingRounds: int('early-stopping', d.earlyStoppingRounds, 0, 100_000),
    minGainToSplit: d.minGainToSplit,
    seed: int('seed', d.seed, 0, 2 ** 32 - 1),
  };
  const problem = checkGbdtParams(params);
  if (problem !== null) throw new ConfigError('train', problem);
  return params;
}

function trainingFlags(v: Flags, table: TrainingTable, gbdt: GbdtParams): TrainingOptions {
  const available = table.horizonsMicros.map(horizonLabel);
  const horizonOf = (flag: string, text: string): number => {
    const i = table.horizonsMicros.indexOf(durationFlag(flag, text) * 1000);
    if (i < 0) throw new ConfigError(flag, `"${text}" is not a horizon of the data (${available.join(', ')})`);
    return i;
  };
  const horizons = v.horizons === undefined ? table.horizonsMicros.map((_, i) => i) : v.horizons.split(',').map((h) => horizonOf('--horizons', h.trim()));
  if (new Set(horizons).size !== horizons.length) throw new ConfigError('--horizons', 'names a horizon twice');
  const primary = v.primary === undefined ? 'best' : horizons.indexOf(horizonOf('--primary', v.primary));
  if (primary === -1) throw new ConfigError('--primary', `"${v.primary}" is not one of --horizons`);
  const weights = v.weights === undefined || v.weights === 'ic' ? 'ic' : v.weights.split(',').map((w) => numberText('--weights', w.trim()));
  if (weights !== 'ic') {
    if (weights.length !== horizons.length) throw new ConfigError('--weights', `needs one weight per horizon (${horizons.length}), got ${weights.length}`);
    if (weights.some((w) => w < 0) || !weights.some((w) => w > 0)) throw new ConfigError('--weights', 'must be ≥ 0 with at least one positive');
  }
  const calibration = v.calibration ?? 'isotonic';
  if (calibration !== 'isotonic' && calibration !== 'platt') throw new ConfigError('--calibration', `"${calibration}" is not isotonic or platt`);
  const target = numberFlag(v, 'target-fsr', 0.2);
  if (!(target >= 0 && target <= 1)) throw new ConfigError('--target-fsr', `${target} is not in [0, 1]`);
  const costBps = numberFlag(v, 'cost-bps', TAKER_ROUND_TRIP_BPS);
  if (!(costBps >= 0)) throw new ConfigError('--cost-bps', `${costBps} is negative`);
  return {
    horizons, primary, weights, gbdt, calibration, costBps, targetFalseSignalRate: target,
    folds: v.folds === undefined ? 4 : intFlag('--folds', v.folds, 1, 50),
    minSignals: v['min-signals'] === undefined ? 50 : intFlag('--min-signals', v['min-signals'], 1, 10_000_000),
    earlyStoppingShare: 0.15,
  };
}

function numberFlag(v: Flags, flag: keyof Flags, fallback: number): number {
  const text = v[flag];
  return text === undefined ? fallback : numberText(`--${flag}`, text as string);
}

function numberText(flag: string, text: string): number {
  const n = Number(text);
  if (text === '' || !Number.isFinite(n)) throw new ConfigError(flag, `"${text}" is not a number`);
  return n;
}
