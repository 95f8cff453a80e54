import { paramsKey, type ParameterSetSummary, type SweepResultRow } from '../application/sweep-summary.ts';

export interface SweepView {
  readonly id: string;
  readonly jobs: number;
  readonly done: number;
  readonly failed: number;
  readonly sets: readonly ParameterSetSummary[];
  readonly rows: readonly SweepResultRow[];
  /** The queue's state, when the NATS server was asked. */
  readonly queue: { readonly waiting: number; readonly inProgress: number; readonly redelivered: number } | null;
}

const num = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));
const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

/** The progress line and the summary table, best parameter set first. */
export function formatSweep(view: SweepView): string {
  const q = view.queue;
  const head = [
    `Ladder sweep ${view.id}: ${view.done} of ${view.jobs} jobs done${view.failed > 0 ? ` (${view.failed} failed)` : ''}` +
      (q === null ? '' : `; queue: ${q.waiting} waiting, ${q.inProgress} in work, ${q.redelivered} redelivered`),
  ];
  if (view.sets.length === 0) return head.join('\n');
  const header = ['#', 'parameters', 'runs', 'mean PnL', 'mean Sharpe', 'trades', 'fill rate', 'slippage bps', 'worst DD'];
  const lines = view.sets.map((s, i) => [
    String(i + 1),
    paramsKey(s.params),
    s.failed > 0 ? `${s.runs} (+${s.failed} failed)` : String(s.runs),
    num(s.pnlMean, 4),
    num(s.sharpeMean),
    String(s.trades),
    pct(s.fillRateMean),
    num(s.slippageBpsMean, 3),
    pct(s.worstDrawdown),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const row = (cells: readonly string[]): string => cells.map((cell, c) => (c === 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [...head, '', row(header), ...lines.map(row)].join('\n');
}

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One self-contained HTML page: the summary table, then every job. */
export function sweepPage(view: SweepView): string {
  const cell = (text: string, right = true): string => `<td${right ? ' class="n"' : ''}>${escape(text)}</td>`;
  const sets = view.sets
    .map((s, i) =>
      `<tr>${cell(String(i + 1))}${cell(paramsKey(s.params), false)}${cell(String(s.runs))}${cell(String(s.failed))}${cell(num(s.pnlMean, 4))}` +
      `${cell(num(s.sharpeMean))}${cell(String(s.trades))}${cell(pct(s.fillRateMean))}${cell(num(s.slippageBpsMean, 3))}${cell(pct(s.worstDrawdown))}</tr>`,
    )
    .join('\n');
  const jobs = view.rows
    .map((r) =>
      `<tr>${cell(r.jobId, false)}${cell(r.input, false)}${cell(paramsKey(r.params), false)}${cell(r.report === null ? 'failed' : num(r.report.pnl, 4))}` +
      `${cell(num(r.report?.sharpe ?? null))}${cell(String(r.report?.trades ?? ''))}${cell(String(r.delivery))}${cell(r.error ?? '', false)}</tr>`,
    )
    .join('\n');
  const q = view.queue;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ladder sweep ${escape(view.id)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{padding:.25em .6em;border-bottom:1px solid #ddd}
th{text-align:left;background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}tr:first-child td{font-weight:600}</style></head>
<body><h1>Ladder sweep ${escape(view.id)}</h1>
<p>${view.done} of ${view.jobs} jobs done${view.failed > 0 ? `, ${view.failed} failed` : ''}${q === null ? '' : `; queue: ${q.waiting} waiting, ${q.inProgress} in work, ${q.redelivered} redelivered`}.
Parameter sets ranked by mean PnL over their inputs (USDT), then mean Sharpe.</p>
<h2>Parameter sets, best first</h2>
<table><thead><tr><th>#</th><th>parameters</th><th>runs</th><th>failed</th><th>mean PnL</th><th>mean Sharpe</th><th>trades</th><th>fill rate</th><th>slippage bps</th><th>worst drawdown</th></tr></thead>
<tbody>
${sets}
</tbody></table>
<h2>Jobs</h2>
<table><thead><tr><th>job</th><th>input</th><th>parameters</th><th>PnL</th><th>Sharpe</th><th>trades</th><th>delivery</th><th>error</th></tr></thead>
<tbody>
${jobs}
</tbody></table>
</body></html>
`;
}
