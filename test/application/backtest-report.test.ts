import { describe, expect, it } from 'vitest';
import { backtestReport, slippageBps } from '../../application/backtest-report.ts';
import type { EquityRecord, FillRecord, PositionSnapshotRecord } from '../../application/ports/trading-store.ts';
import type { Order } from '../../domain/trading/order.ts';
import { BTCUSDT_SPEC, createInstrument } from '../../domain/values/instrument.ts';
import { unwrap } from '../../domain/result.ts';
import { cash, lots, ticks, type Micros } from '../../domain/values/units.ts';

const instrument = unwrap(createInstrument(BTCUSDT_SPEC));
const MIN = 60_000_000;
const USDT = 1e8;

const equity = (i: number, usdt: number): EquityRecord => ({
  runId: 'r', intervalStart: (i * MIN) as Micros, interval: MIN as Micros, equity: cash(Math.round(usdt * USDT)),
  realizedPnl: cash(0), unrealizedPnl: cash(0), fees: cash(0), volume: lots(0), fills: 0,
});

const fill = (id: string, side: 'Buy' | 'Sell', price: number, qty: number, mid: number | null, liquidity: 'maker' | 'taker', feeUsdt: number): FillRecord => ({
  runId: 'r',
  arrivalMidTicks: mid === null ? null : ticks(mid),
  fill: { tradeId: id, orderId: `o-${id}`, symbol: 'BTCUSDT', side, price: ticks(price), qty: lots(qty), fee: cash(feeUsdt * USDT), liquidity, ts: 0 as Micros },
});

const order = (qty: number): Order => ({
  id: `o${qty}`, symbol: 'BTCUSDT', side: 'Buy', type: 'market', qty: lots(qty), limitPrice: null, reduceOnly: false, status: 'filled',
  filledQty: lots(qty), venueOrderId: null, createdAt: 0 as Micros, updatedAt: 0 as Micros, reason: null,
});

describe('backtestReport', () => {
  it('computes each figure from the records, by hand', () => {
    // Capital 1,000 USDT; PnL per minute 0, +10, +5, +15: returns 0, 0.01, −0.005, 0.01.
    const positions: PositionSnapshotRecord[] = [
      // 2 lots (0.002 BTC) marked at 900,000 ticks (90,000 USDT): 180 USDT, held from minute 0 to 2 of 4.
      { runId: 'r', seq: 1, ts: 0 as Micros, qty: lots(2), costBasis: cash(0), realizedPnl: cash(0), fees: cash(0), markTicks: ticks(900_000), unrealizedPnl: cash(0) },
      { runId: 'r', seq: 2, ts: (2 * MIN) as Micros, qty: lots(0), costBasis: cash(0), realizedPnl: cash(0), fees: cash(0), markTicks: ticks(900_000), unrealizedPnl: cash(0) },
    ];
    const report = backtestReport({
      instrument,
      capitalUsdt: 1000,
      equity: [equity(0, 0), equity(1, 10), equity(2, 5), equity(3, 15)],
      // A buy 1 tick over a 900,000-tick mid: 1/900,000 × 1e4 = 0.0111 bps paid; a sell at the mid: 0.
      fills: [fill('a', 'Buy', 900_001, 2, 900_000, 'taker', 0.1), fill('b', 'Sell', 900_000, 2, 900_000, 'maker', 0.04), fill('c', 'Sell', 900_000, 1, null, 'maker', 0)],
      orders: [order(2), order(2), order(2)],
      positions,
      signals: { resolved: 4, hits: 3, falseSignals: 2, unresolved: 1 },
      execution: null,
      from: 0,
      to: 4 * MIN,
    });
    expect(report.pnl).toBe(15);
    // Four minutes hold no daily return: no Sharpe annualised from minutes, the round trips instead.
    expect(report.sharpe).toBeNull();
    expect(report.sortino).toBeNull();
    expect(report.sharpe_basis).toMatch(/^none: 4m 0s of market time/);
    expect(report.per_trade).toEqual({ trades: 1, mean_usdt: 0, stdev_usdt: null, ratio: null });
    expect(report.market_time).toBe('4m 0s');
    // Peak 1,010 then 1,005: (1010 − 1005) / 1010.
    expect(report.max_drawdown).toBeCloseTo(5 / 1010, 12);
    expect(report).toMatchObject({ trades: 3, orders: 3, hit_rate: 0.75, false_signal_rate: 0.5, signals_resolved: 4, capital: 1000, hours: 4 / 60 });
    expect(report.slippage_bps_mean).toBeCloseTo(1e4 / 900_000 / 2, 12);
    expect(report.slippage_bps_p95).toBeCloseTo(1e4 / 900_000, 12);
    // Filled 5 of 6 lots ordered; 3 of them made liquidity.
    expect(report.fill_rate).toBeCloseTo(5 / 6, 12);
    expect(report.maker_share).toBeCloseTo(3 / 5, 12);
    expect(report.fees).toBeCloseTo(0.14, 12);
    // Traded 900,001 × 2 + 900,000 × 2 + 900,000 × 1 ticks·lots at 0.1 USDT × 0.001 BTC: 450.0002 USDT.
    expect(report.turnover).toBeCloseTo(450.0002 / 1000, 12);
    // 180 USDT held half the time: 90 USDT on average, over 1,000.
    expect(report.exposure).toBeCloseTo(0.09, 12);
  });

  it('takes Sharpe and Sortino from daily returns, annualised by the square root of 365', () => {
    const DAY = 1440 * MIN;
    // PnL at each day's end 10, 5, 15 on 1,000 USDT: returns 0.01, −0.005, 0.01.
    const daily = [10, 5, 15].map((usdt, d) => ({ ...equity(0, usdt), intervalStart: (d * DAY + DAY - MIN) as Micros }));
    const report = backtestReport({
      instrument, capitalUsdt: 1000, equity: daily, fills: [], orders: [], positions: [],
      signals: { resolved: 0, hits: 0, falseSignals: 0, unresolved: 0 }, execution: null, from: 0, to: 3 * DAY,
    });
    const r = [0.01, -0.005, 0.01];
    const mean = 0.015 / 3;
    const sd = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / 2);
    const down = Math.sqrt(0.005 ** 2 / 3);
    expect(report.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(365), 9);
    expect(report.sortino).toBeCloseTo((mean / down) * Math.sqrt(365), 9);
    expect(report.sharpe_basis).toBe('daily returns over 3 days');
    expect(report.market_time).toBe('3d 0h');
  });

  it('gives no Sharpe for minutes that cross midnight', () => {
    const report = backtestReport({
      instrument, capitalUsdt: 1000, equity: [equity(1439, 5), equity(1440, 8), equity(1441, 3)], fills: [], orders: [], positions: [],
      signals: { resolved: 0, hits: 0, falseSignals: 0, unresolved: 0 }, execution: null, from: 1439 * MIN, to: 1442 * MIN,
    });
    expect(report.sharpe).toBeNull();
    expect(report.sharpe_basis).toMatch(/^none: 3m 0s/);
  });

  it('weighs slippage by the lots filled', () => {
    // 9 lots at 0 bps and 1 lot at 100 bps: 10 bps a lot; the 95th percentile lot is the costly one.
    const report = backtestReport({
      instrument, capitalUsdt: 1000, equity: [], positions: [], orders: [order(10)],
      fills: [fill('p', 'Buy', 1000, 9, 1000, 'maker', 0), fill('q', 'Buy', 1010, 1, 1000, 'taker', 0)],
      signals: { resolved: 0, hits: 0, falseSignals: 0, unresolved: 0 }, execution: null, from: 0, to: 0,
    });
    expect(report.slippage_bps_mean).toBeCloseTo(10, 9);
    expect(report.slippage_bps_p95).toBeCloseTo(100, 9);
  });

  it('takes the fill rate and times to fill from the decisions when the execution engine ran', () => {
    const report = backtestReport({
      instrument, capitalUsdt: 1000, equity: [], positions: [], orders: [order(1), order(1), order(1), order(1), order(1)], fills: [],
      signals: { resolved: 0, hits: 0, falseSignals: 0, unresolved: 0 }, from: 0, to: 0,
      execution: { parents: 2, targetLots: 4, filledLots: 3, escalations: 1, parentsFilled: 2, fillMicros: 300_000, fillTimesMs: [200, 100] },
    });
    // 3 of 4 lots decided were filled, whatever the 5 child orders were.
    expect(report).toMatchObject({ fill_rate: 0.75, parents: 2, escalations: 1, time_to_fill_ms_mean: 150, time_to_fill_ms_p50: 100, time_to_fill_ms_p95: 200 });
  });

  it('reports null where nothing was measured', () => {
    const report = backtestReport({
      instrument, capitalUsdt: 1000, equity: [], fills: [], orders: [], positions: [],
      signals: { resolved: 0, hits: 0, falseSignals: 0, unresolved: 0 }, execution: null, from: 0, to: 0,
    });
    expect(report).toMatchObject({ pnl: 0, sharpe: null, sortino: null, hit_rate: null, false_signal_rate: null, slippage_bps_mean: null, fill_rate: null, trades: 0 });
  });

  it('signs slippage against the trader: buying above or selling below the arrival mid is positive', () => {
    expect(slippageBps(fill('x', 'Buy', 1010, 1, 1000, 'taker', 0))).toBeCloseTo(100, 9);
    expect(slippageBps(fill('y', 'Sell', 990, 1, 1000, 'taker', 0))).toBeCloseTo(100, 9);
    expect(slippageBps(fill('z', 'Sell', 1010, 1, 1000, 'taker', 0))).toBeCloseTo(-100, 9);
  });
});
