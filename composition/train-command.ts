/**
 * `ladder train`: its settings, the run from the data to the checked model and the model directory it
 * writes. One piece because each step feeds the next and the flags govern them all; the summary and
 * report.json are formatted in train-report.ts, the progress line in train-progress.ts.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import type { TrainingTable } from '../application/ports/training-table.ts';
import { projectFeatures, trainEnsemble, TrainingError, type TrainedEnsemble, type TrainingOptions } from '../application/training.ts';
import { horizonLabel } from '../application/feature-export.ts';
import { FEATURES } from '../domain/features/definitions.ts';
import { createSchema } from '../domain/features/feature-vector.ts';
import { trainingSelection } from '../domain/features/registry.ts';
import { roundTripBps } from '../domain/model/targets.ts';
import { predictRow } from '../domain/model/gbdt/model.ts';
import { checkGbdtParams, DEFAULT_GBDT_PARAMS, type GbdtParams } from '../domain/model/gbdt/params.ts';
import { readTrainingTable, TrainingDataError } from '../adapters/export/training-reader.ts';
import { measureAgreement } from '../adapters/onnx/agreement.ts';
import { formatManifest, MANIFEST_FILE, MODEL_FILE, type Manifest } from '../adapters/onnx/manifest.ts';
import { encodeTreeEnsemble } from '../adapters/onnx/tree-ensemble-export.ts';
import { ConfigError, durationFlag } from './config.ts';
import { duration, flag, helpLines, int, number, optionTable, readSettings, setting, text, type Setting, type SettingValues } from './settings.ts';
import { featuresCommand } from './features-command.ts';
import { formatTrainingSummary, trainingReportJson } from './train-report.ts';
import { TrainingProgressLine } from './train-progress.ts';
import { parseCommandLine } from './args.ts';

/** Bybit's non-VIP linear maker fee, ppm a side: the default cost is its round trip (4 bps). */
const MAKER_PPM = 200;
/** The label horizons computed from captures: 5 s, 30 s, 2 min, 5 min. */
const INPUT_HORIZONS = '5s,30s,2m,5m';
/** Features trained on from captures by default: stationary, warm within this much venue time. */
const DEFAULT_MAX_WARMUP = '30s';
/** onnxruntime and the trainer must agree this closely on every row. */
const AGREEMENT_TOLERANCE = 1e-5;
export const REPORT_FILE = 'report.json';
const INPUT = 'features';
const OUTPUT = 'scores';

/** The trainer's defaults, shown in the help as the flags' own. */
const GBDT = DEFAULT_GBDT_PARAMS;
const files = (arg: string, help: string): Setting<z.ZodOptional<z.ZodArray<z.ZodString>>> & { readonly multiple: true } =>
  ({ type: 'string', multiple: true, schema: z.array(z.string()).optional(), arg, help });
const anyNumber = (): z.ZodType<number, string> => number(() => true, 'is not a number');

/** `ladder train`'s settings, declared as the trading commands' are (run-settings.ts); ranges beyond a flag's own are checked where they meet. */
const TRAIN_SETTINGS = {
  input: files('CAPTURE…', `recorded market data (the files "ladder features --input" reads); features and labels are computed first (at --horizons, default ${INPUT_HORIZONS})`),
  data: files('FILE…', 'exports of "ladder features --labels" (CSV or Parquet, each with its .schema.json); several files are read in time order and must not overlap'),
  out: setting(text(), { arg: 'DIR', help: 'the model directory to write: model.onnx, manifest.json, report.json' }),
  force: flag('replace an existing model directory'),
  id: setting(text(), { arg: 'NAME', help: "the model id (default: the directory's name)" }),
  horizons: setting(text(), { arg: 'LIST', help: 'label horizons to model, one regressor each (default: every horizon of the data)' }),
  primary: setting(text(), { arg: 'H', help: 'the signal\'s horizon, on which the threshold is chosen (default: the horizon whose model has the highest information coefficient on validation rows)' }),
  weights: setting(text(), { arg: 'LIST|ic', help: "one weight per horizon, or ic (the default): each model's information coefficient on validation rows where positive, else 0 (the member is dropped)" }),
  features: setting(text(), { arg: 'LIST', help: 'the features to train on (default: the stationary ones of the data; with --input, those warm within --max-warmup)' }),
  'all-features': flag('keep price levels (mid_price, spread_bps, …) in the default selection'),
  'max-warmup': setting(duration(), { arg: 'D', default: DEFAULT_MAX_WARMUP, help: '--input: leave out features whose warm-up is longer' }),
  holdout: setting(anyNumber(), { arg: 'X', default: '0.2', help: 'share of the rows, at the end, kept untouched for the final score' }),
  'min-windows': setting(int(1, 1_000_000), { arg: 'N', default: '10', help: 'a horizon needs N non-overlapping windows in the holdout, else it is dropped' }),
  folds: setting(int(1, 50), { arg: 'N', default: '4', help: 'walk-forward folds (fewer when the data is short); purge and embargo are the longest horizon' }),
  'maker-fee-ppm': setting(int(-10_000, 10_000), { arg: 'N', default: String(MAKER_PPM), help: `maker fee a side; the default --cost-bps is its round trip (${roundTripBps(MAKER_PPM)} bps at ${MAKER_PPM})` }),
  'cost-bps': setting(anyNumber(), { arg: 'X', help: "round-trip cost a signal's move must cover (default: the maker round trip)" }),
  'target-fsr': setting(anyNumber(), { arg: 'X', default: '0.2', help: 'false-signal rate the threshold must meet on validation data; when none does, the model abstains: it never signals' }),
  'min-signals': setting(int(1, 10_000_000), { arg: 'N', default: '50', help: 'the least signals a threshold may leave on validation data' }),
  calibration: setting(text(), { arg: 'KIND', default: 'isotonic', help: 'isotonic or platt' }),
  rounds: setting(int(1, 100_000), { arg: 'N', default: String(GBDT.rounds), help: 'boosting rounds' }),
  'learning-rate': setting(anyNumber(), { arg: 'X', default: String(GBDT.learningRate), help: 'shrinkage of each tree' }),
  leaves: setting(int(2, 65_536), { arg: 'N', default: String(GBDT.numLeaves), help: 'leaves a tree may have' }),
  'min-data-in-leaf': setting(int(1, 10_000_000), { arg: 'N', default: String(GBDT.minDataInLeaf), help: 'the fewest rows a leaf may hold' }),
  'lambda-l2': setting(anyNumber(), { arg: 'X', default: String(GBDT.lambdaL2), help: 'L2 regularisation of leaf values' }),
  'feature-fraction': setting(anyNumber(), { arg: 'X', default: String(GBDT.featureFraction), help: 'share of the features each tree may split on' }),
  'bagging-fraction': setting(anyNumber(), { arg: 'X', default: String(GBDT.baggingFraction), help: 'share of the rows each tree is fitted on' }),
  'max-bins': setting(int(2, 255), { arg: 'N', default: String(GBDT.maxBins), help: 'histogram bins a feature is cut into' }),
  'early-stopping': setting(int(0, 100_000), { arg: 'N', default: String(GBDT.earlyStoppingRounds), help: 'stop after N rounds without improvement on the early-stopping rows (0: never)' }),
  seed: setting(int(0, 2 ** 32 - 1), { arg: 'N', default: String(GBDT.seed), help: 'the sampling seed' }),
  quiet: flag('no progress on standard error'),
  help: flag('this text', 'h'),
};

export const TRAIN_HELP = `ladder train — train a gradient-boosted multi-horizon model, judged on an untouched holdout

Usage: ladder train (--input CAPTURE… | --data FILE…) --out DIR [flags]

${helpLines(TRAIN_SETTINGS, Object.keys(TRAIN_SETTINGS).filter((k) => k !== 'help'))}

Each member learns the move beyond the cost (its training window's mean taken out). The model is
exported as an ONNX TreeEnsembleRegressor (ai.onnx.ml 3) with one output column per horizon, checked
against the trainer's own predictions on every row (within ${AGREEMENT_TOLERANCE}). report.json holds the
holdout's figures (the headline), the baselines on the same rows, every fold's figures, per-horizon
figures, permutation importance beside gain and where false signals happen. See docs/research.md.`;

const OPTIONS = optionTable(TRAIN_SETTINGS);

/** The flags read to their types, defaults filled in. */
type Flags = SettingValues<typeof TRAIN_SETTINGS>;

/** `ladder train …`: see TRAIN_HELP. */
export async function trainCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values: parsed, positionals } = parseCommandLine('train', { args, options: OPTIONS, strict: true, allowPositionals: true });
  if (parsed.help === true) {
    out(TRAIN_HELP);
    return 0;
  }
  // Trailing file names belong to whichever of --input and --data was given (a shell glob expands so).
  const inputs = parsed.input === undefined ? [] : [...parsed.input, ...positionals];
  const files = [...(parsed.data ?? []), ...(parsed.input === undefined ? positionals : [])];
  if (files.length === 0 && inputs.length === 0) throw new ConfigError('--input', 'required: recorded market data (or --data: exports of "ladder features --labels")');
  if (files.length > 0 && inputs.length > 0) throw new ConfigError('--input', 'give --input or --data, not both');
  const values = readSettings(TRAIN_SETTINGS, parsed);
  if (values.out === undefined) throw new ConfigError('--out', 'required: the model directory to write');
  const dir = values.out;
  if (existsSync(dir) && !values.force) throw new ConfigError('--out', `${dir} already exists; pass --force to replace it`);
  const gbdt = gbdtFlags(values);

  let table: TrainingTable;
  let scratch: string | null = null;
  try {
    if (inputs.length > 0) {
      scratch = await mkdtemp(join(tmpdir(), 'ladder-train-'));
      files.push(await exportInputs(inputs, values, scratch));
    }
    table = await readTrainingTable(files);
    // The scratch export's path means nothing once it is gone: the captures are the source.
    if (inputs.length > 0) table = { ...table, sources: table.sources.map((s) => ({ ...s, file: inputs.map((f) => basename(f)).join(' + ') })) };
  } catch (error) {
    if (error instanceof TrainingDataError) throw new ConfigError('--data', error.message);
    throw error;
  } finally {
    if (scratch !== null) await rm(scratch, { recursive: true, force: true });
  }
  const options = trainingFlags(values, table, gbdt, inputs.length > 0);
  const progress = new TrainingProgressLine(process.stderr, options.folds, options.horizons.length, values.quiet);
  let trained: TrainedEnsemble;
  try {
    trained = trainEnsemble(table, options, (stage, p) => progress.update(stage, p));
  } catch (error) {
    progress.done();
    if (error instanceof TrainingError) throw new ConfigError(inputs.length > 0 ? '--input' : '--data', error.message);
    throw error;
  }
  progress.done();

  const id = values.id ?? basename(resolve(dir));
  const bytes = encodeTreeEnsemble(trained.members, {
    graphName: id, inputName: INPUT, outputName: OUTPUT, docString: `ladder train: ${trained.members.length} gradient-boosted regressors`,
  });
  const x = projectFeatures(table, options.features);
  const width = options.features.length;
  const expected = trained.members.map((m) => {
    const column = new Float64Array(table.rows);
    for (let i = 0; i < table.rows; i++) column[i] = predictRow(m, x, i * width);
    return column;
  });
  const agreement = await measureAgreement(bytes, INPUT, OUTPUT, x, width, expected);
  if (!(agreement.maxAbsDiff <= AGREEMENT_TOLERANCE)) {
    throw new Error(`onnxruntime and the trainer differ by ${agreement.maxAbsDiff} at row ${agreement.worstRow}, output ${agreement.worstColumn}; the model was not written`);
  }
  const manifest = manifestOf(id, table, options, trained, { inputs, command: ['ladder', 'train', ...args].join(' ') });
  await writeModel(dir, bytes, manifest, trainingReportJson(table, options, trained, agreement));
  out(formatTrainingSummary(dir, table, options, trained, agreement));
  return 0;
}

/** Where a model came from: the captures it was computed from (none for --data) and the command line. */
interface Provenance {
  readonly inputs: readonly string[];
  readonly command: string;
}

function manifestOf(id: string, table: TrainingTable, o: TrainingOptions, trained: TrainedEnsemble, from: Provenance): Manifest {
  const versions = o.features.map((name) => table.featureVersions[table.featureNames.indexOf(name)]);
  const schema = createSchema(o.features, versions);
  const exported = createSchema(table.featureNames, table.featureVersions);
  if (exported.id !== table.schemaId) {
    throw new ConfigError('--data', `the export's schema id ${table.schemaId} is not that of its features (${exported.id}); re-export it`);
  }
  const horizons = trained.ensemble.horizonsMs.map((ms) => horizonLabel(ms * 1000));
  const synthetic = table.sources.every((s) => s.source.startsWith('synthetic'));
  const { validation, holdout, perHorizon, folds } = trained.report;
  const nullable = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return {
    id,
    description: `Gradient-boosted trees, one regressor per horizon (${horizons.join(', ')}) of the move beyond a ${o.costBps} bps round trip, ` +
      `trained by ladder train on ${synthetic ? 'the synthetic market' : 'recorded data'}`,
    featureNames: o.features,
    featureVersions: versions,
    schemaId: schema.id,
    horizonMs: trained.ensemble.horizonsMs[trained.report.primary],
    output: { kind: 'horizons', tensor: OUTPUT, ensemble: trained.ensemble },
    scoreMeaning: `weighted mean of the predicted mid moves beyond the ${o.costBps} bps round trip over ${horizons.join(', ')}, bps`,
    threshold: trained.threshold,
    trainedOn: {
      source: from.inputs.length > 0
        ? `${from.inputs.map((f) => basename(f)).join(' + ')} (features and labels computed by ladder train)`
        : table.sources.map((s) => `${basename(s.file)} (${s.source})`).join('; '),
      from: new Date(table.ts[0] / 1000).toISOString(),
      to: new Date(table.ts[table.rows - 1] / 1000).toISOString(),
      rows: table.rows,
    },
    synthetic,
    training: {
      ...o.gbdt, folds: folds.length, calibration: o.calibration, earlyStoppingShare: o.earlyStoppingShare, minSignals: o.minSignals,
      holdoutShare: o.holdoutShare, calibrationShare: o.calibrationShare, target: 'net move beyond cost, de-meaned per training window',
      command: from.command,
    },
    validation: {
      costBps: o.costBps,
      targetFalseSignalRate: o.targetFalseSignalRate,
      folds: folds.length,
      rows: validation.rows,
      hitRate: nullable(validation.threshold.hitRate),
      falseSignalRate: nullable(validation.threshold.falseSignalRate),
      signals: validation.threshold.signals,
      thresholdMet: validation.threshold.met,
      perHorizon: perHorizon.map((h) => ({ horizonMs: h.horizonMs, ic: nullable(h.validationIc), hitRate: nullable(h.holdout.hitRate) })),
      holdoutRows: holdout.rows,
      holdoutAuc: nullable(holdout.auc),
      holdoutIc: nullable(holdout.ic),
      holdoutHitRate: nullable(holdout.hitRate),
      holdoutFalseSignalRate: nullable(holdout.falseSignalRate),
      holdoutSignals: holdout.signals,
      holdoutEdgeBps: nullable(holdout.edgeBps),
    },
    ...(trained.abstain === null ? {} : { abstain: trained.abstain }),
  };
}

/**
 * Computes features and labels from recorded market data into a scratch export, as
 * `ladder features --input … --labels` would, and returns its path.
 */
async function exportInputs(inputs: readonly string[], v: Flags, scratch: string): Promise<string> {
  const target = join(scratch, 'features.csv');
  const maxWarmup = v['max-warmup'] * 1000;
  const selected = v.features !== undefined
    ? listFlag(v.features)
    : (v['all-features'] ? FEATURES : trainingSelection(FEATURES).kept).filter((d) => d.warmupMicros <= maxWarmup).map((d) => d.name);
  // Every horizon stays in the scratch export (--min-windows 0): the trainer drops those its holdout
  // cannot judge, and says so, with the windows the holdout held.
  const args = [
    ...inputs.flatMap((f) => ['--input', f]), '--out', target, '--labels', '--horizons', v.horizons ?? INPUT_HORIZONS, '--min-windows', '0', '--features', selected.join(','),
    ...(v.quiet ? ['--quiet'] : []),
  ];
  try {
    await featuresCommand(args, () => undefined);
  } catch (error) {
    // The export names its own flags; the user gave them to train as --input, --horizons, --features.
    if (error instanceof ConfigError) throw new ConfigError(error.field === '--out' ? '--input' : error.field, error.reason);
    throw error;
  }
  return target;
}

const listFlag = (text: string): string[] => text.split(',').map((s) => s.trim()).filter((s) => s !== '');

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
  const params: GbdtParams = {
    rounds: v.rounds,
    learningRate: v['learning-rate'],
    numLeaves: v.leaves,
    minDataInLeaf: v['min-data-in-leaf'],
    lambdaL2: v['lambda-l2'],
    featureFraction: v['feature-fraction'],
    baggingFraction: v['bagging-fraction'],
    maxBins: v['max-bins'],
    earlyStoppingRounds: v['early-stopping'],
    minGainToSplit: GBDT.minGainToSplit,
    seed: v.seed,
  };
  const problem = checkGbdtParams(params);
  if (problem !== null) throw new ConfigError('train', problem);
  return params;
}

function trainingFlags(v: Flags, table: TrainingTable, gbdt: GbdtParams, fromInput: boolean): TrainingOptions {
  const available = table.horizonsMicros.map(horizonLabel);
  const horizonOf = (flag: string, text: string): number => {
    const i = table.horizonsMicros.indexOf(durationFlag(flag, text) * 1000);
    if (i < 0) throw new ConfigError(flag, `"${text}" is not a horizon of the data (${available.join(', ')})`);
    return i;
  };
  // With --input the horizons went to the export: train every one of them.
  const horizons = v.horizons === undefined || fromInput ? table.horizonsMicros.map((_, i) => i) : listFlag(v.horizons).map((h) => horizonOf('--horizons', h));
  if (new Set(horizons).size !== horizons.length) throw new ConfigError('--horizons', 'names a horizon twice');
  const primary = v.primary === undefined ? 'best' : horizons.indexOf(horizonOf('--primary', v.primary));
  if (primary === -1) throw new ConfigError('--primary', `"${v.primary}" is not one of --horizons`);
  const weights = v.weights === undefined || v.weights === 'ic' ? 'ic' : v.weights.split(',').map((w) => numberText('--weights', w.trim()));
  if (weights !== 'ic') {
    if (weights.length !== horizons.length) throw new ConfigError('--weights', `needs one weight per horizon (${horizons.length}), got ${weights.length}`);
    if (weights.some((w) => w < 0) || !weights.some((w) => w > 0)) throw new ConfigError('--weights', 'must be ≥ 0 with at least one positive');
  }
  const calibration = v.calibration;
  if (calibration !== 'isotonic' && calibration !== 'platt') throw new ConfigError('--calibration', `"${calibration}" is not isotonic or platt`);
  const target = v['target-fsr'];
  if (!(target >= 0 && target <= 1)) throw new ConfigError('--target-fsr', `${target} is not in [0, 1]`);
  const costBps = v['cost-bps'] ?? Math.max(0, roundTripBps(v['maker-fee-ppm']));
  if (!(costBps >= 0)) throw new ConfigError('--cost-bps', `${costBps} is negative`);
  const holdoutShare = v.holdout;
  if (!(holdoutShare > 0 && holdoutShare < 0.9)) throw new ConfigError('--holdout', `${holdoutShare} is not in (0, 0.9)`);
  return {
    horizons, primary, weights, gbdt, calibration, costBps, targetFalseSignalRate: target,
    folds: v.folds,
    minSignals: v['min-signals'],
    earlyStoppingShare: 0.15,
    features: modelFeatures(v, table, fromInput),
    holdoutShare,
    calibrationShare: 0.25,
    minWindows: v['min-windows'],
  };
}

/**
 * The features the model reads: --features (each must be in the data), else the data's stationary
 * features (all of them with --all-features). With --input, --features already chose the export.
 */
function modelFeatures(v: Flags, table: TrainingTable, fromInput: boolean): string[] {
  if (v.features !== undefined && !fromInput) {
    const names = listFlag(v.features);
    for (const name of names) if (!table.featureNames.includes(name)) throw new ConfigError('--features', `"${name}" is not a feature of the data`);
    if (new Set(names).size !== names.length) throw new ConfigError('--features', 'names a feature twice');
    return names;
  }
  const known = new Map(FEATURES.map((d) => [d.name, d]));
  const wanted = v.features !== undefined ? new Set(listFlag(v.features)) : null;
  const names = table.featureNames.filter((name) =>
    (wanted === null || wanted.has(name)) && (v['all-features'] || wanted !== null || known.get(name)?.stationary !== false));
  if (names.length === 0) throw new ConfigError('--features', 'no feature of the data is left to train on');
  return names;
}

function numberText(flag: string, text: string): number {
  const n = Number(text);
  if (text === '' || !Number.isFinite(n)) throw new ConfigError(flag, `"${text}" is not a number`);
  return n;
}
