/**
 * The summary of a parameter sweep: its results grouped by parameter set (over all inputs), best
 * first. Reads only the few report fields it ranks and shows.
 */

/** The report fields a sweep summary reads (a subset of `ladder backtest --report`). */
export interface SweepReportFields {
  readonly pnl: number;
  readonly sharpe: number | null;
  readonly trades: number;
  readonly orders: number;
  readonly fill_rate: number | null;
  readonly slippage_bps_mean: number | null;
  readonly max_drawdown: number | null;
}

export interface SweepResultRow {
  readonly jobId: string;
  /** Backtest flag → value. */
  readonly params: Readonly<Record<string, string>>;
  readonly input: string;
  /** Null when the job failed; `error` says why. */
  readonly report: SweepReportFields | null;
  readonly error: string | null;
  readonly delivery: number;
}

export interface ParameterSetSummary {
  readonly params: Readonly<Record<string, string>>;
  /** Jobs with a report, and jobs that failed. */
  readonly runs: number;
  readonly failed: number;
  /** Means over the runs with a report; null where no run gives the value. */
  readonly pnlMean: number | null;
  readonly pnlTotal: number;
  readonly sharpeMean: number | null;
  readonly trades: number;
  readonly orders: number;
  readonly fillRateMean: number | null;
  readonly slippageBpsMean: number | null;
  readonly worstDrawdown: number | null;
}

/**
 * Groups results by parameter set and ranks the sets: highest mean PnL first, then highest mean
 * Sharpe, then the parameters' text (so equal sets come out in a fixed order). Sets whose every job
 * failed come last.
 */
export function summarizeSweep(rows: readonly SweepResultRow[]): ParameterSetSummary[] {
  const groups = new Map<string, SweepResultRow[]>();
  for (const row of rows) {
    const key = paramsKey(row.params);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [row]);
    else group.push(row);
  }
  const sets = [...groups.values()].map(summarizeSet);
  return sets.sort(compareSets);
}

function summarizeSet(rows: readonly SweepResultRow[]): ParameterSetSummary {
  const reports = rows.flatMap((r) => (r.report === null ? [] : [r.report]));
  const mean = (values: readonly (number | null)[]): number | null => {
    const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
    return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
  };
  const drawdowns = reports.map((r) => r.max_drawdown).filter((v): v is number => v !== null);
  return {
    params: rows[0].params,
    runs: reports.length,
    failed: rows.length - reports.length,
    pnlMean: mean(reports.map((r) => r.pnl)),
    pnlTotal: reports.reduce((a, r) => a + r.pnl, 0),
    sharpeMean: mean(reports.map((r) => r.sharpe)),
    trades: reports.reduce((a, r) => a + r.trades, 0),
    orders: reports.reduce((a, r) => a + r.orders, 0),
    fillRateMean: mean(reports.map((r) => r.fill_rate)),
    slippageBpsMean: mean(reports.map((r) => r.slippage_bps_mean)),
    worstDrawdown: drawdowns.length === 0 ? null : Math.max(...drawdowns),
  };
}

function compareSets(a: ParameterSetSummary, b: ParameterSetSummary): number {
  if ((a.pnlMean === null) !== (b.pnlMean === null)) return a.pnlMean === null ? 1 : -1;
  const pnl = (b.pnlMean ?? 0) - (a.pnlMean ?? 0);
  if (pnl !== 0) return pnl;
  const sharpe = (b.sharpeMean ?? -Infinity) - (a.sharpeMean ?? -Infinity);
  if (sharpe !== 0 && Number.isFinite(sharpe)) return sharpe;
  return paramsKey(a.params) < paramsKey(b.params) ? -1 : paramsKey(a.params) > paramsKey(b.params) ? 1 : 0;
}

/** `policy=smart order-size=0.002`: the parameters as one readable key. */
export function paramsKey(params: Readonly<Record<string, string>>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
