import { describe, expect, it } from 'vitest';
import type { ExecutionReport, OrderRequest } from '../../application/ports/execution-venue.ts';
import { SimExchange, type SimExchangeOptions } from '../../adapters/sim/sim-exchange.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import type { Trade } from '../../domain/market/trade.ts';
import { BYBIT_LINEAR_FEES } from '../../domain/trading/fees.ts';
import type { Fill } from '../../domain/trading/fill.ts';
import type { Side } from '../../domain/trading/side.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { btc, levelBuffer } from '../support/builders.ts';

type Levels = ReadonlyArray<readonly [number, number]>;

const P = 900_000; // 90000.0 USDT
const BIDS: Levels = [[P, 5], [P - 1, 10]];
const ASKS: Levels = [[P + 1, 4], [P + 2, 10]];


/** A venue, its book and the reports it delivered, with helpers that drive market time. */
function harness(options: Partial<SimExchangeOptions> = {}) {
  const venue = new SimExchange({
    instrument: btc,
    fees: BYBIT_LINEAR_FEES,
    latency: { feedMicros: 0, orderMicros: 1000, responseMicros: 500 },
    seed: 1,
    ...options,
  });
  const book = new OrderBook(btc);
  const reports: ExecutionReport[] = [];
  venue.onReport((r) => reports.push(r));
  let u = 0;
  let tradeNo = 0;
  const show = (ts: number, bids: Levels = BIDS, asks: Levels = ASKS): void => {
    u++;
    const applied = book.applyLevels({ type: 'snapshot', u, seq: u, ts: ts as Micros, cts: ts as Micros, recvTime: ts as Micros, bids: levelBuffer(bids), asks: levelBuffer(asks) });
    if (!applied.ok) throw new Error(`test book refused: ${JSON.stringify(applied.error)}`);
    venue.observeBook(book, ts as Micros);
  };
  /** Lets market time reach `ts` with the book unchanged, so that reports due by then arrive. */
  const settle = (ts: number): void => venue.observeBook(book, ts as Micros);
  const trade = (ts: number, price: number, size: number, takerSide: Side): void => {
    const t: Trade = { tradeId: `t${++tradeNo}`, symbol: 'BTCUSDT', price: price as Ticks, size: size as Lots, takerSide, ts: ts as Micros, recvTime: ts as Micros, blockTrade: false };
    venue.observeTrade(t, ts as Micros);
  };
  const submit = (over: Partial<OrderRequest>): void => {
    void venue.submit({ clientOrderId: 'o1', symbol: 'BTCUSDT', side: 'Buy', type: 'limit', qty: 10 as Lots, limitPrice: P as Ticks, reduceOnly: false, ts: 0 as Micros, ...over });
  };
  const fills = (id = 'o1'): Fill[] => reports.flatMap((r) => (r.kind === 'fill' && r.fill.orderId === id ? [r.fill] : []));
  const kinds = (id = 'o1'): string[] =>
    reports.filter((r) => (r.kind === 'fill' ? r.fill.orderId === id : r.kind !== 'funding' && r.clientOrderId === id)).map((r) => r.kind);
  return { venue, show, settle, trade, submit, fills, kinds, reports };
}

/** Notional of `qty` lots at `price` ticks on BTCUSDT: one tick-lot is 0.1 x 0.001 = 1e-4 USDT = 10_000 Cash. */
const notionalCash = (price: number, qty: number): number => price * qty * 10_000;

describe('SimExchange queue', () => {
  it('joins behind the visible size and fills with what a trade leaves after the queue ahead', () => {
    const h = harness();
    h.show(0);
    h.submit({ ts: 0 as Micros });
    h.show(1000); // arrives: behind the 5 lots at P
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 5, remaining: 10 });
    h.trade(2000, P, 3, 'Sell');
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 2, remaining: 10 });
    h.trade(3000, P, 4, 'Sell');
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 0, remaining: 8 });
    h.show(3500); // the fill's report arrives after the response latency
    expect(h.fills().map((f) => [f.price, f.qty, f.liquidity, f.ts])).toEqual([[P, 2, 'maker', 3000]]);
    // 2 lots at 90000.0 = 180 USDT at the maker 0.02 % = 0.036 USDT.
    expect(h.fills()[0].fee).toBe(3_600_000);
    expect(h.kinds()).toEqual(['accepted', 'fill']);
  });

  it('ignores trades by buyers and trades at other prices for a resting buy', () => {
    const h = harness();
    h.show(0);
    h.submit({});
    h.show(1000);
    h.trade(1100, P, 50, 'Buy');
    h.trade(1200, P + 1, 50, 'Sell');
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 5, remaining: 10 });
  });

  it('moves the queue ahead by the power model on a decrease no trade explains', () => {
    const h = harness({ queue: { kind: 'power', n: 3 } });
    h.show(0);
    h.submit({});
    h.show(1000, [[P, 5]]); // ahead 5
    h.show(1100, [[P, 10]]); // 5 join behind: ahead 5, behind 5
    // 4 lots leave. Equal parts: the share behind is 5^3 / (5^3 + 5^3) = 1/2, so 2 leave from ahead.
    h.show(1200, [[P, 6]]);
    expect(h.venue.queueOf('o1')?.ahead).toBe(3);
    h.trade(1300, P, 4, 'Sell');
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 0, remaining: 9 });
  });

  it('keeps the queue ahead when only trades advance it (risk averse)', () => {
    const h = harness({ queue: { kind: 'riskAverse' } });
    h.show(0);
    h.submit({});
    h.show(1000, [[P, 5]]);
    h.show(1100, [[P, 10]]);
    h.show(1200, [[P, 6]]);
    expect(h.venue.queueOf('o1')?.ahead).toBe(5);
    h.trade(1300, P, 4, 'Sell');
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 1, remaining: 10 });
  });

  it('never counts a decrease twice when a trade explains it, and never puts more ahead than the level holds', () => {
    const h = harness();
    h.show(0);
    h.submit({});
    h.show(1000, [[P, 5]]);
    h.show(1100, [[P, 10]]);
    h.trade(1200, P, 3, 'Sell'); // ahead 2
    h.show(1300, [[P, 7]]); // the 3 lots traded are the whole decrease
    expect(h.venue.queueOf('o1')?.ahead).toBe(2);
    h.show(1400, [[P, 1]]);
    expect(h.venue.queueOf('o1')?.ahead).toBe(1);
  });

  it('fills at its price when a trade goes through it or the asks reach it', () => {
    const h = harness();
    h.show(0);
    h.submit({ qty: 10 as Lots });
    h.show(1000);
    h.trade(1100, P - 1, 3, 'Sell'); // through: everyone ahead was filled, 3 lots reach us
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 0, remaining: 7 });
    h.show(1200, [[P - 1, 5]], [[P, 2], [P + 1, 4]]); // 2 lots offered at our price
    h.show(1300, [[P - 1, 5]], [[P, 2], [P + 1, 4]]); // the same 2 lots cannot fill twice
    h.show(2000);
    h.settle(5000);
    expect(h.fills().map((f) => [f.price, f.qty, f.liquidity])).toEqual([
      [P, 3, 'maker'],
      [P, 2, 'maker'],
    ]);
  });
});

describe('SimExchange amend: queue priority', () => {
  // The order rests behind the 5 lots at P and trades move it up to 2 ahead; then it is amended.
  const restingWithTwoAhead = (): ReturnType<typeof harness> => {
    const h = harness({ queue: { kind: 'riskAverse' } });
    h.show(0);
    h.submit({ timeInForce: 'PostOnly' });
    h.show(1000);
    h.trade(2000, P, 3, 'Sell');
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 2, remaining: 10 });
    return h;
  };
  const amend = (h: ReturnType<typeof harness>, change: { qty?: number; limitPrice?: number }, ts: number): void => {
    void h.venue.amend('o1', change as { qty?: Lots; limitPrice?: Ticks }, ts as Micros);
  };

  it('keeps its place when only its size goes down', () => {
    const h = restingWithTwoAhead();
    amend(h, { qty: 6 }, 2000);
    h.show(3000);
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 2, remaining: 6 });
    h.show(4000);
    expect(h.reports.at(-1)).toMatchObject({ kind: 'amended', clientOrderId: 'o1', qty: 6, limitPrice: P });
    h.trade(5000, P, 5, 'Sell');
    expect(h.fills().map((f) => [f.qty, f.liquidity])).toEqual([]);
    h.show(6000);
    expect(h.fills().map((f) => [f.qty, f.liquidity])).toEqual([[3, 'maker']]);
  });

  it('goes to the back of the level when its size goes up', () => {
    const h = restingWithTwoAhead();
    amend(h, { qty: 12 }, 2000);
    h.show(3000); // the level shows 5 lots: all of them are now ahead
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 5, remaining: 12 });
    h.trade(4000, P, 5, 'Sell');
    h.show(5000);
    expect(h.fills()).toEqual([]);
  });

  it('goes to the back of the queue at its new price when its price changes, and back again at the old one', () => {
    const h = restingWithTwoAhead();
    amend(h, { limitPrice: P - 1 }, 2000);
    h.show(3000);
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 10, remaining: 10 });
    amend(h, { limitPrice: P }, 3000);
    h.show(4000);
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 5, remaining: 10 });
    h.show(5000); // the second amend's report arrives after the response latency
    expect(h.kinds()).toEqual(['accepted', 'amended', 'amended']);
  });

  it('is never filled at its new price by a trade stamped before the amend arrived', () => {
    const h = restingWithTwoAhead();
    amend(h, { limitPrice: P - 2 }, 2000); // a level the book does not show: first in its queue
    h.show(3000);
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 0, remaining: 10 });
    h.trade(2500, P - 2, 4, 'Sell'); // printed before the amend reached the engine
    h.show(3500);
    expect(h.fills()).toEqual([]);
  });

  it('refuses, the order as it was: a post-only price that would take, a size at or below what filled, an order gone', () => {
    const h = restingWithTwoAhead();
    amend(h, { limitPrice: P + 1 }, 2000);
    h.show(3000);
    h.show(4000);
    expect(h.reports.at(-1)).toMatchObject({ kind: 'amendRejected', reason: expect.stringMatching(/^post-only would cross/) });
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 2, remaining: 10 });
    h.trade(5000, P, 4, 'Sell'); // 2 lots fill it
    amend(h, { qty: 2 }, 5000);
    h.show(6000);
    h.show(7000);
    expect(h.reports.at(-1)).toMatchObject({ kind: 'amendRejected', reason: expect.stringMatching(/^invalid order: quantity 2 is not above the 2 lots filled/) });
    void h.venue.cancel('o1', 7000 as Micros);
    h.show(8000);
    amend(h, { limitPrice: P - 1 }, 8000);
    h.show(9000);
    h.show(10_000);
    expect(h.reports.at(-1)).toMatchObject({ kind: 'amendRejected', reason: expect.stringMatching(/^unknown order/) });
  });
});

describe('SimExchange orders', () => {
  it('rejects a post-only order that would cross and rests one that would not', () => {
    const h = harness();
    h.show(0);
    h.submit({ clientOrderId: 'cross', timeInForce: 'PostOnly', limitPrice: (P + 1) as Ticks });
    h.submit({ clientOrderId: 'rest', timeInForce: 'PostOnly', limitPrice: P as Ticks });
    h.show(2000);
    h.settle(5000);
    const rejected = h.reports.find((r) => r.kind === 'rejected');
    expect(rejected).toMatchObject({ clientOrderId: 'cross', reason: expect.stringMatching(/^post-only would cross/) });
    expect(h.kinds('cross')).toEqual(['rejected']);
    expect(h.kinds('rest')).toEqual(['accepted']);
    expect(h.venue.queueOf('rest')).toEqual({ ahead: 5, remaining: 10 });
  });

  it('fills an IOC order partly at the levels within its price and cancels the rest', () => {
    const h = harness();
    h.show(0);
    h.submit({ timeInForce: 'IOC', limitPrice: (P + 1) as Ticks });
    h.show(2000);
    h.settle(5000);
    expect(h.fills().map((f) => [f.price, f.qty, f.liquidity])).toEqual([[P + 1, 4, 'taker']]);
    // 4 lots at 90000.1 = 360.004 USDT at the taker 0.055 %.
    expect(h.fills()[0].fee).toBe(Math.round((notionalCash(P + 1, 4) * 550) / 1e6));
    expect(h.kinds()).toEqual(['accepted', 'fill', 'canceled']);
    expect(h.venue.queueOf('o1')).toBeNull();
  });

  it('walks the book with a market order and cancels what the book cannot fill', () => {
    const h = harness();
    h.show(0);
    h.submit({ type: 'market', limitPrice: null, qty: 20 as Lots });
    h.show(2000);
    h.settle(5000);
    expect(h.fills().map((f) => [f.price, f.qty])).toEqual([[P + 1, 4], [P + 2, 10]]);
    expect(h.reports.at(-1)).toMatchObject({ kind: 'canceled', reason: expect.stringMatching(/^insufficient/) });
  });

  it('lets a crossing GTC limit take within its price and rest the rest', () => {
    const h = harness();
    h.show(0);
    h.submit({ limitPrice: (P + 1) as Ticks, qty: 6 as Lots });
    h.show(1000);
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 0, remaining: 2 });
    h.show(1500);
    expect(h.fills().map((f) => [f.price, f.qty, f.liquidity])).toEqual([[P + 1, 4, 'taker']]);
  });

  it('meets the book that is there when the order arrives, not the one it was sent on', () => {
    const h = harness();
    h.show(0);
    h.submit({ type: 'market', limitPrice: null, qty: 2 as Lots, ts: 0 as Micros });
    h.show(400, [[P + 4, 5]], [[P + 5, 10]]); // the price moves before the order arrives at 1000
    expect(h.reports).toEqual([]);
    h.show(1000, [[P + 4, 5]], [[P + 5, 10]]);
    h.show(1500, [[P + 4, 5]], [[P + 5, 10]]);
    expect(h.fills().map((f) => [f.price, f.qty])).toEqual([[P + 5, 2]]);
  });

  it('meets the book as it was before the event that comes after its arrival', () => {
    const h = harness();
    h.show(0);
    // Arrives at 1000; the next market event is at 2000, when the asks fall to P: a post-only buy at
    // P arrives before that, rests behind the 5 lots at P, and is then filled by the asks reaching it.
    h.submit({ timeInForce: 'PostOnly', limitPrice: P as Ticks, qty: 3 as Lots });
    h.show(2000, [[P - 1, 5]], [[P, 4], [P + 1, 4]]);
    h.settle(3000);
    expect(h.kinds()).toEqual(['accepted', 'fill']);
    expect(h.fills().map((f) => [f.price, f.qty, f.liquidity, f.ts])).toEqual([[P, 3, 'maker', 2000]]);
    const accepted = h.reports.find((r) => r.kind === 'accepted');
    expect(accepted?.ts).toBe(1000);
  });

  it('still meets the book of an event at the very time it arrives', () => {
    const h = harness();
    h.show(0);
    h.submit({ timeInForce: 'PostOnly', limitPrice: P as Ticks, qty: 3 as Lots });
    h.show(1000, [[P - 1, 5]], [[P, 4], [P + 1, 4]]); // at its arrival time: the asks are at P already
    h.settle(3000);
    expect(h.kinds()).toEqual(['rejected']);
  });

  it('is never filled by a trade stamped before it arrived, even when the trade reaches the feed later', () => {
    const h = harness();
    h.show(0);
    h.submit({ qty: 3 as Lots }); // arrives at 1000, behind 5 lots at P
    h.show(1200, [[P - 1, 10]], ASKS); // the 5 lots at P canceled: nothing ahead
    h.show(1300, [[P, 1], [P - 1, 10]], ASKS);
    expect(h.venue.queueOf('o1')).toEqual({ ahead: 0, remaining: 3 });
    h.trade(900, P, 5, 'Sell'); // printed at 900, before the arrival: its frame came late
    h.settle(2000);
    expect(h.fills()).toEqual([]);
    h.trade(1400, P, 2, 'Sell'); // printed after: fills it
    h.settle(3000);
    expect(h.fills().map((f) => [f.qty, f.liquidity])).toEqual([[2, 'maker']]);
  });

  it('reports a fill that happens before the cancel arrives, then cancels the rest', () => {
    const h = harness();
    h.show(0);
    h.submit({});
    h.show(1000, [[P - 1, 5]], ASKS); // alone at P: nothing ahead
    void h.venue.cancel('o1', 1100 as Micros); // arrives at 2100
    h.trade(1500, P, 3, 'Sell');
    h.show(2100, [[P - 1, 5]], ASKS);
    h.show(3000, [[P - 1, 5]], ASKS);
    expect(h.kinds()).toEqual(['accepted', 'fill', 'canceled']);
    expect(h.fills().map((f) => f.qty)).toEqual([3]);
    expect(h.reports.at(-1)).toMatchObject({ reason: expect.stringMatching(/^canceled by request/) });
    void h.venue.cancel('o1', 3000 as Micros);
    h.show(5000);
    h.settle(6000);
    expect(h.reports.at(-1)).toMatchObject({ kind: 'cancelRejected', reason: expect.stringMatching(/^unknown order/) });
  });

  it('clips a reduce-only order to the position and rejects one that would only increase it', () => {
    const h = harness();
    h.show(0);
    h.submit({ clientOrderId: 'open', type: 'market', limitPrice: null, qty: 3 as Lots });
    h.submit({ clientOrderId: 'up', side: 'Buy', type: 'market', limitPrice: null, qty: 1 as Lots, reduceOnly: true });
    h.submit({ clientOrderId: 'close', side: 'Sell', type: 'market', limitPrice: null, qty: 8 as Lots, reduceOnly: true });
    h.show(2000);
    h.settle(5000);
    expect(h.kinds('up')).toEqual(['rejected']);
    expect(h.reports.find((r) => r.kind === 'rejected')).toMatchObject({ reason: expect.stringMatching(/^reduce-only/) });
    expect(h.fills('close').map((f) => [f.side, f.price, f.qty])).toEqual([['Sell', P, 3]]);
    expect(h.kinds('close')).toEqual(['accepted', 'fill', 'canceled']);
    expect(h.venue.snapshot().positionLots).toBe(0);
  });

  it('rejects bad requests with the reason, and a client order id used twice', () => {
    const h = harness();
    h.show(0);
    h.submit({ clientOrderId: 'a', symbol: 'ETHUSDT' });
    h.submit({ clientOrderId: 'b', qty: 0 as Lots });
    h.submit({ clientOrderId: 'c', limitPrice: null });
    h.submit({ clientOrderId: 'd' });
    h.submit({ clientOrderId: 'd' });
    h.show(2000);
    h.settle(5000);
    const reasons = h.reports.flatMap((r) => (r.kind === 'rejected' ? [`${r.clientOrderId} ${r.reason}`] : []));
    expect(reasons).toEqual([
      expect.stringMatching(/^a invalid order: unknown symbol ETHUSDT/),
      expect.stringMatching(/^b invalid order: quantity 0/),
      expect.stringMatching(/^c invalid order: a limit order needs/),
      expect.stringMatching(/^d duplicate order id/),
    ]);
  });

  it('refuses a bad configuration with an error that names it', () => {
    const base = { instrument: btc, fees: BYBIT_LINEAR_FEES, seed: 1 };
    expect(() => new SimExchange({ ...base, latency: { feedMicros: -1, orderMicros: 0 } })).toThrow(/feed latency: -1/);
    expect(() => new SimExchange({ ...base, latency: { feedMicros: 0, orderMicros: [] } })).toThrow(/order latency: the recorded distribution is empty/);
    expect(() => new SimExchange({ ...base, latency: { feedMicros: 0, orderMicros: 0 }, queue: { kind: 'power', n: 0 } })).toThrow(/exponent 0/);
  });

  it('settles funding on the position at each 8-hour mark', () => {
    const h = harness({ latency: { feedMicros: 0, orderMicros: 0 } });
    const mark = 8 * 3600 * 1_000_000;
    h.show(mark - 10_000);
    h.venue.observeFunding(0.0001, (mark - 9_000) as Micros);
    h.submit({ type: 'market', limitPrice: null, qty: 2 as Lots, ts: (mark - 9_000) as Micros });
    h.show(mark - 5_000); // long 2 lots
    h.show(mark + 1_000);
    const funding = h.reports.filter((r) => r.kind === 'funding');
    // Mid 90000.05 -> 900000 ticks (rounded down); 2 lots are worth 180 USDT; 0.01 % of it is paid.
    expect(funding).toEqual([{ kind: 'funding', cash: -Math.round(notionalCash(P, 2) * 0.0001), ts: mark }]);
    expect(h.venue.snapshot().funding).toBe(funding[0].kind === 'funding' ? funding[0].cash : NaN);
  });
});

describe('SimExchange determinism', () => {
  function run(seed: number): string {
    const h = harness({ seed, latency: { feedMicros: [0, 300, 900], orderMicros: [200, 700, 1500, 4000] } });
    let state = 12345;
    const random = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 4294967296;
    };
    for (let step = 0; step < 300; step++) {
      const ts = step * 500;
      const bid = P + Math.floor(random() * 3) - 1;
      h.show(ts, [[bid, 1 + Math.floor(random() * 20)], [bid - 1, 10]], [[bid + 1, 1 + Math.floor(random() * 20)], [bid + 2, 10]]);
      if (random() < 0.5) h.trade(ts + 100, bid + (random() < 0.5 ? 0 : 1), 1 + Math.floor(random() * 8), random() < 0.5 ? 'Buy' : 'Sell');
      if (step % 10 === 0) h.submit({ clientOrderId: `o${step}`, side: random() < 0.5 ? 'Buy' : 'Sell', limitPrice: bid as Ticks, qty: 5 as Lots, ts: ts as Micros });
      if (step % 10 === 5) void h.venue.cancel(`o${step - 5}`, ts as Micros);
    }
    h.show(1_000_000);
    return JSON.stringify(h.reports);
  }

  it('gives the same reports for the same seed and data, and other delays for another seed', () => {
    const first = run(7);
    expect(first).toContain('"fill"');
    expect(run(7)).toBe(first);
    expect(run(8)).not.toBe(first);
  });
});
