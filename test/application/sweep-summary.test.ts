import { describe, expect, it } from 'vitest';
import { paramsKey, summarizeSweep, type SweepReportFields, type SweepResultRow } from '../../application/sweep-summary.ts';

const report = (pnl: number, sharpe: number | null, extra: Partial<SweepReportFields> = {}): SweepReportFields => ({
  pnl, sharpe, trades: 2, orders: 3, fill_rate: 0.5, slippage_bps_mean: 1, max_drawdown: 0.01, ...extra,
});
const row = (jobId: string, params: Record<string, string>, r: SweepReportFields | null, input = 'a'): SweepResultRow => ({
  jobId, params, input, report: r, error: r === null ? 'file not found' : null, delivery: 1,
});

describe('summarizeSweep', () => {
  it('groups by parameter set over the inputs and ranks by mean PnL, best first', () => {
    const sets = summarizeSweep([
      row('j1', { policy: 'smart' }, report(1, 0.5), 'a'),
      row('j2', { policy: 'baseline' }, report(4, 0.1), 'a'),
      row('j3', { policy: 'smart' }, report(3, 1.5, { max_drawdown: 0.03 }), 'b'),
      row('j4', { policy: 'baseline' }, report(-2, null), 'b'),
    ]);
    expect(sets.map((s) => paramsKey(s.params))).toEqual(['policy=smart', 'policy=baseline']);
    expect(sets[0]).toMatchObject({ runs: 2, failed: 0, pnlMean: 2, pnlTotal: 4, sharpeMean: 1, trades: 4, orders: 6, fillRateMean: 0.5, worstDrawdown: 0.03 });
    // A run without a Sharpe leaves the mean to those that have one.
    expect(sets[1]).toMatchObject({ pnlMean: 1, sharpeMean: 0.1 });
  });

  it('breaks a tie in PnL by Sharpe, then by the parameters, and puts sets that only failed last', () => {
    const sets = summarizeSweep([
      row('j1', { capital: '3' }, null),
      row('j2', { capital: '2' }, report(1, 0.2)),
      row('j3', { capital: '1' }, report(1, 0.9)),
      row('j4', { capital: '0' }, report(1, 0.9)),
    ]);
    expect(sets.map((s) => s.params.capital)).toEqual(['0', '1', '2', '3']);
    expect(sets[3]).toMatchObject({ runs: 0, failed: 1, pnlMean: null, sharpeMean: null, worstDrawdown: null });
  });

  it('keys parameters in their grid order', () => {
    expect(paramsKey({ policy: 'smart', 'order-size': '0.002' })).toBe('policy=smart order-size=0.002');
    expect(summarizeSweep([])).toEqual([]);
  });
});
