import 'reflect-metadata';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../adapters/memory/memory-store.ts';
import { backtestReport, backtestReportOf, type BacktestFacts, type BacktestReport } from '../../application/backtest-report.ts';
import type { EquityRecord, FillRecord, OrderRecord, PositionSnapshotRecord, RunRecord, StoreBatch, TradingStore } from '../../application/ports/trading-store.ts';
import { paperConfig } from '../../composition/config.ts';
import { runPaper } from '../../composition/paper.ts';
import { summaryFacts } from '../../application/report-facts.ts';
import type { Order } from '../../domain/trading/order.ts';
import { BTCUSDT_SPEC, createInstrument } from '../../domain/values/instrument.ts';
import { unwrap } from '../../domain/result.ts';
import { cash, lots, ticks, type Micros } from '../../domain/values/units.ts';
import { RecordingLogger } from '../support/fakes.ts';

/*
 * The store of a backtest on `--db none` folds the ledger's figures as the rows come and holds no row
 * (memory-store.ts with `{ fold }`). Its report must be the report computed from the rows held and read
 * back, to the last digit: for any rows written in any batches, and for a real synthetic run.
 */

const instrument = unwrap(createInstrument(BTCUSDT_SPEC));
const MIN = 60_000_000;
const DAY = 86_400_000_000;

const runRecord = (id: string): RunRecord => ({
  id, mode: 'backtest', instrument: { symbol: 'BTCUSDT', tickSize: '0.1', lotSize: '0.001', minQty: '0.001' },
  source: 's', venue: 'v', modelId: 'm', schemaId: 'x', config: {}, codeVersion: 'c', startedAt: 1 as Micros,
});

/** The report from the rows a store reads back, as `ladder backtest` made it before the fold. */
async function heldReport(store: TradingStore, runId: string, facts: Omit<BacktestFacts, 'from' | 'to'>): Promise<BacktestReport> {
  const equity = await store.readEquity(runId);
  return backtestReport({
    ...facts,
    equity,
    fills: await store.readFills(runId),
    orders: await store.readOrders(runId),
    positions: await store.readPositionSnapshots(runId),
    from: equity[0]?.intervalStart ?? 0,
    to: equity.length === 0 ? 0 : equity[equity.length - 1].intervalStart + equity[equity.length - 1].interval,
  });
}

function foldedReport(store: MemoryStore, runId: string, facts: Omit<BacktestFacts, 'from' | 'to'>): BacktestReport {
  const ledger = store.ledgerFigures(runId);
  if (ledger === null) throw new Error('the folding store has no figures for the run');
  return backtestReportOf({ ...facts, from: ledger.equity.from, to: ledger.equity.to }, ledger);
}

// The rows of a run as one writer makes them: equity intervals and position snapshots in order, fills
// in any order with ties in time (the trade ids then decide), orders written again as they change.
const ledger = fc.record({
  equity: fc.array(fc.record({ gap: fc.integer({ min: 1, max: 600 }), usdt: fc.integer({ min: -5_000_000_000, max: 5_000_000_000 }) }), { maxLength: 40 }),
  positions: fc.array(fc.record({
    dt: fc.integer({ min: -MIN, max: 4 * MIN }), qty: fc.integer({ min: -3, max: 3 }), realized: fc.integer({ min: -1e9, max: 1e9 }),
    fees: fc.integer({ min: -1e6, max: 1e7 }), mark: fc.option(fc.integer({ min: 800_000, max: 1_000_000 })), basis: fc.integer({ min: -1e12, max: 1e12 }),
  }), { maxLength: 30 }),
  fills: fc.array(fc.record({
    ts: fc.integer({ min: 0, max: 5 }), id: fc.integer({ min: 0, max: 10_000 }), side: fc.constantFrom('Buy' as const, 'Sell' as const),
    price: fc.integer({ min: 899_990, max: 900_010 }), qty: fc.integer({ min: 1, max: 5 }), mid: fc.option(fc.integer({ min: 899_995, max: 900_005 })),
    liquidity: fc.constantFrom('maker' as const, 'taker' as const), fee: fc.integer({ min: -1e5, max: 1e6 }),
  }), { maxLength: 40 }),
  orders: fc.array(fc.record({ id: fc.integer({ min: 0, max: 8 }), qty: fc.integer({ min: 1, max: 9 }) }), { maxLength: 30 }),
  batch: fc.integer({ min: 1, max: 7 }),
  capital: fc.constantFrom(1000, 100_000),
});

type Ledger = typeof ledger extends fc.Arbitrary<infer T> ? T : never;

function rows(l: Ledger): { equity: EquityRecord[]; positions: PositionSnapshotRecord[]; fills: FillRecord[]; orders: OrderRecord[] } {
  let start = 0;
  // Intervals minutes apart, some days apart: daily returns for a run of several days.
  const equity = l.equity.map(({ gap, usdt }) => {
    start += gap * (gap > 500 ? DAY / 100 : MIN);
    return { runId: 'r', intervalStart: start as Micros, interval: MIN as Micros, equity: cash(usdt), realizedPnl: cash(0), unrealizedPnl: cash(0), fees: cash(0), volume: lots(0), fills: 0 };
  });
  let ts = 0;
  const positions = l.positions.map((p, i) => {
    ts = Math.max(0, ts + p.dt);
    return {
      runId: 'r', seq: i + 1, ts: ts as Micros, qty: lots(p.qty), costBasis: cash(p.basis), realizedPnl: cash(p.realized), fees: cash(p.fees),
      markTicks: p.mark === null ? null : ticks(p.mark), unrealizedPnl: null,
    };
  });
  const seen = new Set<number>();
  const fills = l.fills.filter((f) => !seen.has(f.id) && seen.add(f.id)).map((f) => ({
    runId: 'r', arrivalMidTicks: f.mid === null ? null : ticks(f.mid),
    fill: { tradeId: `t${f.id}`, orderId: 'o', symbol: 'BTCUSDT', side: f.side, price: ticks(f.price), qty: lots(f.qty), fee: cash(f.fee), liquidity: f.liquidity, ts: f.ts as Micros },
  }));
  const orders = l.orders.map(({ id, qty }): OrderRecord => ({
    runId: 'r',
    order: {
      id: `o${id}`, symbol: 'BTCUSDT', side: 'Buy', type: 'limit', qty: lots(qty), limitPrice: ticks(900_000), reduceOnly: false, status: 'new',
      filledQty: lots(0), venueOrderId: null, createdAt: 0 as Micros, updatedAt: 0 as Micros, reason: null,
    } satisfies Order,
  }));
  return { equity, positions, fills, orders };
}

describe('the folding store of a backtest on --db none', () => {
  test.prop([ledger], { numRuns: 300 })('reports what the rows held and read back report, digit for digit', async (l) => {
    const { equity, positions, fills, orders } = rows(l);
    const held = new MemoryStore();
    const folding = new MemoryStore({ fold: instrument });
    for (const store of [held, folding]) {
      await store.startRun(runRecord('r'));
      // The same rows in batches of `l.batch`, every kind in its own order.
      const n = Math.max(equity.length, positions.length, fills.length, orders.length);
      for (let i = 0; i < n; i += l.batch) {
        const slice = <T>(a: T[]): T[] => a.slice(i, i + l.batch);
        const batch: StoreBatch = { signals: [], featureVectors: [], orders: slice(orders), fills: slice(fills), equity: slice(equity), positionSnapshots: slice(positions) };
        expect((await store.write(batch)).rejected).toEqual([]);
      }
    }
    // Without summary facts the report computes slippage and time to fill from the rows themselves.
    const facts = { instrument, capitalUsdt: l.capital, signals: { resolved: 0, hits: 0, falseSignals: 0, unresolved: 0 }, execution: null, facts: null };
    const want = await heldReport(held, 'r', facts);
    const got = foldedReport(folding, 'r', facts);
    expect(JSON.stringify(got)).toBe(JSON.stringify(want));
    expect(got).toEqual(want);
    expect(await folding.rowCounts('r')).toEqual(await held.rowCounts('r'));
  });

  it('holds no ledger row: its row reads answer empty', async () => {
    const store = new MemoryStore({ fold: instrument });
    await store.startRun(runRecord('r'));
    const l = fc.sample(ledger, { numRuns: 1, seed: 7 })[0];
    const { equity, positions, fills, orders } = rows({ ...l, equity: l.equity.slice(0, 3), positions: l.positions.slice(0, 3) });
    await store.write({ signals: [], featureVectors: [], orders, fills, equity, positionSnapshots: positions });
    expect([await store.readEquity('r'), await store.readFills('r'), await store.readOrders('r'), await store.readPositionSnapshots('r'), await store.readSignals('r')]).toEqual([[], [], [], [], []]);
    expect((await store.rowCounts('r')).equity).toBe(equity.length);
  });

  it('refuses an equity interval or a position snapshot out of order: the fold would be wrong', async () => {
    const store = new MemoryStore({ fold: instrument });
    await store.startRun(runRecord('r'));
    const e = (start: number): EquityRecord => ({ runId: 'r', intervalStart: start as Micros, interval: MIN as Micros, equity: cash(0), realizedPnl: cash(0), unrealizedPnl: cash(0), fees: cash(0), volume: lots(0), fills: 0 });
    await store.write({ signals: [], featureVectors: [], orders: [], fills: [], equity: [e(2 * MIN)] });
    // The same interval again is a batch written twice, left out; an earlier one is a broken writer.
    await store.write({ signals: [], featureVectors: [], orders: [], fills: [], equity: [e(2 * MIN)] });
    expect(store.ledgerFigures('r')?.equity.count).toBe(1);
    expect(() => store.write({ signals: [], featureVectors: [], orders: [], fills: [], equity: [e(MIN)] })).toThrow(/time order/);
    const p = (seq: number): PositionSnapshotRecord => ({ runId: 'r', seq, ts: 0 as Micros, qty: lots(0), costBasis: cash(0), realizedPnl: cash(0), fees: cash(0), markTicks: null, unrealizedPnl: null });
    await store.write({ signals: [], featureVectors: [], orders: [], fills: [], positionSnapshots: [p(2)] });
    expect(() => store.write({ signals: [], featureVectors: [], orders: [], fills: [], positionSnapshots: [p(1)] })).toThrow(/seq order/);
  });

  it('reports a synthetic run as the rows held report it', async () => {
    const config = paperConfig({ source: 'synthetic', seed: '3', duration: '6m', speed: 'max', db: 'none', capital: '100000', 'max-position': '1', 'log-level': 'silent' }, {});
    const through = async (store: MemoryStore): Promise<BacktestReport> => {
      let report: BacktestReport | null = null;
      await runPaper(config, {
        logger: new RecordingLogger(), env: {}, mode: 'backtest', runId: '00000000-0000-4000-8000-000000000019',
        openStore: () => Promise.resolve(store),
        afterRun: async (s, runId) => {
          const run = await s.readRun(runId);
          const summary = run?.summary as { execution?: BacktestFacts['execution'] } | null | undefined;
          const facts = { instrument, capitalUsdt: 100_000, signals: { resolved: 0, hits: 0, falseSignals: 0, unresolved: 0 }, execution: summary?.execution ?? null, facts: summaryFacts(run?.summary) };
          report = store.ledgerFigures(runId) === null ? await heldReport(s, runId, facts) : foldedReport(store, runId, facts);
        },
      });
      if (report === null) throw new Error('the run ended without a report');
      return report;
    };
    const want = await through(new MemoryStore());
    const got = await through(new MemoryStore({ fold: instrument }));
    expect(want.trades, 'the run must trade for the comparison to mean something').toBeGreaterThan(0);
    expect(JSON.stringify(got)).toBe(JSON.stringify(want));
  }, 120_000);
});
