import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backtestCommand } from '../../composition/backtest-command.ts';
import type { MergedReport } from '../../composition/backtest-jobs.ts';
import { featuresCommand } from '../../composition/features-command.ts';
import { trainCommand } from '../../composition/train-command.ts';

/*
 * The holdout predicts fresh data. `ladder train` on an hour of the synthetic market, whose known edge
 * is its order-flow link (the latent imbalance leans the next market orders, so imbalance and OFI
 * predict the next second's move), at a cost of 0 bps so that a 1 s signal can pay; then `ladder
 * backtest` of that model, through the whole trading path, on four fresh seeds of the market. The
 * backtest's judged signals must show the holdout's false-signal rate.
 *
 * Tolerance. A signal's outcome is its 1 s move, so signals less than a second apart share most of
 * their move and are not independent; signals a second or more apart nearly are (the imbalance's
 * half-life is 200 ms). The effective sample of each side is therefore taken, conservatively, as
 * the smaller of its signals and the 1 s windows of its span (720 on the holdout, 1,200 in the
 * backtest), and the band is 5 standard errors of the difference of two rates:
 * 5 · √(p(1−p)/n_holdout + p(1−p)/n_backtest), about ±0.12 here. Four 5-minute seeds gave per-seed
 * rates of 0.43–0.51 (a spread of about 0.03, as 300 windows predict), and 0.465 over all four against
 * 0.424 on the holdout. The band is not vacuous: it stays below the 0.70 false-signal rate of trading
 * the imbalance sign on every row, on the same holdout rows, which it asserts.
 *
 * The backtest runs `--policy baseline` (a market order per signal) with a position limit far above
 * what five minutes of signals reach, and 5-minute runs (under the risk limits' drawdown), so that
 * every signal the model emits is acted on and judged: the run's signal outcomes cover all of them.
 */

const FEATURES = ['depth_imbalance_1', 'depth_imbalance_3', 'ofi_100ms', 'ofi_1s', 'trade_imbalance_1s'];
const FRESH_SEEDS = '21,22,23,24';
const HORIZON_SECONDS = 1;

const tmp = mkdtempSync(join(tmpdir(), 'ladder-holdout-backtest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface TrainReport {
  readonly split: { readonly holdoutFrom: number; readonly holdoutTo: number };
  readonly holdout: { readonly rows: number; readonly signals: number; readonly false_signal_rate: number; readonly abstain: boolean; readonly cost_bps: number };
  readonly baselines: { readonly obi_sign: { readonly false_signal_rate: number } };
}

/** 5 standard errors of the difference of two rates near `p`, on effective samples `a` and `b`. */
const band = (p: number, a: number, b: number): number => 5 * Math.sqrt(p * (1 - p) / a + p * (1 - p) / b);

describe('the holdout against a backtest on fresh seeds', () => {
  it("a model trained on the synthetic market's known edge shows its holdout false-signal rate in ladder backtest on fresh seeds", { timeout: 480_000 }, async () => {
    const data = join(tmp, 'train.csv');
    const model = join(tmp, 'model');
    const quiet = (): void => undefined;
    expect(await featuresCommand(['--source', 'synthetic', '--seed', '5', '--duration', '60m', '--features', FEATURES.join(','),
      '--labels', '--horizons', '1s,5s', '--out', data, '--quiet'], quiet)).toBe(0);
    expect(await trainCommand(['--data', data, '--out', model, '--horizons', '1s', '--cost-bps', '0', '--target-fsr', '0.45',
      '--rounds', '100', '--folds', '3', '--leaves', '4', '--min-data-in-leaf', '2000', '--learning-rate', '0.1', '--min-signals', '50', '--quiet'], quiet)).toBe(0);
    const trained = JSON.parse(readFileSync(join(model, 'report.json'), 'utf8')) as TrainReport;
    const h = trained.holdout;
    expect(h.abstain).toBe(false);
    expect(h.cost_bps).toBe(0);
    expect(h.signals).toBeGreaterThan(300);

    const reportFile = join(tmp, 'backtest.json');
    expect(await backtestCommand(['--source', 'synthetic', '--seed', FRESH_SEEDS, '--duration', '5m', '--model', model,
      '--policy', 'baseline', '--max-position', '1000', '--maker-fee-ppm', '0', '--db', 'none', '--report', reportFile, '--quiet'], quiet)).toBe(0);
    const b = JSON.parse(readFileSync(reportFile, 'utf8')) as MergedReport;
    // Every emitted signal was acted on, and all but those within a horizon of a run's end were judged.
    expect(b.signals).toBeGreaterThan(300);
    expect(b.parents).toBe(b.signals);
    expect(b.signals_resolved).toBeGreaterThan(0.97 * b.signals);

    const holdoutWindows = (trained.split.holdoutTo - trained.split.holdoutFrom) / 1e6 / HORIZON_SECONDS;
    const backtestWindows = (b.hours * 3600) / HORIZON_SECONDS;
    const p = h.false_signal_rate;
    const tolerance = band(p, Math.min(h.signals, holdoutWindows), Math.min(b.signals_resolved, backtestWindows));
    expect(tolerance).toBeLessThan(0.15);
    expect(p + tolerance).toBeLessThan(trained.baselines.obi_sign.false_signal_rate);
    expect(Math.abs(b.false_signal_rate! - p)).toBeLessThan(tolerance);
    // At a cost of 0 a judged signal is a hit exactly when it is not false.
    expect(b.hit_rate! + b.false_signal_rate!).toBeCloseTo(1, 9);
    // The share of predictions that clear the threshold: its variance follows the market's activity
    // clusters (half-life 10 s), so only a factor of two either way is asserted (measured 4.6% against 4.4%).
    const rate = b.signals / b.predictions;
    const holdoutRate = h.signals / h.rows;
    expect(rate).toBeGreaterThan(holdoutRate / 2);
    expect(rate).toBeLessThan(holdoutRate * 2);
  });
});
