import type { TrainingTable } from '../application/ports/training-table.ts';
import type { TrainedEnsemble, TrainingOptions } from '../application/training.ts';
import type { Agreement } from '../adapters/onnx/agreement.ts';

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const num = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const nullable = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** report.json: everything the run measured, NaN written as null. */
export function trainingReportJson(table: TrainingTable, o: TrainingOptions, t: TrainedEnsemble, agreement: Agreement): unknown {
  return JSON.parse(JSON.stringify({
    data: { sources: table.sources, rows: table.rows, skippedRows: table.skippedRows, features: table.featureNames, schemaId: table.schemaId },
    options: { ...o, horizons: t.ensemble.horizonsMs },
    ensemble: t.ensemble,
    threshold: t.threshold,
    folds: t.report.folds,
    overall: t.report.overall,
    reliability: t.report.reliability,
    importance: t.report.importance,
    trees: t.members.map((m) => m.trees.length),
    onnxAgreement: agreement,
  }, (_key, value: unknown) => (typeof value === 'number' ? nullable(value) : value)));
}

/** The one-screen summary `ladder train` prints. */
export function formatTrainingSummary(dir: string, table: TrainingTable, o: TrainingOptions, t: TrainedEnsemble, agreement: Agreement): string {
  const { overall, folds, reliability } = t.report;
  const horizons = t.ensemble.horizonsMs.map((ms) => `${ms / 1000} s`);
  const lines = [
    `Ladder model → ${dir}`,
    `  data       ${table.rows.toLocaleString('en-US')} rows × ${table.featureNames.length} features from ${table.sources.length} file(s)` +
      (table.skippedRows > 0 ? `, ${table.skippedRows} rows left out (a feature not finite)` : ''),
    `  members    ${horizons.join(', ')}: ${t.members.map((m) => m.trees.length).join(', ')} trees; weights ${t.ensemble.weights.map((w) => num(w)).join(', ')}; primary horizon ${horizons[t.report.primary]}`,
    `  folds      ${folds.length} walk-forward, purge and embargo ${Math.max(...t.ensemble.horizonsMs) / 1000} s`,
    ...folds.map((f) => `    fold ${f.index + 1}   train ${f.trainRows}  valid ${f.validRows}  IC ${f.members.map((m) => num(m.ic)).join(' / ')}  ` +
      `hit ${f.members.map((m) => pct(m.hitRate)).join(' / ')}  signals ${f.signals}  false ${pct(f.falseSignalRate)}`),
    `  out of fold IC ${overall.members.map((m) => num(m.ic)).join(' / ')} (ensemble ${num(overall.ic)}), hit rate ${overall.members.map((m) => pct(m.hitRate)).join(' / ')}`,
    `  threshold  ${num(t.threshold, 4)}: ${overall.threshold.signals} signals, false-signal rate ${pct(overall.threshold.falseSignalRate)} ` +
      `(target ${pct(o.targetFalseSignalRate)} ${overall.threshold.met ? 'met' : 'NOT met'}, cost ${o.costBps} bps), hit rate ${pct(overall.threshold.hitRate)}`,
    '  reliability (confidence → realized share right)',
    ...reliability.filter((r) => r.count > 0).map((r) => `    ${num(r.from, 1)}–${num(r.to, 1)}  ${String(r.count).padStart(7)} rows  predicted ${pct(r.meanConfidence)}  realized ${pct(r.hitRate)}`),
    `  onnx       onnxruntime agrees with the trainer within ${agreement.maxAbsDiff.toExponential(2)} on all ${agreement.rows} rows`,
  ];
  if (!overall.threshold.met) {
    lines.push('  warning    no threshold met the target false-signal rate on validation data; the one with the lowest rate was kept');
  }
  return lines.join('\n');
}
