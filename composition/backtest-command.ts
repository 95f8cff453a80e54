import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { backtestReport, type BacktestReport } from '../application/backtest-report.ts';
import type { TradingStore } from '../application/ports/trading-store.ts';
import type { LoopProgress } from '../application/trading-loop.ts';
import type { ExecutionCounters } from '../application/execution-engine.ts';
import type { SignalOutcomeCounts } from '../domain/backtest/signal-outcomes.ts';
import type { Logger } from '../application/ports/logger.ts';
import { ConfigError, DEFAULT_DB, paperConfig, type PaperConfig } from './config.ts';
import { checkInputFile, checkWritable, noUsableFrame, prescanInput } from './input-check.ts';
import { describeEnd } from './run-end.ts';
import { EXIT, printable } from './user-error.ts';
import { normalizeArgs } from './args.ts';
import { layerConfig, validateLayered } from './config-sources.ts';
import { ALL_RUN_FLAGS } from './run-command.ts';

export const BACKTEST_HELP = `ladder backtest — run recorded or synthetic market data through the trading path and report

Usage: ladder backtest (--input FILE | --source synthetic [--seed N] --duration D) [--policy smart|baseline]
                       [--report out.json] [flags]

  --config FILE         settings from a JSON file, keys named as the flags, as for ladder paper; LADDER_<FLAG>
                        variables too (the command line wins, then the environment, then the file)
  --input FILE          recorded frames (any format ladder replay reads)
  --source synthetic    the synthetic order-flow market instead, --seed N (default 1) for --duration D
  --duration D          how much market time to generate (e.g. 90s, 15m, 6h)
  --against-baseline    run the baseline policy over the same data too, and report the slippage reduction
                        and the Sharpe change against it (under against_baseline); with --db, the run
                        records its baseline's id, and "ladder report RUN_ID" shows the comparison
  --report FILE         write the report as JSON (keys: pnl, sharpe, sortino, max_drawdown, trades,
                        hit_rate, false_signal_rate, slippage_bps_mean, slippage_bps_p95, fill_rate, fees,
                        turnover, exposure, …)
  --policy P            smart (default: sized, passive post-only orders, escalated after 300 ms while the
                        signal holds) or baseline (the seed system: a market order of 5% of equity per signal)
  --capital USDT        starting equity that sizing, returns, drawdown, turnover and exposure relate to (default 10000)
  --feed-latency-ms N, --order-latency-ms N, --latency-file FILE
                        the simulated exchange's delays (defaults 5 and 10 ms; the file: recorded µs, sampled)
  --model DIR           the model (default: the default model)
  --db TARGET           where the run is stored, as for ladder paper: DATABASE_URL when --db is absent,
                        else ${DEFAULT_DB}; "ladder runs" lists what is stored there. none keeps nothing
  --store-market        store the run's market data too: every feature vector, public trade and book
                        snapshot (left out by default: the input holds the market, the report does not read them)
  --max-position QTY, --order-size QTY, --taker-fee-ppm N, --maker-fee-ppm N, --depth N
                        as for ladder paper
  --log-level LEVEL     logs on standard error (default warn)
  --quiet               no progress bar on standard error

The backtest is app:paper with the data's own clock and no pacing: the same core, the same frames, the
same orders and fills. A signal counts as a hit when the mid has moved its way at its horizon, and as false
when the move is the wrong way or does not cover a taker round trip.`;

const OPTIONS = {
  config: { type: 'string' },
  input: { type: 'string' },
  source: { type: 'string' },
  seed: { type: 'string' },
  duration: { type: 'string' },
  report: { type: 'string' },
  capital: { type: 'string' },
  policy: { type: 'string' },
  'feed-latency-ms': { type: 'string' },
  'order-latency-ms': { type: 'string' },
  'latency-file': { type: 'string' },
  model: { type: 'string' },
  db: { type: 'string' },
  'store-market': { type: 'boolean' },
  'max-position': { type: 'string' },
  'order-size': { type: 'string' },
  'taker-fee-ppm': { type: 'string' },
  'maker-fee-ppm': { type: 'string' },
  depth: { type: 'string' },
  'log-level': { type: 'string' },
  quiet: { type: 'boolean' },
  'against-baseline': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type BacktestFlags = { readonly [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** `ladder backtest …`: see BACKTEST_HELP. */
export async function backtestCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values: given } = parseArgs({ args: normalizeArgs(args, OPTIONS, 'backtest'), options: OPTIONS, strict: true, allowPositionals: false });
  if (given.help === true) {
    out(BACKTEST_HELP);
    return 0;
  }
  // Settings from --config FILE (or LADDER_CONFIG) and LADDER_<FLAG> too, as for ladder paper; a mistake names where it was.
  const layered = layerConfig(OPTIONS, given, process.env, ALL_RUN_FLAGS);
  try {
    return await backtestWith(layered.values, out);
  } catch (error) {
    // A refusal written in terms of a flag is renamed for where the value came from (a file's key, a variable).
    return validateLayered(layered, () => {
      throw error;
    });
  }
}

async function backtestWith(values: BacktestFlags, out: (text: string) => void): Promise<number> {
  const source = values.source ?? (values.input === undefined ? undefined : 'replay');
  if (source === undefined) throw new ConfigError('--input', 'required: recorded frames, or --source synthetic with --duration');
  if (source === 'bybit') throw new ConfigError('--source', 'a backtest runs over recorded (--input) or synthetic data, not the live stream');
  if (source === 'synthetic' && values.duration === undefined) throw new ConfigError('--duration', 'required with --source synthetic');
  if (source === 'replay' && values.input !== undefined) {
    checkInputFile('--input', values.input);
    await prescanInput('--input', values.input);
  }
  if (values.report !== undefined) await checkWritable('--report', values.report);
  const config = {
    ...paperConfig(
      { ...values, source, speed: 'max', 'log-level': values['log-level'] ?? 'warn' },
      process.env,
    ),
    storeMarketData: values['store-market'] === true,
  };
  const logger = (await import('../adapters/log/pino-logger.ts')).createPinoLogger({ level: config.logLevel });
  const against = values['against-baseline'] === true;
  if (against && config.policy === 'baseline') throw new ConfigError('--against-baseline', 'compares --policy smart with the baseline; this run is the baseline');
  // The run records its baseline twin's id, so `ladder report RUN_ID` finds the comparison by itself.
  const baselineRunId = against ? randomUUID() : undefined;
  const main = await runBacktest(config, values.quiet === true, logger, { baselineRunId });
  let full: FullReport = main;
  if (baselineRunId !== undefined) {
    const baseline = await runBacktest({ ...config, policy: 'baseline' }, values.quiet === true, logger, { runId: baselineRunId });
    full = { ...main, against_baseline: comparison(main, baseline) };
  }
  if (values.report !== undefined) await writeFile(values.report, `${JSON.stringify(full, null, 2)}\n`);
  out(formatReport(full));
  if (full.input_cut_short === undefined) return EXIT.completed;
  console.error(`ladder: --input: ${printable(full.input_cut_short, 300)}; every frame before the cut was processed`);
  return EXIT.inputCut;
}

type FullReport = BacktestReport & {
  readonly run: string; readonly source: string; readonly model: string; readonly policy: string; readonly seed: number;
  readonly against_baseline?: Comparison;
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
  };
}

/** One backtest run through app:paper's path, and its report read back from the store. */
async function runBacktest(config: PaperConfig, quiet: boolean, logger: Logger, ids: { runId?: string; baselineRunId?: string }): Promise<FullReport> {
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
  const result = await runPaper(config, {
    ...ids,
    logger,
    env: process.env,
    mode: 'backtest',
    onProgress: progress,
    afterRun: async (store: TradingStore, runId: string) => {
      report = await reportOf(store, runId, config);
    },
  });
  bar.done({ frames: result.summary.counters.frames, rows: result.summary.counters.bookFrames, fraction: 1 });
  if (report === null) throw new Error('the backtest finished without a report');
  const { counters } = result.summary;
  if (config.source === 'replay' && counters.bookFrames === 0) throw noUsableFrame('--input', config.input, counters.frames, counters.malformed);
  const ended = describeEnd(result.incomplete === null ? 'completed' : 'input cut short', result.summary.execution?.riskState ?? null, result.trips);
  return {
    run: result.runId, source: result.source, model: result.model.id, policy: config.policy, seed: config.seed, ...(report as BacktestReport),
    ended, ...(result.incomplete === null ? {} : { input_cut_short: result.incomplete }),
  };
}

async function reportOf(store: TradingStore, runId: string, config: PaperConfig): Promise<BacktestReport> {
  const run = await store.readRun(runId);
  const summary = run?.summary as { signalOutcomes?: SignalOutcomeCounts; execution?: ExecutionCounters | null } | null | undefined;
  const equity = await store.readEquity(runId);
  return backtestReport({
    instrument: config.instrument,
    capitalUsdt: config.capitalUsdt,
    equity,
    fills: await store.readFills(runId),
    orders: await store.readOrders(runId),
    positions: await store.readPositionSnapshots(runId),
    signals: summary?.signalOutcomes ?? { resolved: 0, hits: 0, falseSignals: 0, unresolved: 0 },
    execution: summary?.execution ?? null,
    from: equity[0]?.intervalStart ?? 0,
    to: equity.length === 0 ? 0 : equity[equity.length - 1].intervalStart + equity[equity.length - 1].interval,
  });
}

function formatReport(r: FullReport): string {
  const n = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));
  const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  return [
    `Ladder backtest ${r.run} ${r.ended}`,
    ...(r.input_cut_short === undefined ? [] : [`  input     ${r.input_cut_short}; every frame before the cut was processed`]),
    `  data      ${r.source}, ${r.hours.toFixed(2)} h of market time; model ${r.model}, policy ${r.policy}`,
    `  PnL       ${n(r.pnl, 4)} USDT on ${r.capital} (fees ${n(r.fees, 4)}), Sharpe ${n(r.sharpe)}, Sortino ${n(r.sortino)}, max drawdown ${pct(r.max_drawdown)}`,
    `  trading   ${r.parents} decisions, ${r.orders} orders, ${r.trades} fills; fill rate ${pct(r.fill_rate)} (${r.escalations} escalated), maker ${pct(r.maker_share)}, time to fill ${n(r.time_to_fill_ms_mean, 0)} ms; turnover ${n(r.turnover)}×, exposure ${pct(r.exposure)}`,
    `  slippage  per lot against the arrival mid: mean ${n(r.slippage_bps_mean, 4)} bps, p95 ${n(r.slippage_bps_p95, 4)} bps`,
    `  signals   ${r.signals_resolved} judged at their horizon: hit rate ${pct(r.hit_rate)}, false-signal rate ${pct(r.false_signal_rate)}`,
    `  fills     time from decision to last fill: p50 ${n(r.time_to_fill_ms_p50, 0)} ms, p95 ${n(r.time_to_fill_ms_p95, 0)} ms`,
    ...(r.against_baseline === undefined ? [] : [
      `  baseline  slippage ${n(r.against_baseline.slippage_bps_mean, 4)} bps, Sharpe ${n(r.against_baseline.sharpe)}, fill rate ${pct(r.against_baseline.fill_rate)}, PnL ${n(r.against_baseline.pnl, 4)}`,
      `  vs base   slippage reduced by ${pct(r.against_baseline.slippage_reduction)}, Sharpe change ${n(r.against_baseline.sharpe_change)}`,
    ]),
  ].join('\n');
}
