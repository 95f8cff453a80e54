import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import type { ExecutionReport, TimeInForce } from '../../application/ports/execution-venue.ts';
import { SimExchange } from '../../adapters/sim/sim-exchange.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import { BYBIT_LINEAR_FEES } from '../../domain/trading/fees.ts';
import type { Fill } from '../../domain/trading/fill.ts';
import { Position } from '../../domain/trading/position.ts';
import { sideSign, type Side } from '../../domain/trading/side.ts';
import { notional } from '../../domain/values/instrument.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { btc, levelBuffer } from '../support/builders.ts';

const P0 = 900_000;

type Op =
  | { readonly k: 'book'; readonly shift: number; readonly sizes: readonly number[] }
  | { readonly k: 'trade'; readonly offset: number; readonly size: number; readonly taker: Side }
  | { readonly k: 'order'; readonly side: Side; readonly market: boolean; readonly tif: TimeInForce; readonly depth: number; readonly qty: number; readonly reduceOnly: boolean }
  | { readonly k: 'cancel'; readonly which: number }
  | { readonly k: 'funding'; readonly rate: number };

const sideArb = fc.constantFrom<Side>('Buy', 'Sell');

/** `moving`: the book may shift through resting orders; otherwise it stays in one band around P0. */
const opArb = (moving: boolean): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ k: fc.constant('book' as const), shift: moving ? fc.integer({ min: -3, max: 3 }) : fc.constant(0), sizes: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 6, maxLength: 6 }) }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('trade' as const), offset: fc.integer({ min: -3, max: 4 }), size: fc.integer({ min: 1, max: 10 }), taker: sideArb }) },
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant('order' as const),
        side: sideArb,
        market: moving ? fc.boolean() : fc.constant(false),
        tif: moving ? fc.constantFrom<TimeInForce>('GTC', 'IOC', 'PostOnly') : fc.constantFrom<TimeInForce>('GTC', 'PostOnly'),
        depth: fc.integer({ min: moving ? -2 : 0, max: 2 }),
        qty: fc.integer({ min: 1, max: 8 }),
        reduceOnly: moving ? fc.boolean() : fc.constant(false),
      }),
    },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), which: fc.nat(20) }) },
    { weight: moving ? 1 : 0, arbitrary: fc.record({ k: fc.constant('funding' as const), rate: fc.double({ min: -0.001, max: 0.001, noNaN: true }) }) },
  );


interface Run {
  readonly venue: SimExchange;
  readonly reports: ExecutionReport[];
  readonly trades: Array<{ readonly ts: number; readonly price: number; readonly size: number; readonly taker: Side }>;
  readonly orders: Map<string, { readonly side: Side; readonly price: number | null; readonly qty: number }>;
  /** The smallest queue ahead seen, and whether one was ever not an integer. */
  readonly minAhead: number;
  readonly fractional: boolean;
}

/**
 * Plays `ops` on a venue, a market event at a time, `step` microseconds apart (an hour now and then,
 * so funding times pass). Orders rest at `depth` ticks behind their side's touch of the unshifted book.
 */
function play(ops: readonly Op[], seed: number, step: number): Run {
  const venue = new SimExchange({ instrument: btc, fees: BYBIT_LINEAR_FEES, latency: { feedMicros: [0, 200], orderMicros: [0, 500, 2_000] }, seed });
  const book = new OrderBook(btc);
  const reports: ExecutionReport[] = [];
  venue.onReport((r) => reports.push(r));
  const trades: Run['trades'] = [];
  const orders: Run['orders'] = new Map();
  const ids: string[] = [];
  let ts = 1_000_000;
  let u = 0;
  let minAhead = Infinity;
  let fractional = false;
  const show = (shift: number, sizes: readonly number[]): void => {
    const bids = [0, 1, 2].map((i) => [P0 + shift - i, sizes[i]] as const).filter(([, s]) => s > 0);
    const asks = [0, 1, 2].map((i) => [P0 + shift + 1 + i, sizes[3 + i]] as const).filter(([, s]) => s > 0);
    const applied = book.applyLevels({ type: 'snapshot', u: ++u, seq: u, ts: ts as Micros, cts: ts as Micros, recvTime: ts as Micros, bids: levelBuffer(bids), asks: levelBuffer(asks) });
    if (!applied.ok) throw new Error(JSON.stringify(applied.error));
    venue.observeBook(book, ts as Micros);
  };
  show(0, [5, 5, 5, 5, 5, 5]);
  for (const [i, op] of ops.entries()) {
    ts += i % 17 === 16 ? 3_600_000_000 : step;
    switch (op.k) {
      case 'book':
        show(op.shift, op.sizes);
        break;
      case 'trade':
        trades.push({ ts, price: P0 + op.offset, size: op.size, taker: op.taker });
        venue.observeTrade({ tradeId: `t${i}`, symbol: 'BTCUSDT', price: (P0 + op.offset) as Ticks, size: op.size as Lots, takerSide: op.taker, ts: ts as Micros, recvTime: ts as Micros, blockTrade: false }, ts as Micros);
        break;
      case 'order': {
        const id = `o${i}`;
        const price = op.market ? null : op.side === 'Buy' ? P0 - op.depth : P0 + 1 + op.depth;
        ids.push(id);
        orders.set(id, { side: op.side, price, qty: op.qty });
        void venue.submit({ clientOrderId: id, symbol: 'BTCUSDT', side: op.side, type: op.market ? 'market' : 'limit', qty: op.qty as Lots, limitPrice: price as Ticks | null, reduceOnly: op.reduceOnly, timeInForce: op.tif, ts: ts as Micros });
        break;
      }
      case 'cancel':
        if (ids.length > 0) void venue.cancel(ids[op.which % ids.length], ts as Micros);
        break;
      case 'funding':
        venue.observeFunding(op.rate, ts as Micros);
        break;
    }
    for (const id of ids) {
      const q = venue.queueOf(id);
      if (q === null) continue;
      minAhead = Math.min(minAhead, q.ahead);
      if (!Number.isInteger(q.ahead) || !Number.isInteger(q.remaining)) fractional = true;
    }
  }
  // Once for the requests in flight to arrive, once more for the last answers to come back.
  for (let i = 0; i < 2; i++) {
    ts += 10_000_000;
    venue.observeBook(book, ts as Micros);
  }
  return { venue, reports, trades, orders, minAhead, fractional };
}

const fillsOf = (reports: readonly ExecutionReport[]): Fill[] => reports.flatMap((r) => (r.kind === 'fill' ? [r.fill] : []));

describe('SimExchange properties', () => {
  test.prop([fc.array(opArb(true), { maxLength: 80 }), fc.integer({ min: 0, max: 1000 })], { numRuns: 150 })(
    'a queue position is a whole number of lots, never negative; no order fills past its quantity',
    (ops, seed) => {
      const run = play(ops, seed, 300);
      expect(run.minAhead >= 0).toBe(true);
      expect(run.fractional).toBe(false);
      const filled = new Map<string, number>();
      for (const f of fillsOf(run.reports)) filled.set(f.orderId, (filled.get(f.orderId) ?? 0) + f.qty);
      for (const [id, lots] of filled) expect(lots).toBeLessThanOrEqual(run.orders.get(id)?.qty ?? 0);
    },
  );

  test.prop([fc.array(opArb(false), { maxLength: 80 }), fc.integer({ min: 0, max: 1000 })], { numRuns: 150 })(
    'resting orders never fill more than traded at or through their price after they arrived',
    (ops, seed) => {
      const run = play(ops, seed, 300);
      const fills = fillsOf(run.reports);
      // The band never crosses a resting order, so every fill is a maker fill made by a trade.
      for (const f of fills) expect(f.liquidity).toBe('maker');
      for (const trade of run.trades) {
        const atTrade = fills.filter((f) => f.ts === trade.ts).reduce((sum, f) => sum + f.qty, 0);
        expect(atTrade).toBeLessThanOrEqual(trade.size);
      }
      const arrival = new Map(run.reports.flatMap((r) => (r.kind === 'accepted' ? [[r.clientOrderId, r.ts as number] as const] : [])));
      for (const [id, order] of run.orders) {
        const mine = fills.filter((f) => f.orderId === id);
        if (mine.length === 0) continue;
        const since = arrival.get(id) ?? Infinity;
        const through = (price: number): boolean => (order.side === 'Buy' ? price <= (order.price as number) : price >= (order.price as number));
        const traded = run.trades.filter((t) => t.ts >= since && t.taker !== order.side && through(t.price)).reduce((sum, t) => sum + t.size, 0);
        expect(mine.reduce((sum, f) => sum + f.qty, 0)).toBeLessThanOrEqual(traded);
        for (const f of mine) expect(f.price).toBe(order.price);
      }
    },
  );

  test.prop([fc.array(opArb(true), { maxLength: 80 }), fc.integer({ min: 0, max: 1000 })], { numRuns: 150 })(
    'cash, fees, funding and position reconcile with the reported fills, and with equity',
    (ops, seed) => {
      const run = play(ops, seed, 300);
      const account = run.venue.snapshot();
      const position = new Position(btc);
      let cash = 0;
      let fees = 0;
      for (const f of fillsOf(run.reports)) {
        expect(position.applyFill(f).ok).toBe(true);
        cash -= sideSign(f.side) * notional(btc, f.price, f.qty) + f.fee;
        fees += f.fee;
      }
      const funding = run.reports.reduce((sum, r) => sum + (r.kind === 'funding' ? r.cash : 0), 0);
      expect(account.positionLots).toBe(position.qty);
      expect(account.fees).toBe(fees);
      expect(account.funding).toBe(funding);
      expect(account.cash).toBe(cash + funding);
      expect(position.cash).toBe(cash);
      const mark = (P0 + 7) as Ticks;
      // Equity = cash + marked position = realized + unrealized PnL - fees (+ funding), exactly.
      const equity = account.cash + notional(btc, mark, account.positionLots);
      expect(equity).toBe(position.realizedPnl + position.unrealizedPnl(mark) - position.fees + funding);
    },
  );
});
