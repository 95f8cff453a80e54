import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { summaryFacts } from '../../application/report-facts.ts';
import { backtestReport, slippageBps, type BacktestReport } from '../../application/backtest-report.ts';
import type { ExecutionCounters } from '../../application/execution-engine.ts';
import type { FillRecord, SignalRecord, TradingStore } from '../../application/ports/trading-store.ts';
import { runReport } from '../../application/run-report.ts';
import type { SignalOutcomeCounts } from '../../domain/backtest/signal-outcomes.ts';
import { unwrap } from '../../domain/result.ts';
import { createInstrument, type Instrument } from '../../domain/values/instrument.ts';
import { renderReportHtml, type ReliabilityRow, type ReportPage } from './report-html.ts';

export interface ReportPageOptions {
  /**
   * The run to compare with; null for none. Absent: the baseline the run recorded
   * (`ladder backtest --against-baseline` keeps its twin's id in the run's config), when it is stored.
   */
  readonly baselineRunId?: string | null;
  /** Starting equity, USDT, that returns and drawdown relate to; 10000 (the default of the run commands) when absent. */
  readonly capitalUsdt?: number;
}

/** Confidence bins of the reliability table: tenths. */
const BINS = 10;

/**
 * The HTML report of a stored run (see report-html.ts), read from the store; null for an unknown
 * run. The reliability table is measured on the run's own signals when their outcome can be told,
 * and the model's as trained (its report.json beside the model, when the directory is readable) is
 * shown beside it.
 */
export async function renderRunReport(store: TradingStore, runId: string, options: ReportPageOptions = {}): Promise<string | null> {
  const page = await reportPageData(store, runId, options);
  return page === null ? null : renderReportHtml(page);
}

/** What the report shows of a stored run; null for an unknown run. */
export async function reportPageData(store: TradingStore, runId: string, options: ReportPageOptions = {}): Promise<ReportPage | null> {
  const capital = options.capitalUsdt ?? 10_000;
  const main = await runFigures(store, runId, capital);
  if (main === null) return null;
  const run = main.report.run;
  const asked = options.baselineRunId;
  const recorded = typeof run.config.baselineRunId === 'string' ? run.config.baselineRunId : null;
  const baselineId = asked === undefined ? recorded : asked;
  const baseline = baselineId === null ? null : await runFigures(store, baselineId, capital);
  // A baseline asked for must exist; a recorded one that was deleted is left out.
  if (typeof asked === 'string' && baseline === null) throw new Error(`no run ${asked} in the store to compare with`);
  const [signals, mids] = await Promise.all([store.readSignals(runId), midsOf(store, runId)]);
  const model = typeof run.config.model === 'string' ? await trainedReliability(run.config.model) : null;
  return {
    runId,
    mode: run.mode,
    symbol: run.instrument.symbol,
    source: run.source,
    modelId: run.modelId,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    report: main.report,
    figures: main.figures,
    equity: main.equity,
    slippageBps: main.slippage,
    reliability: reliability(signals, mids),
    trainedReliability: model,
    baseline: baseline === null || baselineId === null ? null : { runId: baselineId, figures: baseline.figures, slippageBps: baseline.slippage },
  };
}

interface RunFigures {
  readonly report: NonNullable<Awaited<ReturnType<typeof runReport>>>;
  readonly figures: BacktestReport;
  /** Per equity interval's end: µs and PnL net of fees, USDT. */
  readonly equity: readonly (readonly [number, number])[];
  readonly slippage: readonly number[];
}

async function runFigures(store: TradingStore, runId: string, capital: number): Promise<RunFigures | null> {
  const report = await runReport(store, runId);
  if (report === null) return null;
  const instrument: Instrument = unwrap(createInstrument(report.run.instrument));
  const [equity, fills, orders, positions] = await Promise.all([
    store.readEquity(runId), store.readFills(runId), store.readOrders(runId), store.readPositionSnapshots(runId),
  ]);
  const summary = report.run.summary as { signalOutcomes?: SignalOutcomeCounts; execution?: ExecutionCounters | null } | null;
  const figures = backtestReport({
    instrument,
    capitalUsdt: capital,
    equity,
    fills,
    orders,
    positions,
    signals: summary?.signalOutcomes ?? { resolved: 0, hits: 0, falseSignals: 0, unresolved: 0 },
    execution: summary?.execution ?? null,
    from: equity[0]?.intervalStart ?? 0,
    to: equity.length === 0 ? 0 : equity[equity.length - 1].intervalStart + equity[equity.length - 1].interval,
    facts: summaryFacts(report.run.summary),
  });
  return {
    report,
    figures,
    equity: equity.map((e) => [e.intervalStart + e.interval, e.equity / 1e8] as const),
    slippage: fills.filter((f: FillRecord) => f.arrivalMidTicks !== null && f.arrivalMidTicks > 0).map(slippageBps),
  };
}

/**
 * Mids the run recorded, by venue time (twice the mid, in ticks): its book snapshots' touch when it
 * stored them (about one a second), else the mids of its signals and the marks of its position snapshots.
 */
async function midsOf(store: TradingStore, runId: string): Promise<readonly (readonly [number, number])[]> {
  const [books, signals, positions] = await Promise.all([store.readBookSnapshots(runId), store.readSignals(runId), store.readPositionSnapshots(runId)]);
  const mids: (readonly [number, number])[] = [];
  for (const b of books) if (b.bidTicks.length > 0 && b.askTicks.length > 0) mids.push([b.ts, b.bidTicks[0] + b.askTicks[0]]);
  for (const s of signals) if (s.midTicks !== null) mids.push([s.signal.ts, 2 * s.midTicks]);
  for (const p of positions) if (p.markTicks !== null) mids.push([p.ts, 2 * p.markTicks]);
  return mids.sort((a, b) => a[0] - b[0]);
}

/**
 * Confidence against what happened: a signal is a hit when the first recorded mid at or after its
 * horizon has moved its way (a flat mid is a miss). Judged only where such a mid is recorded within
 * one more horizon (at least 5 s), so that a gap in the record does not judge it on a later move.
 */
export function reliability(signals: readonly SignalRecord[], mids: readonly (readonly [number, number])[]): readonly ReliabilityRow[] {
  const rows = Array.from({ length: BINS }, (_, k) => ({ from: k / BINS, to: (k + 1) / BINS, count: 0, confidence: 0, hits: 0, unresolved: 0 }));
  for (const { signal, midTicks } of signals) {
    const row = rows[Math.min(BINS - 1, Math.floor(signal.confidence * BINS))];
    const horizon = signal.horizonMs * 1000;
    const due = signal.ts + horizon;
    const later = firstAtOrAfter(mids, due);
    if (midTicks === null || signal.score === 0 || later === null || later[0] > due + Math.max(horizon, 5_000_000)) {
      row.unresolved++;
      continue;
    }
    row.count++;
    row.confidence += signal.confidence;
    if (Math.sign(later[1] - 2 * midTicks) === Math.sign(signal.score)) row.hits++;
  }
  return rows
    .filter((r) => r.count + r.unresolved > 0)
    .map((r) => ({ from: r.from, to: r.to, count: r.count, unresolved: r.unresolved, meanConfidence: r.count === 0 ? null : r.confidence / r.count, hitRate: r.count === 0 ? null : r.hits / r.count }));
}

function firstAtOrAfter(sorted: readonly (readonly [number, number])[], t: number): readonly [number, number] | null {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (sorted[m][0] < t) lo = m + 1;
    else hi = m;
  }
  return sorted[lo] ?? null;
}

/** The reliability table of the model's training report, when its directory holds one. */
async function trainedReliability(dir: string): Promise<readonly ReliabilityRow[] | null> {
  try {
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { reliability?: unknown };
    if (!Array.isArray(report.reliability)) return null;
    return (report.reliability as { from: number; to: number; count: number; meanConfidence: number | null; hitRate: number | null }[])
      .filter((r) => typeof r.from === 'number' && typeof r.count === 'number' && r.count > 0)
      .map((r) => ({ from: r.from, to: r.to, count: r.count, unresolved: 0, meanConfidence: r.meanConfidence, hitRate: r.hitRate }));
  } catch {
    return null;
  }
}
