import type { TrainingTable } from '../application/ports/training-table.ts';
import type { Baselines, TrainedEnsemble, TrainingOptions } from '../application/training.ts';
import type { BaselineFigures, SignalFigures } from '../application/training-figures.ts';
import { formatSpan } from '../application/feature-docs.ts';
import type { Agreement } from '../adapters/onnx/agreement.ts';
import { FEATURES } from '../domain/features/definitions.ts';
import { selectionWarmupMicros } from '../domain/features/registry.ts';

/** The venue time the model's features need before they are warm, µs. */
export function modelWarmupMicros(names: readonly string[]): number {
  return selectionWarmupMicros(FEATURES.filter((d) => names.includes(d.name)));
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const num = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const nullable = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** A signal source's figures as report.json writes them (snake case, as `ladder report` reads run figures). */
function signalJson(f: SignalFigures): object {
  return {
    rows: f.rows, auc: f.auc, ic: f.ic, hit_rate: f.hitRate, false_signal_rate: f.falseSignalRate, threshold: f.threshold,
    signals: f.signals, edge_bps: f.edgeBps, abstain: f.abstain,
  };
}

function baselineJson(b: BaselineFigures | null): object | null {
  return b === null ? null : { auc: b.auc, hit_rate: b.hitRate, signals: b.signals, false_signal_rate: b.falseSignalRate, edge_bps: b.edgeBps };
}

const baselinesJson = (b: Baselines): object => ({ obi_sign: baselineJson(b.obi_sign), ofi_sign: baselineJson(b.ofi_sign), no_trade: baselineJson(b.no_trade) });

/** report.json: everything the run measured, NaN written as null. The holdout is the headline. */
export function trainingReportJson(table: TrainingTable, o: TrainingOptions, t: TrainedEnsemble, agreement: Agreement): unknown {
  const r = t.report;
  return JSON.parse(JSON.stringify({
    data: {
      sources: table.sources, rows: table.rows, skippedRows: table.skippedRows, features: table.featureNames, schemaId: table.schemaId,
      modelFeatures: o.features, warmupMs: modelWarmupMicros(o.features) / 1000,
    },
    options: { ...o, horizons: t.ensemble.horizonsMs },
    split: r.split,
    dropped_horizons: r.dropped,
    holdout: { ...signalJson(r.holdout), abstain_reason: r.abstain, cost_bps: o.costBps, reliability: r.holdout.reliability },
    baselines: baselinesJson(r.baselines),
    per_horizon: r.perHorizon.map((h) => ({
      horizon_ms: h.horizonMs, weight: h.weight, label_mean_bps: h.labelMeanBps, validation_ic: h.validationIc,
      holdout: { rows: h.holdout.rows, auc: h.holdout.auc, ic: h.holdout.ic, hit_rate: h.holdout.hitRate },
      baselines: baselinesJson(h.baselines),
    })),
    validation: r.validation,
    folds: r.folds.map((f) => ({ ...f, figures: signalJson(f.figures) })),
    ensemble: t.ensemble,
    threshold: t.threshold,
    importance: r.importance,
    false_signals: r.falseSignals,
    trees: t.members.map((m) => m.trees.length),
    onnxAgreement: agreement,
  }, (_key, value: unknown) => (typeof value === 'number' ? nullable(value) : value)));
}

const baselineLine = (name: string, b: BaselineFigures | null): string =>
  b === null
    ? `    ${name.padEnd(9)} not in the data`
    : `    ${name.padEnd(9)} AUC ${num(b.auc)}  hit ${pct(b.hitRate)}  ${b.signals} signals, false ${pct(b.falseSignalRate)}, edge ${num(b.edgeBps, 2)} bps`;

/** The summary `ladder train` prints: the holdout first, then how it was reached. */
export function formatTrainingSummary(dir: string, table: TrainingTable, o: TrainingOptions, t: TrainedEnsemble, agreement: Agreement): string {
  const r = t.report;
  const h = r.holdout;
  const horizons = t.ensemble.horizonsMs.map((ms) => `${ms / 1000} s`);
  const lines = [
    `Ladder model → ${dir}`,
    `  data       ${table.rows.toLocaleString('en-US')} rows × ${o.features.length} features from ${table.sources.length} file(s) (of ${table.featureNames.length} exported)` +
      (table.skippedRows > 0 ? `, ${table.skippedRows} rows left out (a feature not finite)` : '') + `; warm-up of the selection ${formatSpan(modelWarmupMicros(o.features))}`,
    ...r.dropped.map((d) => `  dropped    horizon ${d.horizonMs / 1000} s: ${d.windows} windows in the holdout, fewer than ${d.minWindows}`),
    `  split      ${r.split.developmentRows} development rows, ${r.split.purgedRows} purged, ${r.split.holdoutRows} holdout rows (untouched until the final score)`,
    `  members    ${horizons.join(', ')}: ${t.members.map((m) => m.trees.length).join(', ')} trees; weights ${t.ensemble.weights.map((w) => num(w)).join(', ')}; primary horizon ${horizons[r.primary]}`,
    `  HOLDOUT    ${h.rows} rows, cost ${o.costBps} bps: AUC ${num(h.auc)}, IC ${num(h.ic)}, hit rate ${pct(h.hitRate)} (rows that moved)`,
    r.abstain !== null
      ? `  ABSTAINS   the model never signals: ${r.abstain}`
      : `  signals    ${h.signals} at threshold ${num(h.threshold, 4)}: false-signal rate ${pct(h.falseSignalRate)}, edge ${num(h.edgeBps, 2)} bps a signal net of cost`,
    '  baselines  on the same rows (sign of the feature, every row)',
    baselineLine('obi_sign', r.baselines.obi_sign),
    baselineLine('ofi_sign', r.baselines.ofi_sign),
    '    no_trade  0 signals, edge 0 bps',
    '  per horizon (holdout)',
    ...r.perHorizon.map((p) => `    ${String(p.horizonMs / 1000).padStart(4)} s  weight ${num(p.weight)}  validation IC ${num(p.validationIc)}  ` +
      `holdout AUC ${num(p.holdout.auc)}  IC ${num(p.holdout.ic)}  hit ${pct(p.holdout.hitRate)}  (obi AUC ${num(p.baselines.obi_sign?.auc ?? NaN)})`),
    `  folds      ${r.folds.length} walk-forward, each fitted, calibrated and thresholded on rows before it; purge ${Math.max(...t.ensemble.horizonsMs) / 1000} s`,
    ...r.folds.map((f) => `    fold ${f.index + 1}   fit ${f.fitRows}  calibrate ${f.calibrationRows}  valid ${f.validRows}  AUC ${num(f.figures.auc)}  IC ${num(f.figures.ic)}  ` +
      (f.abstain === null ? `signals ${f.figures.signals}  false ${pct(f.figures.falseSignalRate)}  edge ${num(f.figures.edgeBps, 2)} bps` : 'abstains')),
    '  importance (holdout IC lost when shuffled; split gain)',
    ...r.importance.slice(0, 8).map((i) => `    ${i.feature.padEnd(28)} ${num(i.permutation, 4).padStart(8)}  ${num(i.gain, 0).padStart(10)}`),
    `  false signals by condition (${r.falseSignals.basis === 'signals' ? 'holdout signals' : 'every holdout row with a score, as the model abstains'}: ${r.falseSignals.signals})`,
    ...r.falseSignals.breakdowns.filter((b) => b.by !== 'hour of day (UTC)').map((b) =>
      `    ${b.by.padEnd(30)} ${b.buckets.map((k) => `${k.bucket} ${pct(k.rate)} of ${k.count}`).join(' | ')}`),
    `  onnx       onnxruntime agrees with the trainer within ${agreement.maxAbsDiff.toExponential(2)} on all ${agreement.rows} rows`,
  ];
  return lines.join('\n');
}
