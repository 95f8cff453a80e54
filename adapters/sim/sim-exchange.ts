import type { AmendRequest, ExecutionReport, ExecutionVenue, OrderRequest } from '../../application/ports/execution-venue.ts';
import type { OrderBook } from '../../domain/market/order-book.ts';
import type { Trade } from '../../domain/market/trade.ts';
import { mulberry32 } from '../../domain/model/gbdt/rng.ts';
import type { FeeSchedule } from '../../domain/trading/fees.ts';
import type { Instrument } from '../../domain/values/instrument.ts';
import type { Micros, Ticks } from '../../domain/values/units.ts';
import { copyBook } from './book-copy.ts';
import { LatencyModel, type LatencySpec } from './latency-model.ts';
import { MatchingEngine } from './matching-engine.ts';
import { checkQueueModel, DEFAULT_QUEUE_MODEL, type QueueModelSpec } from './queue-model.ts';
import { ReportOutbox } from './report-outbox.ts';
import { SimAccount, type AccountSnapshot } from './sim-account.ts';

export interface SimExchangeOptions {
  readonly instrument: Instrument;
  readonly fees: FeeSchedule;
  /**
   * Delays in microseconds, each a constant or a recorded distribution. `feedMicros`: from a market
   * event at the venue to the strategy seeing it. `orderMicros`: from the strategy sending a request to
   * the matching engine. `responseMicros`: from the engine to the strategy hearing of it; `orderMicros`
   * when absent.
   */
  readonly latency: { readonly feedMicros: LatencySpec; readonly orderMicros: LatencySpec; readonly responseMicros?: LatencySpec };
  /** DEFAULT_QUEUE_MODEL (power, n = 3) when absent. */
  readonly queue?: QueueModelSpec;
  /** Seeds every random draw: latency samples and the queue model's rounding. */
  readonly seed: number;
}

/** Funding is settled every 8 hours from 00:00 UTC (Bybit's BTCUSDT funding interval). */
const FUNDING_INTERVAL_MICROS = 8 * 3600 * 1_000_000;

type Action = { readonly due: number } & (
  | { readonly kind: 'arrive'; readonly order: OrderRequest }
  | { readonly kind: 'cancel'; readonly clientOrderId: string }
  | { readonly kind: 'amend'; readonly clientOrderId: string; readonly change: AmendRequest }
);

/**
 * A simulated exchange driven by the market data the strategy sees, with latency and queues.
 *
 * Time is data time: it moves only with `observeBook`, `observeTrade` and `observeFunding`. A request
 * stamped `ts` reaches the engine at ts + feed + order latency. One that arrives before a market event's
 * time takes effect at its own arrival time, against the book as the events before it left it (the
 * later event has not happened yet at the venue); one that arrives exactly at an event's time takes
 * effect after that event's change of the book, before its effect on resting orders. A public trade
 * stamped before an order's arrival never fills it (trades can reach the feed after later book
 * events). `submit` and `cancel` always resolve with no reports: every report travels
 * through the `onReport` listeners, after the response latency, at the first market event at or after
 * its delivery time, in the order the engine produced them. Reports are stamped with the engine time.
 * `amend` travels as an order does and is applied by the engine's queue rules (a new price or a larger
 * quantity loses the order's place, a smaller quantity keeps it; see MatchingEngine.amendResting).
 *
 * Matching (see also queue-model.ts and book-liquidity.ts):
 * - market and IOC orders walk the visible book, partly filling; the rest is canceled;
 * - a GTC limit takes what lies within its price, then rests; a post-only order that would take is
 *   rejected; a reduce-only order is clipped to the position at arrival and at every fill;
 * - a resting order joins behind the visible size at its price; trades at its price consume the queue
 *   ahead, then fill it with what is left of them; decreases trades do not explain move it by the queue
 *   model; a trade through its price, or the opposite side reaching its price, fills it at its price.
 * All resting fills are maker fills, all fills on arrival taker fills. Simulated fills do not exist in
 * the recorded data, so the lots they take are remembered until the data's own updates remove them
 * (LiquidityMemory); otherwise the data is the market.
 *
 * Funding: at each funding time (00:00, 08:00, 16:00 UTC) that data time passes, the position is
 * settled at the last rate given to `observeFunding`, valued at the mid of the last book; nothing is
 * settled before a rate is known. The same seed, options and sequence of calls give the same reports.
 */
export class SimExchange implements ExecutionVenue {
  readonly name = 'sim-exchange';
  private readonly instrument: Instrument;
  private readonly feedLatency: LatencyModel;
  private readonly orderLatency: LatencyModel;
  private readonly responseLatency: LatencyModel;
  private readonly account: SimAccount;
  private readonly outbox = new ReportOutbox();
  private readonly engine: MatchingEngine;
  private readonly actions: Action[] = [];
  private book: OrderBook | null = null;
  /**
   * The book as the last observed market event left it, copied while an order is on its way: the
   * caller changes its book in place before calling `observeBook`, and an order that arrives before
   * that event must meet the book without it. Null when no order is on its way.
   */
  private before: OrderBook | null = null;
  private now = 0;
  private started = false;
  private fundingRate: number | null = null;

  constructor(options: SimExchangeOptions) {
    if (!Number.isSafeInteger(options.seed)) throw new RangeError(`SimExchange seed must be a safe integer, got ${options.seed}`);
    this.instrument = options.instrument;
    const queueModel = options.queue ?? DEFAULT_QUEUE_MODEL;
    checkQueueModel(queueModel);
    const rng = mulberry32(options.seed);
    const { feedMicros, orderMicros, responseMicros } = options.latency;
    this.feedLatency = new LatencyModel('feed', feedMicros, rng);
    this.orderLatency = new LatencyModel('order', orderMicros, rng);
    this.responseLatency = new LatencyModel('response', responseMicros ?? orderMicros, rng);
    this.account = new SimAccount(options.instrument);
    this.engine = new MatchingEngine(options.instrument, options.fees, queueModel, rng, this.account, this.outbox);
  }

  submit(order: OrderRequest): Promise<readonly ExecutionReport[]> {
    this.schedule({ kind: 'arrive', order, due: this.arrivalTime(order.ts) });
    if (this.before === null && this.book !== null) this.before = copyBook(this.instrument, this.book);
    return Promise.resolve([]);
  }

  cancel(clientOrderId: string, ts: Micros): Promise<readonly ExecutionReport[]> {
    this.schedule({ kind: 'cancel', clientOrderId, due: this.arrivalTime(ts) });
    return Promise.resolve([]);
  }

  /** An amend reaches the engine after the same latency as an order, and meets the book as an arriving order does. */
  amend(clientOrderId: string, change: AmendRequest, ts: Micros): Promise<readonly ExecutionReport[]> {
    this.schedule({ kind: 'amend', clientOrderId, change, due: this.arrivalTime(ts) });
    if (this.before === null && this.book !== null) this.before = copyBook(this.instrument, this.book);
    return Promise.resolve([]);
  }

  onReport(listener: (report: ExecutionReport) => void): void {
    this.outbox.listen(listener);
  }

  observeBook(book: OrderBook, ts: Micros): void {
    this.runBefore(ts);
    this.advance(ts);
    this.book = book;
    this.engine.setBook(book);
    this.runDue();
    this.engine.onBook(book);
    this.endStep();
    this.before = this.awaitsBook() ? copyBook(this.instrument, book) : null;
  }

  /** Whether an order or an amend is on its way (it will meet the book); a loop, not a closure, at every book. */
  private awaitsBook(): boolean {
    for (let i = 0; i < this.actions.length; i++) if (this.actions[i].kind !== 'cancel') return true;
    return false;
  }

  observeTrade(trade: Trade, ts: Micros): void {
    if (trade.symbol !== this.instrument.symbol) return;
    this.runBefore(ts);
    this.advance(ts);
    this.runDue();
    this.engine.onTrade(trade);
    this.endStep();
  }

  observeFunding(rate: number, ts: Micros): void {
    if (!Number.isFinite(rate)) throw new RangeError(`funding rate ${rate} is not a finite number`);
    this.runBefore(ts);
    this.advance(ts);
    this.fundingRate = rate;
    this.runDue();
    this.endStep();
  }

  /** The venue's account: position, cash, fees and funding as the engine has filled them. */
  snapshot(): AccountSnapshot {
    return this.account.snapshot();
  }

  /** What the engine holds per order: resting orders and the client ids remembered (both bounded). */
  get held(): { readonly resting: number; readonly seenIds: number } {
    return this.engine.held;
  }

  /** A resting order's estimated lots ahead and lots still to fill; null when it does not rest. */
  queueOf(clientOrderId: string): { readonly ahead: number; readonly remaining: number } | null {
    return this.engine.queueOf(clientOrderId);
  }

  private arrivalTime(ts: Micros): number {
    if (!Number.isSafeInteger(ts)) throw new RangeError(`request time ${ts} is not an integer of microseconds`);
    return Math.max(ts, this.now) + this.feedLatency.sample() + this.orderLatency.sample();
  }

  /** Keeps actions sorted by due time; equal times keep the order they were sent in. */
  private schedule(action: Action): void {
    let i = this.actions.length;
    while (i > 0 && this.actions[i - 1].due > action.due) i--;
    this.actions.splice(i, 0, action);
  }

  /** Moves data time forward (never back), settling funding at every funding time passed. */
  private advance(ts: Micros): void {
    if (!this.started) {
      this.started = true;
      this.now = ts;
      this.engine.setTime(ts);
      return;
    }
    if (ts <= this.now) return;
    const passed = Math.floor(ts / FUNDING_INTERVAL_MICROS) - Math.floor(this.now / FUNDING_INTERVAL_MICROS);
    for (let k = 1; k <= passed; k++) this.settleFunding((Math.floor(this.now / FUNDING_INTERVAL_MICROS) + k) * FUNDING_INTERVAL_MICROS);
    this.now = ts;
    this.engine.setTime(ts);
  }

  private settleFunding(at: number): void {
    const mid2 = this.book?.midTimesTwo() ?? null;
    if (this.fundingRate === null || mid2 === null) return;
    const cash = this.account.settleFunding(Math.floor(mid2 / 2) as Ticks, this.fundingRate);
    if (cash !== 0) this.outbox.add({ kind: 'funding', cash, ts: at as Micros });
  }

  /**
   * Runs every action due before `ts` at its own arrival time, against the book the events before
   * `ts` left: the event at `ts` has not reached the venue yet when they arrive.
   */
  private runBefore(ts: Micros): void {
    if (!this.started || this.actions.length === 0 || this.actions[0].due >= ts) return;
    if (this.before !== null) this.engine.setBook(this.before);
    while (this.actions.length > 0 && this.actions[0].due < ts) {
      const action = this.actions[0];
      this.advance(Math.max(action.due, this.now) as Micros);
      this.runDue();
      this.outbox.deliver(this.now);
    }
    if (this.book !== null) this.engine.setBook(this.book);
  }

  private runDue(): void {
    while (this.actions.length > 0 && this.actions[0].due <= this.now) {
      const action = this.actions.shift() as Action;
      if (action.kind === 'arrive') this.engine.arrive(action.order);
      else if (action.kind === 'amend') this.engine.amendResting(action.clientOrderId, action.change);
      else this.engine.cancelResting(action.clientOrderId);
      this.sealStep();
    }
  }

  /** Seals the reports of the market event's effect and delivers every report now due. */
  private endStep(): void {
    this.sealStep();
    this.outbox.deliver(this.now);
  }

  /** Gives the reports of one step a delivery time; a step that reported nothing draws nothing. */
  private sealStep(): void {
    if (this.outbox.pending > 0) this.outbox.seal(this.now + this.responseLatency.sample());
  }
}
