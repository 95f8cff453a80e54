import type { BacktestReport } from '../../application/backtest-report.ts';
import type { RunReport } from '../../application/run-report.ts';
import { histogram, lineChart } from './svg.ts';

export interface ReliabilityRow {
  /** Confidence bin [from, to). */
  readonly from: number;
  readonly to: number;
  /** Signals judged, and those whose outcome could not be told. */
  readonly count: number;
  readonly unresolved: number;
  readonly meanConfidence: number | null;
  readonly hitRate: number | null;
}

/** Everything the report page shows; money in USDT, times µs since the Unix epoch. */
export interface ReportPage {
  readonly runId: string;
  readonly mode: string;
  readonly symbol: string;
  readonly source: string;
  readonly modelId: string;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly report: RunReport;
  readonly figures: BacktestReport;
  /** [interval end µs, PnL net of fees USDT], oldest first. */
  readonly equity: readonly (readonly [number, number])[];
  /** One value a fill with an arrival mid. */
  readonly slippageBps: readonly number[];
  /** Measured on the run's signals. */
  readonly reliability: readonly ReliabilityRow[];
  /** From the model's training report; null when not readable. */
  readonly trainedReliability: readonly ReliabilityRow[] | null;
  readonly baseline: { readonly runId: string; readonly figures: BacktestReport; readonly slippageBps: readonly number[] } | null;
}

export const REPORT_STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:980px;color:#1d2430;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h3{font-size:14px;margin:16px 0 6px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d5dbe3;padding-bottom:4px}
.meta{color:#5a6676}table{border-collapse:collapse;font-variant-numeric:tabular-nums}td,th{padding:3px 10px;text-align:right;border-bottom:1px solid #eceff3}
th{color:#5a6676;font-weight:600}td:first-child,th:first-child{text-align:left}svg{width:100%;height:auto;background:#fafbfc;border:1px solid #e3e7ec}
svg text{font-size:11px;fill:#5a6676}.note{color:#5a6676;font-size:13px}.good{color:#1f7a4d}.bad{color:#b3261e}`;

/**
 * One self-contained HTML page: inline style and SVG, no script and no address outside it, so that
 * it reads the same offline, attached to a mail or archived.
 */
export function renderReportHtml(p: ReportPage): string {
  const f = p.figures;
  const drawdown = drawdownSeries(p.equity, f.capital);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ladder report ${esc(p.runId)}</title><style>${REPORT_STYLE}</style></head>
<body>
<h1>Ladder ${esc(p.mode)} run ${esc(p.symbol)}</h1>
<p class="meta">run <code>${esc(p.runId)}</code> · ${esc(p.source)} · model <code>${esc(p.modelId)}</code> · ${esc(iso(p.startedAt))} → ${p.endedAt === null ? 'running' : esc(iso(p.endedAt))}</p>
<section id="summary"><h2>Summary</h2>${figuresTable([['this run', f]])}
<p class="note">Orders by status: ${esc(Object.entries(p.report.ordersByStatus).map(([k, v]) => `${k} ${v}`).join(', ') || 'none')}; signals ${p.report.signals.count} (acted ${p.report.signals.acted}).</p></section>
<section id="equity"><h2>Equity curve <small class="meta">PnL net of fees, USDT, at each interval's end</small></h2>
${p.equity.length < 2 ? '<p class="note">Fewer than two equity intervals recorded.</p>' : lineChart(p.equity, { color: '#2f6fb0', zero: true, digits: 4 })}</section>
<section id="drawdown"><h2>Drawdown <small class="meta">share of the peak of capital + PnL</small></h2>
${drawdown.length < 2 ? '<p class="note">Fewer than two equity intervals recorded.</p>' : lineChart(drawdown, { color: '#b3261e', zero: true, digits: 4, percent: true })}
<p class="note">Max drawdown ${pct(f.max_drawdown)} of capital ${f.capital} USDT.</p></section>
<section id="slippage"><h2>Slippage <small class="meta">bps per fill against the mid when the order was decided; positive paid worse</small></h2>
${p.slippageBps.length === 0 ? '<p class="note">No fill with an arrival mid.</p>' : histogram(p.slippageBps, { color: '#6b5bd5', label: 'bps' })}
<p class="note">${p.slippageBps.length} fills; mean ${num(f.slippage_bps_mean, 3)} bps, p95 ${num(f.slippage_bps_p95, 3)} bps (per lot); maker share ${pct(f.maker_share)}.</p></section>
<section id="reliability"><h2>Confidence reliability</h2>
<p class="note">Measured on this run's signals (those that cleared the model's threshold): a hit when the first recorded mid at or after the signal's horizon has moved its way. Mids come from the run's book snapshots when it stored them, else from its signals and position marks; a signal with no mid recorded within one more horizon is left unjudged.</p>
${reliabilityTable(p.reliability)}
${p.trainedReliability === null ? '<p class="note">The model\'s training report (report.json) was not found beside it.</p>' : `<p class="note">As trained, from the model's report.json (every prediction of its validation folds, not only those above the threshold):</p>${reliabilityTable(p.trainedReliability)}`}</section>
${p.baseline === null ? '<section id="baseline"><h2>Smart against baseline</h2><p class="note">No baseline run recorded with this run or given (ladder report RUN_ID --baseline RUN_ID).</p></section>' : baselineSection(p)}
</body></html>
`;
}

function baselineSection(p: ReportPage): string {
  const b = p.baseline!;
  const s = p.figures.slippage_bps_mean;
  const base = b.figures.slippage_bps_mean;
  const reduction = s === null || base === null || base === 0 ? null : 1 - s / base;
  const sharpe = p.figures.sharpe === null || b.figures.sharpe === null ? null : p.figures.sharpe - b.figures.sharpe;
  return `<section id="baseline"><h2>Smart against baseline <small class="meta">baseline run <code>${esc(b.runId)}</code></small></h2>
${figuresTable([['this run', p.figures], ['baseline', b.figures]])}
<p>Slippage ${reduction !== null && reduction < 0 ? 'increased' : 'reduced'} by <b class="${reduction !== null && reduction > 0 ? 'good' : 'bad'}">${pct(reduction === null ? null : Math.abs(reduction))}</b>; Sharpe change <b>${num(sharpe, 2)}</b>.</p>
${b.slippageBps.length === 0 ? '' : `<p class="note">Baseline slippage, bps per fill:</p>${histogram(b.slippageBps, { color: '#8a96a6', label: 'bps' })}`}</section>`;
}

function markouts(r: BacktestReport, side: 'maker' | 'taker'): string {
  const m = r.markout_bps?.[side];
  return m === undefined ? 'n/a' : `${num(m['1s'], 3)} · ${num(m['5s'], 3)} · ${num(m['30s'], 3)}`;
}

function figuresTable(runs: readonly (readonly [string, BacktestReport])[]): string {
  const rows: [string, (r: BacktestReport) => string][] = [
    ['PnL, USDT', (r) => num(r.pnl, 4)],
    ['fees, USDT', (r) => num(r.fees, 4)],
    ['Sharpe · Sortino (daily, annualised)', (r) => `${num(r.sharpe, 2)} · ${num(r.sortino, 2)}`],
    ['round trips · mean net, USDT', (r) => `${r.per_trade.trades} · ${num(r.per_trade.mean_usdt, 4)}`],
    ['max drawdown', (r) => pct(r.max_drawdown)],
    ['orders · fills', (r) => `${r.orders} · ${r.trades}`],
    ['decisions · refused by risk', (r) => `${r.parents} · ${r.refused_decisions}`],
    ['fill rate', (r) => pct(r.fill_rate)],
    ['maker share · escalation rate', (r) => `${pct(r.maker_share)} · ${pct(r.escalation_rate)}`],
    ['maker markout 1s · 5s · 30s, bps', (r) => markouts(r, 'maker')],
    ['taker markout 1s · 5s · 30s, bps', (r) => markouts(r, 'taker')],
    ['shortfall a decision, bps', (r) => num(r.shortfall_bps_mean, 3)],
    ['… maker · escalated · market', (r) => r.execution_classes === null ? 'n/a' : (['maker', 'escalated', 'market'] as const).map((k) => `${r.execution_classes?.[k].decisions ?? 0}: ${num(r.execution_classes?.[k].shortfall_bps_mean ?? null, 3)}`).join(' · ')],
    ['cost a lot (fees + shortfall − 5 s markout), bps', (r) => num(r.cost_per_lot_bps?.total ?? null, 3)],
    ['time to fill p50 · p95, ms', (r) => `${num(r.time_to_fill_ms.p50, 0)} · ${num(r.time_to_fill_ms.p95, 0)}`],
    ['slippage mean · p95, bps', (r) => `${num(r.slippage_bps_mean, 3)} · ${num(r.slippage_bps_p95, 3)}`],
    ['hit rate · false signals', (r) => `${pct(r.hit_rate)} · ${pct(r.false_signal_rate)}`],
    ['turnover · exposure', (r) => `${num(r.turnover, 2)}× · ${pct(r.exposure)}`],
    ['market time', (r) => r.market_time],
    ['feed: gaps · resyncs · malformed · not LIVE', (r) => r.feed === null ? 'n/a' : `${r.feed.gaps} · ${r.feed.resyncs} · ${r.feed.malformed} · ${num(r.feed.not_live_seconds, 1)} s`],
    ['open at the end', (r) => r.open_position === null ? 'flat' : `${r.open_position.qty} BTC, mark ${r.open_position.mark ?? 'n/a'}, unrealized ${r.open_position.unrealized_usdt} USDT`],
  ];
  return `<table><thead><tr><th></th>${runs.map(([name]) => `<th>${esc(name)}</th>`).join('')}</tr></thead><tbody>
${rows.map(([label, get]) => `<tr><td>${esc(label)}</td>${runs.map(([, r]) => `<td>${esc(get(r))}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>`;
}

function reliabilityTable(rows: readonly ReliabilityRow[]): string {
  if (rows.length === 0) return '<p class="note">No signal to judge.</p>';
  return `<table><thead><tr><th>confidence</th><th>judged</th><th>unjudged</th><th>mean confidence</th><th>hit rate</th></tr></thead><tbody>
${rows.map((r) => `<tr><td>${r.from.toFixed(1)}–${r.to.toFixed(1)}</td><td>${r.count}</td><td>${r.unresolved}</td><td>${num(r.meanConfidence, 3)}</td><td>${pct(r.hitRate)}</td></tr>`).join('\n')}
</tbody></table>`;
}

/** Drawdown from the running peak of capital + PnL, as a (negative) share of that peak. */
function drawdownSeries(equity: readonly (readonly [number, number])[], capital: number): (readonly [number, number])[] {
  let peak = capital;
  return equity.map(([t, pnl]) => {
    const value = capital + pnl;
    peak = Math.max(peak, value);
    return [t, (value - peak) / peak] as const;
  });
}

const num = (x: number | null, digits: number): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const pct = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const iso = (us: number): string => new Date(us / 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
