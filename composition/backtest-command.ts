import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { backtestReport, backtestReportOf, type BacktestFacts, type BacktestReport } from '../application/backtest-report.ts';
import { formatSpan, slippageChange, summaryFacts } from '../application/report-facts.ts';
import type { TradingStore } from '../application/ports/trading-store.ts';
import type { LoopProgress } from '../application/trading-loop.ts';
import type { DecisionRecord, ExecutionCounters } from '../application/execution-engine.ts';
import type { ExecutionClass } from '../application/execution-quality.ts';
import type { SignalOutcomeCounts } from '../domain/backtest/signal-outcomes.ts';
import type { Logger } from '../application/ports/logger.ts';
import { ConfigError, paperConfig, type FlagsOf, type PaperConfig, type PaperFlags } from './config.ts';
import { BACKTEST_SETTINGS } from './backtest-settings.ts';
import { PAPER_SETTINGS } from './run-settings.ts';
import { helpLines, optionTable, readSettings } from './settings.ts';
import { configForInputs, replayInputs, streamsOf } from './inputs.ts';
import { mergeReports, runInWorkers, type MergedReport, type RunReport } from './backtest-jobs.ts';
import { withDefaultRange } from '../adapters/nats/nats-address.ts';
import { checkInputFile, checkWritable, noUsableFrame, prescanInput } from './input-check.ts';
import { describeEnd } from './run-end.ts';
import { EXIT, printable } from './user-error.ts';
import { normalizeArgs } from './args.ts';
import { layerConfig, validateLayered } from './config-sources.ts';
import { ALL_RUN_FLAGS } from './run-command.ts';
import { CALIBRATED_INFORMED_SHARE } from '../adapters/synthetic/market-params.ts';
import { priorsFor } from './choice-priors.ts';
import { MemoryStore } from '../adapters/memory/memory-store.ts';

export const BACKTEST_HELP = `ladder backtest — run recorded or synthetic market data through the trading path and report

Usage: ladder backtest (--input FILE… | --source synthetic [--seed N[,N…]] --duration D | --source nats://HOST:PORT/STREAM)
                       [--jobs N] [--policy smart|baseline]
                       [--report out.json] [flags]

${helpLines(BACKTEST_SETTINGS, Object.keys(BACKTEST_SETTINGS).filter((k) => k !== 'help'))}

The backtest is app:paper with the data's own clock and no pacing: the same core, the same frames, the
same orders and fills. A signal counts as a hit when the mid has moved its way at its horizon, and as false
when the move is the wrong way or does not cover a maker round trip at the run's fees.`;

const OPTIONS = optionTable(BACKTEST_SETTINGS);

type BacktestFlags = FlagsOf<typeof BACKTEST_SETTINGS>;

/** `ladder backtest …`: see BACKTEST_HELP. */
export async function backtestCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values: given, positionals } = parseArgs({ args: normalizeArgs(args, OPTIONS, 'backtest'), options: OPTIONS, strict: true, allowPositionals: true });
  if (given.help === true) {
    out(BACKTEST_HELP);
    return 0;
  }
  if (positionals.length > 0 && given.input === undefined) throw new ConfigError('--input', `"${positionals[0]}" given without --input`);
  // Settings from --config FILE (or LADDER_CONFIG) and LADDER_<FLAG> too, as for ladder paper; a mistake names where it was.
  const layered = layerConfig(OPTIONS, given as Parameters<typeof layerConfig>[1], process.env, ALL_RUN_FLAGS);
  try {
    return await backtestWith(layered.values, positionals, out);
  } catch (error) {
    // A refusal written in terms of a flag is renamed for where the value came from (a file's key, a variable).
    return validateLayered(layered, () => {
      throw error;
    });
  }
}

async function backtestWith(values: BacktestFlags, positionals: readonly string[], out: (text: string) => void): Promise<number> {
  // --input takes several files (a config file's key, one).
  const inputList = values.input === undefined ? undefined : typeof values.input === 'string' ? [values.input] : [...values.input];
  const inputs = inputList === undefined ? null : replayInputs([...inputList, ...positionals]);
  // A backtest over a JetStream stream reads what it holds, from the first frame to the last.
  const source = values.source?.startsWith('nats://') === true ? withDefaultRange(values.source, 'first', 'last') : (values.source ?? (inputs === null ? undefined : 'replay'));
  if (source === undefined) throw new ConfigError('--input', 'required: recorded frames, or --source synthetic with --duration');
  if (source === 'bybit') throw new ConfigError('--source', 'a backtest runs over recorded (--input), stored (nats://) or synthetic data, not the live stream');
  if (source === 'synthetic' && values.duration === undefined) throw new ConfigError('--duration', 'required with --source synthetic');
  if (source === 'replay' && inputs !== null) {
    for (const path of inputs.paths) checkInputFile('--input', path);
    await prescanInput('--input', inputs.paths[0]);
  }
  // Every value read through its declaration (backtest-settings.ts); app:paper's are read again by paperConfig, with the paper run's checks.
  const s = readSettings(BACKTEST_SETTINGS, values);
  if (s.report !== undefined) await checkWritable('--report', s.report);
  const informed = informedShareFlag(s['informed-share'], source);
  const seeds = s.seed;
  const paperValues: PaperFlags = Object.fromEntries(Object.entries(values).filter(([k]) => k in PAPER_SETTINGS && k !== 'input'));
  const given = {
    ...paperConfig(
      { ...paperValues, seed: String(seeds[0]), input: inputs?.paths[0], source, speed: 'max', 'log-level': s['log-level'] },
      process.env,
    ),
    storeMarketData: values['store-market'] === true,
    ...(informed === undefined ? {} : { informedShare: informed }),
    chooserPriors: s['chooser-priors'],
  };
  // Independent runs: each stream of the files (composition/inputs.ts) with each seed.
  const configs = (inputs === null ? [given] : streamsOf(inputs).map((paths) => configForInputs(given, { paths, format: inputs.format }, values)))
    .flatMap((c) => seeds.map((seed) => ({ ...c, seed })));
  if (configs.length > 1 || values.jobs !== undefined) return await runMany(configs, values, out);
  const config = configs[0];
  const logger = (await import('../adapters/log/pino-logger.ts')).createPinoLogger({ level: config.logLevel });
  const against = values['against-baseline'] === true;
  if (against && config.policy === 'baseline') throw new ConfigError('--against-baseline', 'compares --policy smart with the baseline; this run is the baseline');
  // The run records its baseline twin's id, so `ladder report RUN_ID` finds the comparison by itself.
  const baselineRunId = against ? randomUUID() : undefined;
  // The smart run's decisions, for the paired comparison: the same decisions then taken at market at once.
  const decided: DecisionRecord[] = [];
  const main = await runBacktest(against ? { ...config, decisions: { record: (d) => decided.push(d) } } : config, values.quiet === true, logger, { baselineRunId });
  let full: FullReport = main;
  if (baselineRunId !== undefined) {
    const baseline = await runBacktest({ ...config, policy: 'baseline' }, values.quiet === true, logger, { runId: baselineRunId });
    const atMarket = await runBacktest({ ...config, policy: 'baseline', decisions: { replay: decided } }, values.quiet === true, logger, {});
    full = { ...main, against_baseline: comparison(main, baseline), same_decisions_at_market: pairedComparison(main, atMarket, decided.length) };
  }
  if (values.report !== undefined) await writeFile(values.report, `${JSON.stringify(full, null, 2)}\n`);
  out(formatReport(full));
  if (full.input_cut_short === undefined) return EXIT.completed;
  console.error(`ladder: --input: ${printable(full.input_cut_short, 300)}; every frame before the cut was processed`);
  return EXIT.inputCut;
}

export type FullReport = RunReport & {
  readonly against_baseline?: Comparison;
  /** The paired comparison: the smart run's own decisions executed again, each at market at once. */
  readonly same_decisions_at_market?: PairedComparison;
  /** Why the model sent no order: it abstains (see docs/research.md). */
  readonly abstain?: string;
  /** What the smart policy's chooser started from: which captures' execution probes (docs/execution.md). */
  readonly chooser_priors?: string;
  /** How the run ended (`ended completed`, `ended halted (kill switch: …)`), as the summary's first line says. */
  readonly ended: string;
  /** Why the input was read only in part (a compressed file cut short); absent when whole. */
  readonly input_cut_short?: string;
};

interface Comparison {
  readonly run: string;
  readonly pnl: number;
  readonly sharpe: number | null;
  readonly slippage_bps_mean: number | null;
  readonly fill_rate: number | null;
  readonly fees: number;
  /** 1 − smart / baseline mean slippage: 0.6 is 60% less slippage a lot. */
  readonly slippage_reduction: number | null;
  /** Smart's Sharpe minus the baseline's. */
  readonly sharpe_change: number | null;
  readonly markout_bps: BacktestReport['markout_bps'];
  readonly shortfall_bps_mean: number | null;
  readonly cost_per_lot_bps: BacktestReport['cost_per_lot_bps'];
  /** Smart's total cost per lot minus the baseline's, bps: negative when smart costs less. */
  readonly cost_per_lot_change_bps: number | null;
}

/**
 * The smart run against the same decisions taken at market at once (the baseline's way to execute,
 * on the smart policy's decisions: the same times, sides and sizes over the same data), as traders
 * compare two ways of executing one set of parent orders. Signal selection and sizing are the same on
 * both sides, so the difference is the execution's alone.
 */
interface PairedComparison {
  /** The run that took the decisions at market. */
  readonly run: string;
  readonly decisions: number;
  /** Decisions it could not take (refused by risk): none expected. */
  readonly not_taken: number;
  readonly markout_bps: BacktestReport['markout_bps'];
  readonly shortfall_bps_mean: number | null;
  readonly cost_per_lot_bps: BacktestReport['cost_per_lot_bps'];
  /** Smart's total cost a lot minus the same decisions' at market, bps: negative when the smart execution costs less. */
  readonly cost_per_lot_change_bps: number | null;
  /** By how the smart run executed each decision: its cost a lot there, and the same decisions' at market. */
  readonly by_class: Readonly<Record<ExecutionClass, { readonly decisions: number; readonly smart_bps: number | null; readonly at_market_bps: number | null; readonly notional_share: number | null }>> | null;
}

function pairedComparison(smart: FullReport, atMarket: FullReport, decisions: number): PairedComparison {
  const s = smart.execution_classes;
  const m = atMarket.paired_classes;
  const classes = ['maker', 'escalated', 'market'] as const;
  return {
    run: atMarket.run,
    decisions,
    not_taken: atMarket.refused_decisions,
    markout_bps: atMarket.markout_bps,
    shortfall_bps_mean: atMarket.shortfall_bps_mean,
    cost_per_lot_bps: atMarket.cost_per_lot_bps,
    cost_per_lot_change_bps: smart.cost_per_lot_bps?.total == null || atMarket.cost_per_lot_bps?.total == null ? null : smart.cost_per_lot_bps.total - atMarket.cost_per_lot_bps.total,
    by_class: s === null || m === null ? null : Object.fromEntries(classes.map((k) => [k, {
      decisions: s[k].decisions, smart_bps: s[k].cost_per_lot_bps, at_market_bps: m[k].cost_per_lot_bps, notional_share: s[k].notional_share,
    }])) as PairedComparison['by_class'],
  };
}

function comparison(smart: FullReport, baseline: FullReport): Comparison {
  const s = smart.slippage_bps_mean;
  const b = baseline.slippage_bps_mean;
  return {
    run: baseline.run,
    pnl: baseline.pnl,
    sharpe: baseline.sharpe,
    slippage_bps_mean: b,
    fill_rate: baseline.fill_rate,
    fees: baseline.fees,
    slippage_reduction: s === null || b === null || b === 0 ? null : 1 - s / b,
    sharpe_change: smart.sharpe === null || baseline.sharpe === null ? null : smart.sharpe - baseline.sharpe,
    markout_bps: baseline.markout_bps,
    shortfall_bps_mean: baseline.shortfall_bps_mean,
    cost_per_lot_bps: baseline.cost_per_lot_bps,
    cost_per_lot_change_bps: smart.cost_per_lot_bps?.total == null || baseline.cost_per_lot_bps?.total == null ? null : smart.cost_per_lot_bps.total - baseline.cost_per_lot_bps.total,
  };
}

/**
 * Several independent runs (streams of files, seeds), `--jobs` at a time in worker threads (one by one
 * in this thread with --jobs 1), and their merged report.
 */
async function runMany(configsGiven: readonly PaperConfig[], values: BacktestFlags, out: (text: string) => void): Promise<number> {
  let configs = configsGiven;
  const jobs = readSettings(BACKTEST_SETTINGS, values).jobs ?? 1;
  if (values['against-baseline'] === true) throw new ConfigError('--against-baseline', 'compares one run with its baseline; run each day or seed by itself for it');
  const db = configs[0].db;
  if (jobs > 1 && db.kind === 'pglite' && db.dataDir !== null) {
    // An embedded directory is one process's at a time: runs in parallel keep nothing unless a server is named.
    if (values.db !== undefined) throw new ConfigError('--db', 'several runs at once cannot share an embedded database directory; use none, pglite:memory or a Postgres server');
    configs = configs.map((c) => ({ ...c, db: { kind: 'pglite', dataDir: null } }));
  }
  let reports: FullReport[];
  if (jobs === 1) {
    const logger = (await import('../adapters/log/pino-logger.ts')).createPinoLogger({ level: configs[0].logLevel });
    reports = [];
    for (const config of configs) reports.push(await runBacktest(config, values.quiet === true, logger, {}));
  } else {
    reports = (await runInWorkers(configs, jobs)) as FullReport[];
  }
  const merged = mergeReports(reports);
  if (values.report !== undefined) await writeFile(values.report, `${JSON.stringify(merged, null, 2)}\n`);
  out([...reports.map((r) => formatReport(r)), formatMerged(merged)].join('\n'));
  return 0;
}

function formatMerged(m: MergedReport): string {
  const n = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));
  const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  return [
    `Ladder backtest, ${m.merged} runs merged (${formatSpan(Math.round(m.hours * 3_600_000_000))} of market time)`,
    `  PnL       ${n(m.pnl, 4)} USDT (fees ${n(m.fees, 4)}); mean Sharpe ${n(m.sharpe_mean)}, largest drawdown ${pct(m.max_drawdown)}`,
    `  trading   ${m.parents} decisions, ${m.orders} orders, ${m.trades} fills (${m.escalations} escalated, ${m.taken_at_once} taken at once); mean fill rate ${pct(m.fill_rate_mean)}, mean slippage ${n(m.slippage_bps_mean, 4)} bps`,
    `  signals   ${m.signals} of ${m.predictions} predictions cleared the threshold; ${m.signals_resolved} acted signals judged: hit rate ${pct(m.hit_rate)}, false-signal rate ${pct(m.false_signal_rate)}`,
  ].join('\n');
}

/** One backtest run through app:paper's path, and its report read back from the store. */
export async function runBacktest(config: PaperConfig, quiet: boolean, logger: Logger, ids: { runId?: string; baselineRunId?: string }): Promise<FullReport> {
  const [{ runPaper }, { ProgressBar }] = await Promise.all([import('./paper.ts'), import('../adapters/export/progress-bar.ts')]);
  // Progress only on a terminal: piped or logged, standard error keeps to what went wrong.
  const bar = new ProgressBar(process.stderr, { quiet: quiet || process.stderr.isTTY !== true });
  // A synthetic run knows its length in venue time; a file's share read is not known here.
  const durationMicros = config.source === 'synthetic' && config.durationMs !== null ? config.durationMs * 1000 : null;
  let firstMicros: number | null = null;
  const progress = (p: LoopProgress): void => {
    if (firstMicros === null && p.venueMicros > 0) firstMicros = p.venueMicros;
    const fraction = durationMicros === null || firstMicros === null ? null : Math.min(1, (p.venueMicros - firstMicros) / durationMicros);
    bar.update({ frames: p.frames, rows: p.bookFrames, fraction });
  };
  let report: BacktestReport | null = null;
  // `--db none` keeps nothing and reads back only the report: the store folds the ledger's figures as
  // the rows come instead of holding a day's rows to the end (memory-store.ts).
  const folding = config.dbText === 'none' ? new MemoryStore({ fold: config.instrument }) : null;
  const result = await runPaper(config, {
    ...ids,
    ...(folding === null ? {} : { openStore: () => Promise.resolve(folding) }),
    logger,
    env: process.env,
    mode: 'backtest',
    onProgress: progress,
    afterRun: async (store: TradingStore, runId: string) => {
      report = await reportOf(store, runId, config, folding);
    },
  });
  bar.done({ frames: result.summary.counters.frames, rows: result.summary.counters.bookFrames, fraction: 1 });
  if (report === null) throw new Error('the backtest finished without a report');
  const { counters } = result.summary;
  if (config.source === 'replay' && counters.bookFrames === 0) throw noUsableFrame('--input', config.input, counters.frames, counters.malformed);
  const ended = describeEnd(result.incomplete === null ? 'completed' : 'input cut short', result.summary.execution?.riskState ?? null, result.trips);
  return {
    run: result.runId, source: result.source, model: result.model.id, policy: config.policy, seed: config.seed, ...(report as BacktestReport),
    ...(config.policy === 'smart' ? { chooser_priors: priorsFor(config.source === 'replay' ? (config.inputs ?? [config.input]) : [], config.chooserPriors ?? 'held-out').source } : {}),
    ...(result.model.abstain === undefined ? {} : { abstain: result.model.abstain }),
    ended, ...(result.incomplete === null ? {} : { input_cut_short: result.incomplete }),
  };
}

/** The run's report: from the ledger's figures a folding store made as the run went, else from its rows read back. */
async function reportOf(store: TradingStore, runId: string, config: PaperConfig, folding: MemoryStore | null): Promise<BacktestReport> {
  const run = await store.readRun(runId);
  const summary = run?.summary as { signalOutcomes?: SignalOutcomeCounts; execution?: ExecutionCounters | null } | null | undefined;
  const facts = (from: number, to: number): BacktestFacts => ({
    instrument: config.instrument,
    capitalUsdt: config.capitalUsdt,
    signals: summary?.signalOutcomes ?? { resolved: 0, hits: 0, falseSignals: 0, unresolved: 0 },
    execution: summary?.execution ?? null,
    from,
    to,
    facts: summaryFacts(run?.summary),
  });
  const ledger = folding?.ledgerFigures(runId) ?? null;
  if (ledger !== null) return backtestReportOf(facts(ledger.equity.from, ledger.equity.to), ledger);
  const equity = await store.readEquity(runId);
  return backtestReport({
    ...facts(equity[0]?.intervalStart ?? 0, equity.length === 0 ? 0 : equity[equity.length - 1].intervalStart + equity[equity.length - 1].interval),
    equity,
    fills: await store.readFills(runId),
    orders: await store.readOrders(runId),
    positions: await store.readPositionSnapshots(runId),
  });
}

function formatReport(r: FullReport): string {
  const n = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));
  const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const b = r.against_baseline;
  const p = r.same_decisions_at_market;
  const sharpe = r.sharpe === null
    ? `Sharpe n/a (${r.sharpe_basis}); per round trip ${r.per_trade.trades} trades, mean ${n(r.per_trade.mean_usdt, 4)} USDT, mean/sd ${n(r.per_trade.ratio, 3)}`
    : `Sharpe ${n(r.sharpe)}, Sortino ${n(r.sortino)} (${r.sharpe_basis})`;
  return [
    `Ladder backtest ${r.run} ${r.ended}`,
    ...(r.input_cut_short === undefined ? [] : [`  input     ${r.input_cut_short}; every frame before the cut was processed`]),
    `  data      ${r.source}, ${r.market_time} of market time; model ${r.model}, policy ${r.policy}${r.chooser_priors === undefined ? '' : `; chooser priors from ${r.chooser_priors}`}`,
    ...(r.abstain === undefined ? [] : [`  abstains  the model never signals, so no order was sent: ${r.abstain}`]),
    ...(r.feed === null ? [] : [
      `  feed      sequence gaps ${r.feed.gaps}, resyncs ${r.feed.resyncs}, malformed ${r.feed.malformed}, crossed ${r.feed.crossed}, not LIVE ${formatSpan(r.feed.not_live_seconds * 1e6)}, book ${r.feed.state_at_end} at the end`,
    ]),
    `  PnL       ${n(r.pnl, 4)} USDT on ${r.capital} (fees ${n(r.fees, 4)}), max drawdown ${pct(r.max_drawdown)}; ${sharpe}`,
    `  position  ${r.open_position === null ? 'flat at the end' : `${r.open_position.qty} BTC open at the end${r.open_position.avg_entry === null ? '' : ` @ ${r.open_position.avg_entry}`}, mark ${r.open_position.mark ?? 'n/a'}, unrealized ${r.open_position.unrealized_usdt} USDT`}`,
    `  trading   ${r.parents} decisions (${r.refused_decisions} more refused by risk${r.rejected_decisions > 0 ? `, ${r.rejected_decisions} rejected by the venue` : ''}), ${r.orders} orders${r.replaces > 0 ? ` (${r.replaces} moved to a new price, ${r.amends} of them amended in place)` : ''}, ${r.trades} fills; fill rate ${pct(r.fill_rate)}, escalated ${pct(r.escalation_rate)} (${r.escalations}), taken at once ${r.taken_at_once}, maker share ${pct(r.maker_share)}; turnover ${n(r.turnover)}×, exposure ${pct(r.exposure)}`,
    `  execution ${executionLine(r)}`,
    ...(Object.keys(r.limits_bound).length === 0 ? [] : [`  limits    what bound the decisions: ${Object.entries(r.limits_bound).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`]),
    `  slippage  per lot against the decision's mid: mean ${n(r.slippage_bps_mean, 4)} bps, p95 ${n(r.slippage_bps_p95, 4)} bps`,
    `  signals   ${r.signals} of ${r.predictions} predictions cleared the threshold; ${r.signals_resolved} acted signals judged at their horizon: hit rate ${pct(r.hit_rate)}, false-signal rate ${pct(r.false_signal_rate)}`,
    `  fills     time from decision to last fill, escalations included: p50 ${n(r.time_to_fill_ms.p50, 0)} ms, p95 ${n(r.time_to_fill_ms.p95, 0)} ms`,
    ...(b === undefined ? [] : [
      `  baseline  slippage ${n(b.slippage_bps_mean, 4)} bps, fill rate ${pct(b.fill_rate)}, PnL ${n(b.pnl, 4)}, fees ${n(b.fees, 4)}`,
      `  baseline  ${executionLine(b)}`,
      `  vs base   slippage ${slippageChange(b.slippage_reduction)}, total cost a lot ${costChange(b.cost_per_lot_change_bps)}, Sharpe change ${n(b.sharpe_change)}`,
    ]),
    ...(p === undefined ? [] : [
      `  at market the same ${p.decisions} decisions taken at market at once${p.not_taken > 0 ? ` (${p.not_taken} could not be)` : ''}: ${executionLine(p)}`,
      `  vs market smart execution's total cost a lot ${costChange(p.cost_per_lot_change_bps)}${p.by_class === null ? '' : `; by class, smart / at market bps: ${(['maker', 'escalated', 'market'] as const).filter((k) => (p.by_class?.[k].decisions ?? 0) > 0).map((k) => `${k} (${p.by_class?.[k].decisions}) ${n(p.by_class?.[k].smart_bps ?? null, 3)} / ${n(p.by_class?.[k].at_market_bps ?? null, 3)}`).join(', ')}`}`,
    ]),
  ].join('\n');
}


/** "lower by 0.123 bps" or "higher by …". */
function costChange(change: number | null): string {
  return change === null ? 'n/a' : `${change <= 0 ? 'lower' : 'higher'} by ${Math.abs(change).toFixed(3)} bps`;
}

/** Markouts, shortfall and total cost a lot, in one line. */
function executionLine(r: Pick<BacktestReport, 'markout_bps' | 'shortfall_bps_mean' | 'cost_per_lot_bps'>): string {
  const n = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));
  const m = r.markout_bps;
  const c = r.cost_per_lot_bps;
  const mark = m === null ? 'markouts n/a' : `markouts bps 1s/5s/30s maker ${n(m.maker['1s'])}/${n(m.maker['5s'])}/${n(m.maker['30s'])}, taker ${n(m.taker['1s'])}/${n(m.taker['5s'])}/${n(m.taker['30s'])}`;
  const cost = c === null ? '' : `; cost a lot ${n(c.total)} bps (fees ${n(c.fees)}, shortfall ${n(c.shortfall_ex_fees)}, 5 s markout ${n(c.markout_5s)})`;
  return `${mark}; shortfall ${n(r.shortfall_bps_mean)} bps${cost}`;
}

/** `--informed-share`: a share from 0 to 1, or `calibrated`; only with the synthetic market. */
export function informedShareFlag(text: string | undefined, source: string): number | undefined {
  if (text === undefined) return undefined;
  const share = text === 'calibrated' ? CALIBRATED_INFORMED_SHARE : Number(text);
  if (!(text.trim() !== '' && share >= 0 && share <= 1)) throw new ConfigError('--informed-share', `must be a number from 0 to 1 or calibrated, not "${text}"`);
  if (source !== 'synthetic') throw new ConfigError('--informed-share', 'applies to --source synthetic only');
  return share;
}
