import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BacktestReport } from '../application/backtest-report.ts';
import type { PaperConfig } from './config.ts';

/** One backtest's report as `ladder backtest` prints it: the figures and what ran. */
export type RunReport = BacktestReport & {
  readonly run: string; readonly source: string; readonly model: string; readonly policy: string; readonly seed: number;
};

/**
 * The report of several independent runs (days, seeds): sums of what adds up (PnL, fees, fills,
 * orders, decisions, escalations, judged signals, hours), hit and false-signal rates over every judged
 * signal of every run, and for figures that do not add up (Sharpe, Sortino, slippage, fill rate, times
 * to fill, maker share, turnover, exposure) the mean over the runs that have them; max_drawdown is the
 * largest of the runs'. Each run's own report is kept under `runs`, in the order the runs were given.
 */
export interface MergedReport {
  readonly merged: number;
  readonly pnl: number;
  readonly fees: number;
  readonly trades: number;
  readonly orders: number;
  readonly parents: number;
  readonly escalations: number;
  readonly taken_at_once: number;
  /** Warm predictions and the signals among them, acted on or not, over every run. */
  readonly predictions: number;
  readonly signals: number;
  readonly signals_resolved: number;
  readonly hit_rate: number | null;
  readonly false_signal_rate: number | null;
  readonly hours: number;
  readonly max_drawdown: number;
  readonly sharpe_mean: number | null;
  readonly sortino_mean: number | null;
  readonly slippage_bps_mean: number | null;
  readonly fill_rate_mean: number | null;
  readonly maker_share_mean: number | null;
  readonly time_to_fill_ms_mean: number | null;
  readonly turnover_mean: number;
  readonly exposure_mean: number;
  readonly runs: readonly RunReport[];
}

export function mergeReports(runs: readonly RunReport[]): MergedReport {
  const sum = (pick: (r: RunReport) => number): number => runs.reduce((s, r) => s + pick(r), 0);
  const mean = (pick: (r: RunReport) => number | null): number | null => {
    const values = runs.map(pick).filter((v): v is number => v !== null);
    return values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length;
  };
  const resolved = sum((r) => r.signals_resolved);
  // A run's rate times its judged signals is its count (to float precision); the sum over runs is the total's.
  const rate = (pick: (r: RunReport) => number | null): number | null => (resolved === 0 ? null : sum((r) => (pick(r) ?? 0) * r.signals_resolved) / resolved);
  return {
    merged: runs.length,
    pnl: sum((r) => r.pnl),
    fees: sum((r) => r.fees),
    trades: sum((r) => r.trades),
    orders: sum((r) => r.orders),
    parents: sum((r) => r.parents),
    escalations: sum((r) => r.escalations),
    taken_at_once: sum((r) => r.taken_at_once),
    predictions: sum((r) => r.predictions),
    signals: sum((r) => r.signals),
    signals_resolved: resolved,
    hit_rate: rate((r) => r.hit_rate),
    false_signal_rate: rate((r) => r.false_signal_rate),
    hours: sum((r) => r.hours),
    max_drawdown: Math.max(0, ...runs.map((r) => r.max_drawdown)),
    sharpe_mean: mean((r) => r.sharpe),
    sortino_mean: mean((r) => r.sortino),
    slippage_bps_mean: mean((r) => r.slippage_bps_mean),
    fill_rate_mean: mean((r) => r.fill_rate),
    maker_share_mean: mean((r) => r.maker_share),
    time_to_fill_ms_mean: mean((r) => r.time_to_fill_ms_mean),
    turnover_mean: mean((r) => r.turnover) ?? 0,
    exposure_mean: mean((r) => r.exposure) ?? 0,
    runs,
  };
}

/** What a worker is asked: one run's configuration. */
export interface JobRequest {
  readonly config: PaperConfig;
}

/** What a worker answers: the run's report, or why it failed. */
export type JobAnswer = { readonly ok: true; readonly report: RunReport } | { readonly ok: false; readonly error: string };

// Compiled (dist/composition/backtest-jobs.js), the worker's module sits beside this one; from the
// TypeScript sources, bin/backtest-worker.js loads it through tsx.
const WORKER = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? './backtest-worker.js' : '../bin/backtest-worker.js', import.meta.url));

/**
 * Runs the configurations in worker threads, `jobs` at a time, each in a worker of its own (a fresh
 * heap, its own model session and store); resolves with the reports in the order of `configs`,
 * whatever order they finish in. The first failure rejects once the runs under way have ended.
 */
export async function runInWorkers(configs: readonly PaperConfig[], jobs: number): Promise<RunReport[]> {
  const reports = new Array<RunReport>(configs.length);
  // Shared by the lanes, which set it from their callbacks.
  const state: { next: number; failure: Error | null } = { next: 0, failure: null };
  const lane = async (): Promise<void> => {
    while (state.failure === null && state.next < configs.length) {
      const index = state.next++;
      const answer = await runOne({ config: configs[index] });
      if (answer.ok) reports[index] = answer.report;
      else state.failure ??= new Error(`backtest run ${index + 1} of ${configs.length} failed: ${answer.error}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, configs.length) }, lane));
  if (state.failure !== null) throw state.failure;
  return reports;
}

function runOne(request: JobRequest): Promise<JobAnswer> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER, { workerData: request });
    let answer: JobAnswer | null = null;
    worker.once('message', (message: JobAnswer) => (answer = message));
    worker.once('error', (error) => (answer ??= { ok: false, error: error.message }));
    worker.once('exit', (code) => resolve(answer ?? { ok: false, error: `the worker exited with code ${code} without a report` }));
  });
}
