import { describe, expect, it } from 'vitest';
import { BatchedWriter } from '../../application/batched-writer.ts';
import { ExecutionEngine } from '../../application/execution-engine.ts';
import { flattenOnExchange } from '../../application/exchange-flatten.ts';
import { OrderFlow } from '../../application/order-flow.ts';
import type { ExecutionReport, ExecutionVenue, OrderRequest } from '../../application/ports/execution-venue.ts';
import type { AdoptedOrder, LiveVenue, VenueNotice } from '../../application/ports/live-venue.ts';
import { VenueOutbox } from '../../application/venue-outbox.ts';
import { executionSettings } from '../../composition/execution-settings.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import type { RiskRecord } from '../../domain/risk/circuit-breaker.ts';
import type { Cash, Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { btc, eventually, levelBuffer } from '../support/builders.ts';
import { MemoryStore, RecordingLogger } from '../support/fakes.ts';

const T0 = 1_700_000_000_000_000;
const MID = 900_000;

/**
 * A venue whose answers the test releases by hand, with an exchange account behind it: market orders
 * fill at once against the position (reduce-only clipped to it), limit orders rest.
 */
class HandVenue implements ExecutionVenue, LiveVenue {
  readonly name = 'hand';
  readonly live: LiveVenue = this;
  readonly submitted: OrderRequest[] = [];
  readonly cancels: string[] = [];
  readonly notices: ((n: VenueNotice) => void)[] = [];
  lots = 0;
  opening: { lots: Lots; avgPrice: Ticks | null } = { lots: 0 as Lots, avgPrice: null };
  adopted: AdoptedOrder[] = [];
  /** Each call waits for the test to release it when set. */
  hold = false;
  /** Market orders are refused, so a flatten can never finish. */
  stuck = false;
  failSubmits = 0;
  failCancels = 0;
  cancelAlls = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly listeners: ((r: ExecutionReport) => void)[] = [];
  private execs = 0;

  async submit(order: OrderRequest): Promise<readonly ExecutionReport[]> {
    this.submitted.push(order);
    await this.gate();
    if (this.failSubmits > 0) {
      this.failSubmits--;
      throw new Error('credentials refused');
    }
    const accepted: ExecutionReport = { kind: 'accepted', clientOrderId: order.clientOrderId, venueOrderId: `v-${order.clientOrderId}`, ts: order.ts };
    if (order.type !== 'market') return [accepted];
    if (this.stuck) return [{ kind: 'rejected', clientOrderId: order.clientOrderId, reason: 'insufficient: stuck', ts: order.ts }];
    const sign = order.side === 'Buy' ? 1 : -1;
    const qty = order.reduceOnly ? Math.min(order.qty, Math.max(0, -sign * this.lots)) : order.qty;
    if (qty === 0) return [{ kind: 'rejected', clientOrderId: order.clientOrderId, reason: 'reduce-only: nothing to reduce', ts: order.ts }];
    this.lots += sign * qty;
    const fill: ExecutionReport = {
      kind: 'fill',
      fill: { tradeId: `x${++this.execs}`, orderId: order.clientOrderId, symbol: 'BTCUSDT', side: order.side, price: MID as Ticks, qty: qty as Lots, fee: 0 as Cash, liquidity: 'taker', ts: order.ts },
    };
    return [accepted, fill];
  }

  async cancel(clientOrderId: string, ts: Micros): Promise<readonly ExecutionReport[]> {
    this.cancels.push(clientOrderId);
    await this.gate();
    if (this.failCancels > 0) {
      this.failCancels--;
      throw new Error('timed out');
    }
    return [{ kind: 'canceled', clientOrderId, reason: 'canceled by request', ts }];
  }

  onReport(listener: (report: ExecutionReport) => void): void {
    this.listeners.push(listener);
  }

  release(): void {
    for (const go of this.waiting.splice(0)) go();
  }

  get held(): number {
    return this.waiting.length;
  }

  openingPosition(): { lots: Lots; avgPrice: Ticks | null } {
    return this.opening;
  }
  adoptedOrders(): readonly AdoptedOrder[] {
    return this.adopted;
  }
  onNotice(listener: (notice: VenueNotice) => void): void {
    this.notices.push(listener);
  }
  notify(n: VenueNotice): void {
    for (const l of this.notices) l(n);
  }
  cancelAll(): Promise<void> {
    this.cancelAlls++;
    return Promise.resolve();
  }
  readPosition(): Promise<Lots> {
    return Promise.resolve(this.lots as Lots);
  }
  doubts: string[] = [];
  doubt(reason: string): void {
    this.doubts.push(reason);
  }

  private gate(): Promise<void> {
    if (!this.hold) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

let now = T0;
const clock = { nowMicros: () => (now += 1_000) as Micros };

function flowOn(venue: ExecutionVenue): { orders: OrderFlow; store: MemoryStore; writer: BatchedWriter; logger: RecordingLogger } {
  const store = new MemoryStore();
  const logger = new RecordingLogger();
  const writer = new BatchedWriter(store, logger, { batchRows: 100_000 });
  return { orders: new OrderFlow(btc, venue, writer, logger, 'r', 'Lt'), store, writer, logger };
}

function liveBook(): OrderBook {
  const book = new OrderBook(btc);
  const ts = T0 as Micros;
  const applied = book.applyLevels({
    type: 'snapshot', u: 1, seq: 1, ts, cts: ts, recvTime: ts,
    bids: levelBuffer(Array.from({ length: 10 }, (_, i) => [MID - 5 - i, 100] as const)),
    asks: levelBuffer(Array.from({ length: 10 }, (_, i) => [MID + 5 + i, 100] as const)),
  });
  if (!applied.ok) throw new Error('book');
  return book;
}

describe('the outbox', () => {
  it('answers at once, sends at most `concurrency` requests at a time, and passes every report on', async () => {
    const venue = new HandVenue();
    venue.hold = true;
    const outbox = new VenueOutbox(venue, clock, new RecordingLogger(), { concurrency: 2 });
    const reports: ExecutionReport[] = [];
    outbox.onReport((r) => reports.push(r));
    for (let i = 1; i <= 5; i++) {
      expect(await outbox.submit({ clientOrderId: `o${i}`, symbol: 'BTCUSDT', side: 'Buy', type: 'limit', qty: 1 as Lots, limitPrice: MID as Ticks, reduceOnly: false, ts: clock.nowMicros() })).toEqual([]);
    }
    expect(venue.held).toBe(2);
    expect(outbox.pending).toBe(5);
    while (outbox.pending > 0) {
      venue.release();
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(venue.held).toBeLessThanOrEqual(2);
    }
    await outbox.drained();
    expect(reports.filter((r) => r.kind === 'accepted').map((r) => (r.kind === 'accepted' ? r.clientOrderId : ''))).toEqual(['o1', 'o2', 'o3', 'o4', 'o5']);
  });

  it('drops a submit that waited past its deadline, reporting it rejected unsent; reports a refused submit rejected', async () => {
    const venue = new HandVenue();
    venue.hold = true;
    let t = T0;
    const outbox = new VenueOutbox(venue, { nowMicros: () => t as Micros }, new RecordingLogger(), { concurrency: 1, submitDeadlineMs: 100 });
    const reports: ExecutionReport[] = [];
    outbox.onReport((r) => reports.push(r));
    const order = (id: string): OrderRequest => ({ clientOrderId: id, symbol: 'BTCUSDT', side: 'Buy', type: 'limit', qty: 1 as Lots, limitPrice: MID as Ticks, reduceOnly: false, ts: t as Micros });
    await outbox.submit(order('first'));
    await outbox.submit(order('late'));
    t += 500_000;
    venue.failSubmits = 1;
    venue.release();
    await outbox.drained();
    expect(venue.submitted.map((o) => o.clientOrderId)).toEqual(['first']);
    expect(outbox.stats.expired).toBe(1);
    expect(reports).toContainEqual(expect.objectContaining({ kind: 'rejected', clientOrderId: 'late', reason: expect.stringMatching(/not sent, waited 500 ms/) }));
    expect(reports).toContainEqual(expect.objectContaining({ kind: 'rejected', clientOrderId: 'first', reason: expect.stringMatching(/submit failed/) }));
  });

  it('sends a failed cancel again, and after the last attempt asks the venue to reconcile', async () => {
    const venue = new HandVenue();
    const outbox = new VenueOutbox(venue, clock, new RecordingLogger(), { cancelAttempts: 3, retryDelayMs: 1 });
    venue.failCancels = 2;
    await outbox.cancel('a', T0 as Micros);
    await outbox.drained();
    expect(venue.cancels).toEqual(['a', 'a', 'a']);
    expect(outbox.stats.retried).toBe(2);
    venue.failCancels = 3;
    await outbox.cancel('b', T0 as Micros);
    await outbox.drained();
    expect(venue.doubts).toEqual(['cancel of b failed']);
    expect(outbox.name).toBe('hand');
    expect(outbox.outOfSync()).toBeNull();
  });
});

describe('the kill switch on a real exchange', () => {
  it('flattens the exchange\'s position in orders within the size limit, cancels everything and reads it back flat', async () => {
    const venue = new HandVenue();
    venue.lots = -23;
    const { orders, logger } = flowOn(venue);
    const outcome = await flattenOnExchange(venue, orders, logger, 'test', { maxOrderLots: 10 as Lots, now: () => clock.nowMicros(), settleMs: 1 });
    expect(outcome).toEqual({ flat: true, rounds: 2 });
    expect(venue.lots).toBe(0);
    expect(venue.submitted.map((o) => [o.side, o.qty, o.reduceOnly, o.type])).toEqual([['Buy', 10, true, 'market'], ['Buy', 10, true, 'market'], ['Buy', 3, true, 'market']]);
    expect(venue.cancelAlls).toBeGreaterThanOrEqual(1);
  });

  it('says loudly when the exchange cannot be flattened', async () => {
    const venue = new HandVenue();
    venue.lots = 5;
    venue.stuck = true;
    const { orders, logger } = flowOn(venue);
    const outcome = await flattenOnExchange(venue, orders, logger, 'test', { maxOrderLots: 10 as Lots, now: () => clock.nowMicros(), settleMs: 1, rounds: 3 });
    expect(outcome).toEqual({ flat: false, lots: 5, rounds: 3 });
    expect(logger.lines.find((l) => l.level === 'error')?.message).toMatch(/KILL SWITCH COULD NOT FLATTEN: the exchange still holds 5 lots/);
  });
});

describe('the execution engine on a real exchange', () => {
  function engineOn(venue: HandVenue, policy: 'smart' | 'baseline' = 'smart'): { engine: ExecutionEngine; orders: OrderFlow; records: RiskRecord[]; logger: RecordingLogger } {
    const { orders, logger } = flowOn(venue);
    const records: RiskRecord[] = [];
    const settings = executionSettings({ policy, capitalUsdt: 100_000, maxPositionLots: 50 as Lots, threshold: 0.5 });
    const engine = new ExecutionEngine(btc, settings, orders, logger, (r) => records.push(r), 1_000_000, () => clock.nowMicros());
    return { engine, orders, records, logger };
  }
  const signal = { ts: T0 as Micros, score: 1, confidence: 0.6, horizonMs: 1000, modelId: 'm', schemaId: 's' };

  it('starts from the exchange\'s position and adopted orders, stored as a correction once the run is under way', async () => {
    const venue = new HandVenue();
    venue.opening = { lots: 44 as Lots, avgPrice: (MID - 100) as Ticks };
    venue.adopted = [{ clientOrderId: 'web-1', venueOrderId: 'v9', side: 'Buy', type: 'limit', qty: 4 as Lots, filledQty: 1 as Lots, limitPrice: (MID - 50) as Ticks, reduceOnly: false }];
    const { engine, orders, records } = engineOn(venue);
    expect(orders.position.qty).toBe(44);
    expect(orders.exposureLots).toBe(47);
    expect(engine.risk.position).toBe(44);
    expect(engine.risk.openLots.buy).toBe(3);
    expect(records).toEqual([]);
    await engine.onBook(liveBook(), T0 as Micros);
    expect(records).toContainEqual(expect.objectContaining({ cause: 'reconciliation', reason: 'position corrected from 0 to 44 lots: the position the exchange held at start' }));
  });

  it('applies a correction told by the venue, trips the venue breaker beyond tolerance, and cancels working orders when the book leaves LIVE or risk halts', async () => {
    const venue = new HandVenue();
    const { engine, orders, records } = engineOn(venue);
    const book = liveBook();
    await engine.onBook(book, T0 as Micros);
    expect(await engine.onSignal(signal, 1, book, T0 as Micros, null)).toBe(true);
    await eventually(() => orders.liveOrderIds().length === 1);
    const child = orders.liveOrderIds()[0];
    engine.onBookLost((T0 + 1) as Micros);
    await eventually(() => venue.cancels.includes(child));
    await eventually(() => orders.liveOrderIds().length === 0);

    await engine.onBook(book, (T0 + 2) as Micros);
    expect(await engine.onSignal(signal, 1, book, (T0 + 2) as Micros, null)).toBe(true);
    await eventually(() => orders.liveOrderIds().length === 1);
    const second = orders.liveOrderIds()[0];
    venue.notify({ kind: 'correction', beforeLots: 0 as Lots, afterLots: -7 as Lots, price: MID as Ticks, reason: 'unseen', beyondTolerance: true, ts: (T0 + 3) as Micros });
    expect(orders.position.qty).toBe(-7);
    expect(records).toContainEqual(expect.objectContaining({ kind: 'trip', cause: 'venueSync', state: 'HALTED', reason: 'unseen' }));
    await eventually(() => venue.cancels.includes(second));

    venue.notify({ kind: 'halt', reason: 'Bybit refused the API credentials', ts: (T0 + 4) as Micros });
    expect(engine.state).toBe('HALTED');
    venue.notify({ kind: 'unknown', clientOrderId: 'x', reason: 'timed out', ts: (T0 + 5) as Micros });
  });

  it('kills at once without a book: flattens the exchange and stays halted', async () => {
    const venue = new HandVenue();
    venue.opening = { lots: 12 as Lots, avgPrice: MID as Ticks };
    venue.lots = 12;
    const { engine, orders } = engineOn(venue);
    expect(engine.killsWithoutMarketData).toBe(true);
    engine.killNow('operator');
    engine.killNow('again');
    await engine.flattened();
    expect(venue.lots).toBe(0);
    expect(orders.position.qty).toBe(0);
    expect(engine.state).toBe('HALTED');
  });
});
