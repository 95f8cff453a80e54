import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { RunWatch, Thinned } from '../../adapters/dashboard/run-watch.ts';
import { BatchedWriter, type WriterRow } from '../../application/batched-writer.ts';
import { silentLogger } from '../../application/ports/logger.ts';
import type { Order } from '../../domain/trading/order.ts';
import type { Cash, Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { btc } from '../support/builders.ts';
import { MemoryStore } from '../support/fakes.ts';

const order = (id: string, status: Order['status'], filled = 0): Order => ({
  id, symbol: 'BTCUSDT', side: 'Buy', type: 'limit', qty: 2 as Lots, limitPrice: 900_000 as Ticks, reduceOnly: false, status,
  filledQty: filled as Lots, venueOrderId: null, createdAt: 1 as Micros, updatedAt: 1 as Micros, reason: null,
});

describe('the writer observer', () => {
  it('hands every pushed row to each listener, in push order, until it stops listening', async () => {
    const writer = new BatchedWriter(new MemoryStore(), silentLogger, { batchRows: 1000, flushEveryMs: 10_000 });
    const a: WriterRow[] = [];
    const b: WriterRow[] = [];
    const stopA = writer.observe((row) => a.push(row));
    writer.observe((row) => b.push(row));
    writer.order({ runId: 'r', order: order('o1', 'new') });
    writer.riskEvent({ runId: 'r', seq: 1, ts: 5 as Micros, lastTs: 5 as Micros, count: 1, state: 'HALTED', kind: 'kill', cause: 'kill', reason: 'test' });
    stopA();
    writer.order({ runId: 'r', order: order('o1', 'accepted') });
    expect(a.map((r) => r.kind)).toEqual(['orders', 'riskEvents']);
    expect(b.map((r) => r.kind)).toEqual(['orders', 'riskEvents', 'orders']);
    expect(b[2]).toMatchObject({ kind: 'orders', record: { order: { status: 'accepted' } } });
    await writer.close();
  });
});

describe('what the dashboard gathers from the rows', () => {
  it('keeps working orders only, the newest fills with their slippage, and the last risk decision', () => {
    const watch = new RunWatch(btc, { fills: 2, signals: 2 });
    watch.onRow({ kind: 'orders', record: { runId: 'r', order: order('o1', 'accepted') } });
    watch.onRow({ kind: 'orders', record: { runId: 'r', order: order('o2', 'partially_filled', 1) } });
    watch.onRow({ kind: 'orders', record: { runId: 'r', order: order('o1', 'canceled') } });
    expect(watch.openOrders).toEqual([expect.objectContaining({ id: 'o2', qty: 0.002, filled: 0.001, price: 90_000, status: 'partially_filled' })]);
    for (const [k, price] of [[1, 900_010], [2, 900_020], [3, 899_990]] as const) {
      watch.onRow({ kind: 'fills', record: { runId: 'r', arrivalMidTicks: 900_000 as Ticks, fill: {
        tradeId: `t${k}`, orderId: 'o2', symbol: 'BTCUSDT', side: 'Buy', price: price as Ticks, qty: 1 as Lots, fee: 100 as Cash, liquidity: 'maker', ts: k as Micros,
      } } });
    }
    expect(watch.fillCount).toBe(3);
    expect(watch.fills.map((f) => f.tradeId)).toEqual(['t2', 't3']);
    // Bought 10 ticks under a 90 000.0 mid: paid better, so negative.
    expect(watch.fills[1].slippageBps).toBeCloseTo((-10 / 900_000) * 10_000, 9);
    expect(watch.lastRisk).toBeNull();
    watch.onRow({ kind: 'riskEvents', record: { runId: 'r', seq: 1, ts: 5 as Micros, lastTs: 5 as Micros, count: 1, state: 'HALTED', kind: 'trip', cause: 'kill', reason: 'pulled' } });
    expect(watch.lastRisk).toMatchObject({ state: 'HALTED', reason: 'pulled' });
  });

  it('gives the reason of the trip in force: a later refusal, another breaker\'s clear or an old episode come again do not hide a kill', () => {
    const watch = new RunWatch(btc);
    const risk = (seq: number, kind: 'trip' | 'clear' | 'refusal', cause: string, state: 'ACTIVE' | 'REDUCING' | 'HALTED', reason: string): void =>
      watch.onRow({ kind: 'riskEvents', record: { runId: 'r', seq, ts: seq as Micros, lastTs: seq as Micros, count: 1, state, kind, cause, reason } });
    risk(1, 'trip', 'dataIntegrity', 'HALTED', 'book SYNCING');
    risk(2, 'clear', 'dataIntegrity', 'ACTIVE', 'book LIVE');
    expect(watch.lastRisk).toMatchObject({ cause: 'dataIntegrity', reason: 'book LIVE' });
    risk(3, 'trip', 'drawdown', 'REDUCING', 'drawdown 3%');
    risk(4, 'trip', 'kill', 'HALTED', 'kill switch (dashboard)');
    risk(5, 'refusal', 'halted', 'HALTED', 'order o9: halted');
    // The first episode's row again, its count grown: it is no newer than the clear.
    risk(1, 'trip', 'dataIntegrity', 'HALTED', 'book SYNCING');
    risk(6, 'clear', 'drawdown', 'HALTED', 'drawdown back under 2%');
    expect(watch.lastRisk).toMatchObject({ cause: 'kill', reason: 'kill switch (dashboard)' });
  });

  it('keeps the newest scored feed minutes, oldest first, within its bound', () => {
    const watch = new RunWatch(btc, { fills: 2, signals: 2, feedMinutes: 3 });
    expect(watch.feedMinutes).toEqual([]);
    const minute = (k: number, score: number) => ({
      runId: 'r', start: (k * 60_000_000) as Micros, window: 60_000_000 as Micros, score, notLive: 0 as Micros, gaps: 0, crossed: 0, resyncs: 0,
      stalePeriods: 0, malformed: 0, tickerMismatches: 0, latencyP99: null,
    });
    for (const [k, score] of [[1, 100], [2, 40], [3, 70], [4, 95]] as const) watch.onRow({ kind: 'feedQuality', record: minute(k, score) });
    expect(watch.feedMinutes).toEqual([{ t: 120_000_000, score: 40 }, { t: 180_000_000, score: 70 }, { t: 240_000_000, score: 95 }]);
  });

  test.prop([fc.integer({ min: 2, max: 50 }), fc.integer({ min: 0, max: 5000 })])('a thinned curve stays within its bound and ends at the newest point', (max, n) => {
    const curve = new Thinned<number>(max);
    for (let k = 0; k < n; k++) curve.add(k);
    const points = curve.points;
    expect(points.length).toBeLessThanOrEqual(max);
    expect(points.length).toBe(Math.min(n, points.length));
    if (n > 0) expect(points.at(-1)).toBe(n - 1);
    if (n > 0) expect(points[0]).toBe(0);
    expect([...points].sort((x, y) => x - y)).toEqual(points);
  });
});
