import { esc, REPORT_STYLE } from './report-html.ts';

/**
 * The slice of a training run's `report.json` (written by `ladder train`, docs/research.md) that the
 * HTML page shows. JSON has no NaN: a rate without a denominator is null.
 */
export interface TrainingReportJson {
  readonly data?: { readonly rows?: number; readonly sources?: readonly { readonly file: string; readonly source: string; readonly rows: number }[]; readonly modelFeatures?: readonly string[]; readonly warmupMs?: number };
  readonly split: { readonly developmentRows: number; readonly purgedRows: number; readonly holdoutRows: number; readonly holdoutFrom: number; readonly holdoutTo: number };
  readonly dropped_horizons: readonly { readonly horizonMs: number; readonly windows: number; readonly minWindows: number }[];
  readonly holdout: HoldoutJson;
  readonly baselines: { readonly obi_sign: BaselineJson | null; readonly ofi_sign: BaselineJson | null; readonly no_trade: BaselineJson };
  readonly per_horizon: readonly HorizonJson[];
  readonly validation: { readonly fitRows: number; readonly rows: number; readonly threshold: { readonly threshold: number; readonly signals: number; readonly falseSignalRate: number | null; readonly met: boolean; readonly bestFalseSignalRate?: number | null } };
  readonly folds: readonly FoldJson[];
  readonly importance: readonly { readonly feature: string; readonly gain: number; readonly permutation: number | null }[];
  readonly false_signals: { readonly basis: string; readonly signals: number; readonly breakdowns: readonly BreakdownJson[]; readonly missing: readonly string[] };
}

export interface HoldoutJson {
  readonly rows: number;
  readonly auc: number | null;
  readonly ic: number | null;
  readonly hit_rate: number | null;
  readonly false_signal_rate: number | null;
  readonly threshold: number;
  readonly signals: number;
  readonly edge_bps: number | null;
  readonly abstain: boolean;
  readonly abstain_reason: string | null;
  readonly cost_bps: number;
  readonly reliability: readonly { readonly from: number; readonly to: number; readonly count: number; readonly meanConfidence: number | null; readonly hitRate: number | null }[];
}

export interface BaselineJson {
  readonly auc: number | null;
  readonly hit_rate: number | null;
  readonly signals: number;
  readonly false_signal_rate: number | null;
  readonly edge_bps: number | null;
}

interface HorizonJson {
  readonly horizon_ms: number;
  readonly weight: number;
  readonly label_mean_bps: number | null;
  readonly validation_ic: number | null;
  readonly holdout: { readonly rows: number; readonly auc: number | null; readonly ic: number | null; readonly hit_rate: number | null };
  readonly baselines: { readonly obi_sign: BaselineJson | null; readonly ofi_sign: BaselineJson | null };
}

interface FoldJson {
  readonly index: number;
  readonly fitRows: number;
  readonly calibrationRows: number;
  readonly validRows: number;
  readonly figures: { readonly auc: number | null; readonly ic: number | null; readonly signals: number; readonly false_signal_rate: number | null; readonly edge_bps: number | null; readonly threshold: number };
  readonly abstain: string | null;
}

interface BreakdownJson {
  readonly by: string;
  readonly source: string;
  readonly buckets: readonly { readonly bucket: string; readonly count: number; readonly falseSignals: number; readonly rate: number | null }[];
}

/** What of the report a page cannot do without: the holdout and the tables it draws. */
export function isTrainingReport(x: unknown): x is TrainingReportJson {
  const r = x as Partial<Record<keyof TrainingReportJson, unknown>> | null;
  const h = r?.holdout as Partial<HoldoutJson> | undefined;
  return typeof r === 'object' && r !== null && typeof h === 'object' && h !== null && typeof h.threshold === 'number' && typeof h.signals === 'number'
    && Array.isArray(h.reliability) && typeof r.baselines === 'object' && r.baselines !== null && typeof r.split === 'object' && r.split !== null
    && typeof r.validation === 'object' && r.validation !== null && typeof r.false_signals === 'object' && r.false_signals !== null
    && [r.per_horizon, r.folds, r.importance, r.dropped_horizons].every(Array.isArray);
}

export interface TrainingPageMeta {
  /** The model directory, as given. */
  readonly dir: string;
  /** From the manifest beside the report; null when it has none. */
  readonly modelId: string | null;
  readonly command: string | null;
}

/**
 * A training run's report as one self-contained HTML page (inline style, no script), for a quant: the
 * holdout's headline figures and verdict, the baselines on the same rows, each horizon, reliability,
 * importance, where false signals happen, and the walk-forward folds. Every figure cell carries the
 * report's key and its exact value (`data-key`, `data-value`), so the page can be checked against it.
 */
export function renderTrainingReportHtml(r: TrainingReportJson, meta: TrainingPageMeta): string {
  const h = r.holdout;
  const name = meta.modelId ?? meta.dir;
  const verdict = h.abstain
    ? `<p class="bad"><b>Abstains</b>: the model never signals. ${esc(h.abstain_reason ?? '')}</p>`
    : `<p class="good"><b>Trades</b> at confidence ≥ ${num(h.threshold, 4)}: ${h.signals} signals on ${h.rows} holdout rows, ${h.edge_bps !== null && h.edge_bps > 0 ? 'a positive' : 'no positive'} edge net of a ${num(h.cost_bps, 2)} bps round trip.</p>`;
  const sources = (r.data?.sources ?? []).map((s) => `${s.source} (${s.rows} rows)`).join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ladder training report ${esc(name)}</title><style>${REPORT_STYLE}</style></head>
<body>
<h1>Ladder training report: model <code>${esc(name)}</code></h1>
<p class="meta">${esc(meta.dir)} · ${esc(sources || 'sources not recorded')} · ${r.data?.modelFeatures?.length ?? 'n/a'} features, warm-up ${r.data?.warmupMs === undefined ? 'n/a' : `${r.data.warmupMs / 1000} s`}${meta.command === null ? '' : ` · <code>${esc(meta.command)}</code>`}</p>
<section id="verdict"><h2>Verdict</h2>${verdict}
<p class="note">Every figure below the split is from the untouched holdout (the last rows, ${iso(r.split.holdoutFrom)} → ${iso(r.split.holdoutTo)}), scored once with the final model, calibration and threshold, at the primary horizon, unless it says otherwise.</p>
${table(['', 'rows'], [
    ['development', cell('split.developmentRows', r.split.developmentRows, 0)],
    ['purged (label window reaches the holdout)', cell('split.purgedRows', r.split.purgedRows, 0)],
    ['holdout', cell('split.holdoutRows', r.split.holdoutRows, 0)],
  ])}</section>
<section id="holdout"><h2>Holdout</h2>${table(['figure', 'value'], [
    ['rows with a known move', cell('holdout.rows', h.rows, 0)],
    ['AUC (up moves ranked above down moves; 0.5 is no skill)', cell('holdout.auc', h.auc, 3)],
    ['IC (rank correlation of score and move)', cell('holdout.ic', h.ic, 3)],
    ['hit rate (rows that moved)', cell('holdout.hit_rate', h.hit_rate, 'pct')],
    ['threshold (confidence)', cell('holdout.threshold', h.threshold, 4)],
    ['signals', cell('holdout.signals', h.signals, 0)],
    ['false-signal rate (move did not cover the cost)', cell('holdout.false_signal_rate', h.false_signal_rate, 'pct')],
    ['edge per signal, bps net of cost', cell('holdout.edge_bps', h.edge_bps, 2)],
    ['round-trip cost, bps', cell('holdout.cost_bps', h.cost_bps, 2)],
  ])}
<p class="note">Validation (the final ensemble's own last development rows): threshold ${num(r.validation.threshold.threshold, 4)}, ${r.validation.threshold.signals} signals, false-signal rate ${pct(r.validation.threshold.falseSignalRate)}, target ${r.validation.threshold.met ? 'met' : `not met${r.validation.threshold.bestFalseSignalRate == null ? '' : ` (best ${pct(r.validation.threshold.bestFalseSignalRate)})`}`}.</p></section>
<section id="baselines"><h2>Baselines on the same rows</h2>${table(['', 'AUC', 'hit rate', 'signals', 'false-signal rate', 'edge, bps'], [
    ['the model', cell('holdout.auc', h.auc, 3), cell('holdout.hit_rate', h.hit_rate, 'pct'), cell('holdout.signals', h.signals, 0), cell('holdout.false_signal_rate', h.false_signal_rate, 'pct'), cell('holdout.edge_bps', h.edge_bps, 2)],
    ...(['obi_sign', 'ofi_sign', 'no_trade'] as const).map((k) => baselineRow(k, `baselines.${k}`, r.baselines[k])),
  ])}
<p class="note">obi_sign trades the sign of depth_imbalance_1 on every row, ofi_sign the sign of ofi_1s; their AUC is of the raw feature value. n/a: the data lacks the feature.</p></section>
<section id="per-horizon"><h2>Per horizon</h2>${table(['horizon', 'weight', 'label mean, bps', 'validation IC', 'holdout AUC', 'holdout IC', 'holdout hit rate', 'obi_sign AUC', 'ofi_sign AUC'],
    r.per_horizon.map((p, i) => [`${p.horizon_ms / 1000} s`, cell(`per_horizon.${i}.weight`, p.weight, 3), cell(`per_horizon.${i}.label_mean_bps`, p.label_mean_bps, 3),
      cell(`per_horizon.${i}.validation_ic`, p.validation_ic, 3), cell(`per_horizon.${i}.holdout.auc`, p.holdout.auc, 3), cell(`per_horizon.${i}.holdout.ic`, p.holdout.ic, 3),
      cell(`per_horizon.${i}.holdout.hit_rate`, p.holdout.hit_rate, 'pct'), cell(`per_horizon.${i}.baselines.obi_sign.auc`, p.baselines.obi_sign?.auc ?? null, 3),
      cell(`per_horizon.${i}.baselines.ofi_sign.auc`, p.baselines.ofi_sign?.auc ?? null, 3)]))}
${r.dropped_horizons.length === 0 ? '' : `<p class="note">Dropped, too few windows in the holdout: ${esc(r.dropped_horizons.map((d) => `${d.horizonMs / 1000} s (${d.windows} of ${d.minWindows})`).join(', '))}.</p>`}</section>
<section id="reliability"><h2>Reliability <small class="meta">holdout rows by confidence: the share whose move covered the cost in the score's direction</small></h2>
${table(['confidence', 'rows', 'mean confidence', 'right'], h.reliability.map((b, i) => [`${num(b.from, 1)}–${num(b.to, 1)}`, cell(`holdout.reliability.${i}.count`, b.count, 0), cell(`holdout.reliability.${i}.meanConfidence`, b.meanConfidence, 3), cell(`holdout.reliability.${i}.hitRate`, b.hitRate, 'pct')]))}</section>
<section id="importance"><h2>Importance <small class="meta">holdout IC lost when the feature is shuffled, beside split gain</small></h2>
${table(['feature', 'permutation', 'gain'], r.importance.map((f, i) => [esc(f.feature), cell(`importance.${i}.permutation`, f.permutation, 4), cell(`importance.${i}.gain`, f.gain, 1)]))}</section>
<section id="false-signals"><h2>Where false signals happen <small class="meta">basis: ${esc(r.false_signals.basis)}, ${r.false_signals.signals} ${r.false_signals.basis === 'signals' ? 'signals' : 'rows with a nonzero score (the model abstains)'}</small></h2>
${r.false_signals.breakdowns.map((b, i) => `<h3>${esc(b.by)} <small class="meta">${esc(b.source)}</small></h3>${table(['bucket', 'count', 'false', 'rate'],
    b.buckets.map((k, j) => [esc(k.bucket), cell(`false_signals.breakdowns.${i}.buckets.${j}.count`, k.count, 0), cell(`false_signals.breakdowns.${i}.buckets.${j}.falseSignals`, k.falseSignals, 0), cell(`false_signals.breakdowns.${i}.buckets.${j}.rate`, k.rate, 'pct')]))}`).join('\n')}
${r.false_signals.missing.length === 0 ? '' : `<p class="note">Not broken down, the data lacks the feature: ${esc(r.false_signals.missing.join(', '))}.</p>`}</section>
<section id="folds"><h2>Walk-forward folds <small class="meta">each fitted, calibrated and thresholded on rows before its validation block</small></h2>
${table(['fold', 'fit rows', 'calibration rows', 'validation rows', 'AUC', 'IC', 'threshold', 'signals', 'false-signal rate', 'edge, bps'], r.folds.map((f, i) => [
    String(f.index + 1), cell(`folds.${i}.fitRows`, f.fitRows, 0), cell(`folds.${i}.calibrationRows`, f.calibrationRows, 0), cell(`folds.${i}.validRows`, f.validRows, 0),
    cell(`folds.${i}.figures.auc`, f.figures.auc, 3), cell(`folds.${i}.figures.ic`, f.figures.ic, 3), f.abstain === null ? cell(`folds.${i}.figures.threshold`, f.figures.threshold, 4) : `<td title="${esc(f.abstain)}">abstains</td>`,
    cell(`folds.${i}.figures.signals`, f.figures.signals, 0), cell(`folds.${i}.figures.false_signal_rate`, f.figures.false_signal_rate, 'pct'), cell(`folds.${i}.figures.edge_bps`, f.figures.edge_bps, 2)]))}</section>
</body></html>
`;
}

function baselineRow(label: string, key: string, b: BaselineJson | null): string[] {
  if (b === null) return [esc(label), ...['auc', 'hit_rate', 'signals', 'false_signal_rate', 'edge_bps'].map((k) => cell(`${key}.${k}`, null, 0))];
  return [esc(label), cell(`${key}.auc`, b.auc, 3), cell(`${key}.hit_rate`, b.hit_rate, 'pct'), cell(`${key}.signals`, b.signals, 0), cell(`${key}.false_signal_rate`, b.false_signal_rate, 'pct'), cell(`${key}.edge_bps`, b.edge_bps, 2)];
}

/** A figure's cell: shown rounded, with the report's key and exact value beside it. */
function cell(key: string, value: number | null, format: number | 'pct'): string {
  const shown = format === 'pct' ? pct(value) : num(value, format);
  return `<td data-key="${esc(key)}" data-value="${value === null || !Number.isFinite(value) ? 'null' : String(value)}">${shown}</td>`;
}

/** Rows whose cells are either already `<td>` elements or text to escape into one. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const td = (c: string): string => (c.startsWith('<td') ? c : `<td>${c}</td>`);
  return `<table><thead><tr>${head.map((x) => `<th>${esc(x)}</th>`).join('')}</tr></thead><tbody>
${rows.map((r) => `<tr>${r.map(td).join('')}</tr>`).join('\n')}
</tbody></table>`;
}

const num = (x: number | null, digits: number): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const pct = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const iso = (us: number): string => (Number.isFinite(us) ? new Date(us / 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : 'n/a');
