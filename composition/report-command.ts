import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { renderReportHtml, type ReportPage } from '../adapters/dashboard/report-html.ts';
import { reportPageData } from '../adapters/dashboard/report-page.ts';
import { ConfigError, dbTarget, DEFAULT_DB } from './config.ts';
import { PAPER_SETTINGS } from './run-settings.ts';
import { flag, helpLines, named, optionTable, readSettings, setting, text } from './settings.ts';
import { endLines } from './run-end.ts';
import { feedQualityLine } from './feed-quality-line.ts';
import { normalizeArgs } from './args.ts';
import { slippageChange } from '../application/report-facts.ts';
import { openStoreOfRun } from './stored-run.ts';
import { isDirectory, trainingReportCommand } from './training-report-command.ts';

/** `ladder report`'s settings, declared as the trading commands' are (run-settings.ts). */
const REPORT_SETTINGS = {
  html: setting(named('a file'), {
    arg: 'FILE',
    help: 'write the report as one self-contained HTML page (inline charts, no script, readable offline): equity curve, drawdown, slippage histogram, confidence reliability table and the comparison with a baseline; without --html the report is printed as text',
  }),
  model: setting(text(), { arg: 'DIR', help: "a trained model's directory (with its report.json): its training report instead of a run's" }),
  baseline: setting(text(), {
    arg: 'RUN_ID',
    help: 'the run to compare with; by default the baseline twin a "ladder backtest --against-baseline" run recorded (printed under "against_baseline.run" of its --report)',
  }),
  db: setting(text(), { arg: 'TARGET', help: `where the runs are stored (default DATABASE_URL, else ${DEFAULT_DB})` }),
  capital: setting(PAPER_SETTINGS.capital.schema.unwrap(), { arg: 'USDT', default: '10000', help: 'starting equity returns and drawdown relate to, as the run commands' }),
  help: flag('this text', 'h'),
};

export const REPORT_HELP = `ladder report RUN_ID [--html out.html] [--baseline RUN_ID] [--db TARGET] [--capital USDT]
ladder report --model DIR [--html out.html]

Reports one stored run: PnL, Sharpe, drawdown, fills and slippage, how reliable the model's
confidence was on the run's own signals, and the feed's lowest-scoring minute. With --model DIR (or a
directory in place of RUN_ID), reports the training run ladder train --out DIR left, from its
report.json: the holdout's AUC, IC, hit rate, false-signal rate, threshold, signals and edge net of
cost, the abstain verdict, the baselines on the same rows, each horizon, the reliability table,
permutation importance beside gain, where false signals happen, and the walk-forward folds
(docs/research.md).

${helpLines(REPORT_SETTINGS, ['html', 'model', 'baseline', 'db', 'capital'])}`;

const OPTIONS = optionTable(REPORT_SETTINGS);

/** `ladder report RUN_ID …`: see REPORT_HELP. Bad input throws a `ConfigError`; an unknown run returns 1. */
export async function reportCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args: normalizeArgs(args, OPTIONS, 'report'), options: OPTIONS, strict: true, allowPositionals: true });
  if (values.help === true) {
    out(REPORT_HELP);
    return 0;
  }
  // A training run: --model DIR, or a directory where a run's id would be.
  const modelDir = values.model ?? (positionals.length === 1 && isDirectory(positionals[0]) ? positionals[0] : undefined);
  if (modelDir !== undefined) {
    if (values.model !== undefined && positionals.length > 0) throw new ConfigError('--model', `reports a training run; "${positionals[0]}" is one more argument`);
    for (const flag of ['baseline', 'db', 'capital'] as const) {
      if (values[flag] !== undefined) throw new ConfigError(`--${flag}`, 'goes with a stored run (ladder report RUN_ID), not a training run');
    }
    return await trainingReportCommand(modelDir, values.html, out);
  }
  const runId = positionals[0];
  if (runId === undefined || positionals.length > 1) throw new ConfigError('RUN_ID', 'give the id of one stored run (ladder report RUN_ID), or a trained model\'s directory (ladder report --model DIR)');
  const { capital: capitalUsdt } = readSettings(REPORT_SETTINGS, values);
  const { target, field } = dbTarget(values.db, process.env);
  const opened = await openStoreOfRun(runId, target, field, out);
  if (opened === null) return 1;
  const { store, run: known } = opened;
  try {
    if (values.baseline !== undefined && (await store.readRun(values.baseline)) === null) throw new ConfigError('--baseline', `no run ${values.baseline} in the store`);
    const page = await reportPageData(store, runId, { ...(values.baseline === undefined ? {} : { baselineRunId: values.baseline }), capitalUsdt });
    if (page === null) throw new Error(`run ${runId} vanished from the store while being read`);
    if (values.html !== undefined) {
      await writeFile(values.html, renderReportHtml(page));
      out(`report of run ${runId} written to ${values.html}`);
    } else {
      // A store not migrated since the score was stored has no feed_quality table: no minute to show.
      const minutes = await store.readFeedQuality(runId).catch((error: unknown) => {
        if (/relation "?[a-z_.]*feed_quality"? does not exist/.test((error as Error).message)) return [];
        throw error;
      });
      out([formatText(page), feedQualityLine(minutes), ...endLines(known.summary, known.endedAt !== null, await store.readRiskEvents(runId))].join('\n'));
    }
    return 0;
  } finally {
    await store.close();
  }
}

export { notFound } from './stored-run.ts';

function formatText(p: ReportPage): string {
  const f = p.figures;
  const n = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));
  const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const judged = p.reliability.reduce((s, r) => s + r.count, 0);
  const hits = p.reliability.reduce((s, r) => s + (r.hitRate ?? 0) * r.count, 0);
  const lines = [
    `Ladder report ${p.runId} (${p.mode})`,
    `  data      ${p.source}; model ${p.modelId}; ${f.market_time} of market time`,
    `  PnL       ${n(f.pnl, 4)} USDT on ${f.capital} (fees ${n(f.fees, 4)}), Sharpe ${n(f.sharpe)}, max drawdown ${pct(f.max_drawdown)}`,
    `  trading   ${f.orders} orders, ${f.trades} fills; fill rate ${pct(f.fill_rate)}, maker ${pct(f.maker_share)}`,
    `  slippage  mean ${n(f.slippage_bps_mean, 4)} bps, p95 ${n(f.slippage_bps_p95, 4)} bps`,
    `  signals   ${p.report.signals.count} cleared the threshold (acted ${p.report.signals.acted}); ${f.signals_resolved} acted signals judged at their horizon: hit rate ${pct(f.hit_rate)}, false-signal rate ${pct(f.false_signal_rate)}`,
    `  model     reliability over all ${judged} signals judged at their horizon, acted or not: hit rate ${judged === 0 ? 'n/a' : pct(hits / judged)}`,
  ];
  if (p.baseline !== null) {
    const b = p.baseline.figures;
    const s = f.slippage_bps_mean;
    const reduction = s === null || b.slippage_bps_mean === null || b.slippage_bps_mean === 0 ? null : 1 - s / b.slippage_bps_mean;
    lines.push(`  baseline  ${p.baseline.runId}: slippage ${n(b.slippage_bps_mean, 4)} bps (${slippageChange(reduction)}), Sharpe ${n(b.sharpe)}, PnL ${n(b.pnl, 4)}`);
  }
  return lines.join('\n');
}
