import { describe, expect, it } from 'vitest';
import { formatSpan, perTrade, slippageChange, summaryFacts } from '../../application/report-facts.ts';
import type { PositionSnapshotRecord } from '../../application/ports/trading-store.ts';
import { cash, lots, type Micros } from '../../domain/values/units.ts';

describe('report facts', () => {
  it('shows market time as a person reads it, not in fractions of an hour', () => {
    expect(formatSpan(648_000_000)).toBe('10m 48s');
    expect(formatSpan(6 * 3600e6)).toBe('6h 0m');
    expect(formatSpan(2.5e6)).toBe('2.5s');
    expect(formatSpan(45e6)).toBe('45s');
    expect(formatSpan(90_000e6)).toBe('1d 1h');
  });

  it('says slippage increased where the smart policy paid more, never a negative reduction', () => {
    expect(slippageChange(-0.994)).toBe('increased by 99.4%');
    expect(slippageChange(0.551)).toBe('reduced by 55.1%');
    expect(slippageChange(null)).toBe('change n/a');
  });

  it('reads feed integrity, the open position, refused decisions and the signal counts out of a stored summary', () => {
    const facts = summaryFacts({
      counters: { gaps: 2, resyncs: 3, malformed: 1, crossed: 0, stalePeriods: 1, predictions: 900, signals: 40 },
      bookState: 'LIVE',
      notLiveMicros: 4_500_000,
      venueSpan: { from: 10, to: 20 },
      position: { qty: '-0.010', avgEntry: '89995.60', mark: '89998.0', unrealizedPnl: '-0.02400000' },
      execution: { refusedDecisions: 655, limitsBound: { confidence: 30, volatility: 12, urgency: 4 } },
    });
    expect(facts.feed).toEqual({ gaps: 2, resyncs: 3, malformed: 1, crossed: 0, stale_periods: 1, not_live_seconds: 4.5, state_at_end: 'LIVE' });
    expect(facts.openPosition).toEqual({ qty: '-0.010', avg_entry: '89995.60', mark: '89998.0', unrealized_usdt: '-0.02400000' });
    expect(facts.refusedDecisions).toBe(655);
    expect(facts.limitsBound).toEqual({ confidence: 30, volatility: 12, urgency: 4 });
    expect(facts.span).toEqual({ from: 10, to: 20 });
    expect([facts.predictions, facts.signals]).toEqual([900, 40]);
    expect(summaryFacts({ position: { qty: '0.000' } }).openPosition).toBeNull();
    expect(summaryFacts(null)).toEqual({ feed: null, openPosition: null, quality: null, refusedDecisions: 0, limitsBound: {}, span: null, predictions: 0, signals: 0 });
  });

  it('nets each round trip from flat to flat, or through zero', () => {
    const snap = (qty: number, realized: number, fees: number): PositionSnapshotRecord => ({
      runId: 'r', seq: 1, ts: 0 as Micros, qty: lots(qty), costBasis: cash(0), realizedPnl: cash(realized * 1e8), fees: cash(fees * 1e8), markTicks: null, unrealizedPnl: null,
    });
    // Long then flat (+3 − 1), short through zero to long (−1 − 1), long still open at the end.
    const r = perTrade([snap(0, 0, 0), snap(2, 0, 0.5), snap(0, 3, 1), snap(-1, 3, 1.5), snap(1, 2, 2)]);
    expect(r.trades).toBe(2);
    expect(r.mean_usdt).toBeCloseTo(0, 12);
    expect(r.stdev_usdt).toBeCloseTo(Math.sqrt(8), 12);
  });
});
