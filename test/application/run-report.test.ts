import { describe, expect, it } from 'vitest';
import type { EquityRecord, FillRecord, PositionSnapshotRecord, RunRecord, SignalRecord } from '../../application/ports/trading-store.ts';
import { runReport, utcDate } from '../../application/run-report.ts';
import type { Order, OrderStatus } from '../../domain/trading/order.ts';
import type { Side } from '../../domain/trading/side.ts';
import { BTCUSDT_SPEC } from '../../domain/values/instrument.ts';
import { cash, lots, micros, ticks } from '../../domain/values/units.ts';
import { MemoryStore } from '../support/fakes.ts';

const HOUR = 3_600_000_000; // µs
const D1 = 19_885 * 24 * HOUR; // 2024-06-11T00:00:00Z
const D2 = D1 + 24 * HOUR;

const run = (id: string): RunRecord => ({
  id, mode: 'backtest', instrument: BTCUSDT_SPEC, source: 'replay:capture.jsonl', venue: 'sim', modelId: 'm1',
  schemaId: 'fs-1', config: {}, codeVersion: 'abc', startedAt: micros(D1),
});

const fill = (tradeId: string, side: Side, price: number, qty: number, fee: number, ts: number, mid: number | null): FillRecord => ({
  runId: 'bt',
  fill: { tradeId, orderId: `o-${tradeId}`, symbol: 'BTCUSDT', side, price: ticks(price), qty: lots(qty), fee: cash(fee), liquidity: 'taker', ts: micros(ts) },
  arrivalMidTicks: mid === null ? null : ticks(mid),
});

const position = (seq: number, ts: number, qty: number, realized: number): PositionSnapshotRecord => ({
  runId: 'bt', seq, ts: micros(ts), qty: lots(qty), costBasis: cash(qty * 6_500_000_000), realizedPnl: cash(realized),
  fees: cash(0), markTicks: ticks(650_000), unrealizedPnl: cash(0),
});

const equity = (hour: number, value: number): EquityRecord => ({
  runId: 'bt', intervalStart: micros(D1 + hour * HOUR), interval: micros(HOUR), equity: cash(value), realizedPnl: cash(0),
  unrealizedPnl: cash(0), fees: cash(0), volume: lots(0), fills: 0,
});

const signal = (seq: number, acted: boolean): SignalRecord => ({
  runId: 'bt', seq, midTicks: null, acted,
  signal: { ts: micros(D1 + seq), score: 1, confidence: 0.5, horizonMs: 500, modelId: 'm1', schemaId: 'fs-1' },
});

const order = (id: string, status: OrderStatus): Order => ({
  id, symbol: 'BTCUSDT', side: 'Buy', type: 'market', qty: lots(1), limitPrice: null, reduceOnly: false, status,
  filledQty: lots(status === 'filled' ? 1 : 0), venueOrderId: null, createdAt: micros(D1), updatedAt: micros(D1), reason: null,
});

async function backtest(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.startRun(run('bt'));
  await store.write({
    // Day 1: buy 2 at mid + 1 (slippage +1), sell 2 at mid (0) for +20 ticks a lot; day 2: buy 1 without a mid, sell 1
    // at mid + 3 (-3: sold above the mid) for -5 ticks.
    fills: [
      fill('t1', 'Buy', 650_000, 2, 1_300, D1 + HOUR, 649_999),
      fill('t2', 'Sell', 650_020, 2, 1_301, D1 + 2 * HOUR, 650_020),
      fill('t3', 'Buy', 650_100, 1, 650, D2 + HOUR, null),
      fill('t4', 'Sell', 650_095, 1, 651, D2 + 2 * HOUR, 650_092),
    ],
    positionSnapshots: [
      position(1, D1 + HOUR, 2, 0), position(2, D1 + 2 * HOUR, 0, 400_000),
      position(3, D2 + HOUR, 1, 400_000), position(4, D2 + 2 * HOUR, 0, 350_000),
    ],
    // Peak 1,000,400,000 at hour 2; the fall to 999,000,000 at hour 4 is the deepest (1,400,000).
    equity: [equity(0, 1_000_000_000), equity(2, 1_000_400_000), equity(3, 999_500_000), equity(4, 999_000_000), equity(26, 1_000_200_000)],
    signals: [signal(1, true), signal(2, false), signal(3, true), signal(4, false), signal(5, false)],
    orders: ['filled', 'filled', 'canceled', 'rejected'].map((status, i) => ({ runId: 'bt', order: order(`o-${i}`, status as OrderStatus) })),
    featureVectors: [],
  });
  return store;
}

describe('runReport', () => {
  it('composes totals, days, slippage, final position and equity, drawdown, signals and orders', async () => {
    const store = await backtest();
    const report = await runReport(store, 'bt');
    expect(report).not.toBeNull();
    if (report === null) return;
    expect(report.run.id).toBe('bt');
    expect(report.counts).toMatchObject({ fills: 4, signals: 5, orders: 4, positionSnapshots: 4, equity: 5 });
    expect(report.totals).toEqual({
      runId: 'bt', realizedPnl: 350_000, fees: 3_902, volume: 6, fills: 4, slippageFills: 3, totalSlippage: -2, meanSlippage: -2 / 3,
    });
    expect(report.netRealizedPnl).toBe(350_000 - 3_902);
    expect(report.slippage).toEqual({ fills: 3, total: -2, mean: -2 / 3 });
    expect(report.days).toEqual([
      { dayStart: D1, date: '2024-06-11', realizedPnl: 400_000, fees: 2_601, volume: 4, fills: 2, slippageFills: 2, totalSlippage: 1, meanSlippage: 0.5 },
      { dayStart: D2, date: '2024-06-12', realizedPnl: -50_000, fees: 1_301, volume: 2, fills: 2, slippageFills: 1, totalSlippage: -3, meanSlippage: -3 },
    ]);
    expect(report.finalPosition?.seq).toBe(4);
    expect(report.finalEquity?.equity).toBe(1_000_200_000);
    expect(report.peakEquity).toBe(1_000_400_000);
    expect(report.maxDrawdown).toBe(1_400_000);
    expect(report.signals).toEqual({ count: 5, acted: 2 });
    expect(report.ordersByStatus).toEqual({ filled: 2, canceled: 1, rejected: 1 });
  });

  it('reports a run that recorded nothing with zeros and nulls', async () => {
    const store = new MemoryStore();
    await store.startRun(run('empty'));
    const report = await runReport(store, 'empty');
    expect(report).toMatchObject({
      totals: { runId: 'empty', realizedPnl: 0, fees: 0, volume: 0, fills: 0, slippageFills: 0, totalSlippage: 0, meanSlippage: null },
      netRealizedPnl: 0, slippage: { fills: 0, total: 0, mean: null }, days: [], finalPosition: null, finalEquity: null,
      peakEquity: null, maxDrawdown: 0, signals: { count: 0, acted: 0 }, ordersByStatus: {},
    });
  });

  it('returns null for an unknown run', async () => {
    expect(await runReport(await backtest(), 'nope')).toBeNull();
  });

  it('names the UTC day of a time, at and just before midnight', () => {
    expect(utcDate(D1)).toBe('2024-06-11');
    expect(utcDate(D1 - 1)).toBe('2024-06-10');
    expect(utcDate(0)).toBe('1970-01-01');
  });
});
