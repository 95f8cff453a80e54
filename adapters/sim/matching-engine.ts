import { VENUE_REASONS, type AmendRequest, type OrderRequest } from '../../application/ports/execution-venue.ts';
import type { OrderBook } from '../../domain/market/order-book.ts';
import type { Trade } from '../../domain/market/trade.ts';
import type { Rng } from '../../domain/model/gbdt/rng.ts';
import { feeForFill, type FeeSchedule } from '../../domain/trading/fees.ts';
import type { Liquidity } from '../../domain/trading/fill.ts';
import type { Instrument } from '../../domain/values/instrument.ts';
import { RecentIds } from '../../domain/trading/recent-ids.ts';
import type { Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { LiquidityMemory, restingSide, takeLiquidity, takingSide, visibleQtyAt } from './book-liquidity.ts';
import { advanceOnDepth, advanceOnTrade, type QueueModelSpec } from './queue-model.ts';
import type { ReportOutbox } from './report-outbox.ts';
import type { SimAccount } from './sim-account.ts';
import { bookRefusal, effectiveTif, invalidity, remainingOf, type SimOrder } from './sim-order.ts';

const SEEN_IDS_MICROS = 3_600_000_000;

/**
 * The matching engine of the simulated exchange: what happens to orders when they arrive, when a
 * market event changes the book, and when a public trade prints. It knows no latency: the exchange
 * calls it at engine time `now` and it writes its reports to the outbox. See SimExchange for the rules.
 */
export class MatchingEngine {
  /** Resting orders in arrival order: the order in which they share a trade. */
  private readonly resting = new Map<string, SimOrder>();
  /**
   * Client ids of the orders that arrived in the last hour of engine time: a repeated id is refused as
   * Bybit refuses a repeated orderLinkId. The order flow numbers its ids, so a repeat is a bug that
   * shows within seconds; an hour bounds the set by the orders of one hour.
   */
  private readonly seenIds = new RecentIds(SEEN_IDS_MICROS);
  private readonly memory = new LiquidityMemory();
  private book: OrderBook | null = null;
  private now = 0;
  private nextOrder = 1;
  private nextExec = 1;

  constructor(
    private readonly instrument: Instrument,
    private readonly fees: FeeSchedule,
    private readonly queueModel: QueueModelSpec,
    private readonly rng: Rng,
    private readonly account: SimAccount,
    private readonly outbox: ReportOutbox,
  ) {}

  /** Engine time for the reports that follow. */
  setTime(now: number): void {
    this.now = now;
  }

  /** The book as the latest market event left it: arrivals meet it; what was taken from it is reconciled. */
  setBook(book: OrderBook): void {
    this.book = book;
    this.memory.update(book);
  }

  /** The market event's effect on every resting order. */
  onBook(book: OrderBook): void {
    // Called at every book, mostly with nothing resting: no copy of an empty map.
    if (this.resting.size === 0) return;
    for (const o of [...this.resting.values()]) this.followBook(o, book);
  }

  /** A public trade: resting orders share it in arrival order, never more than its size in all. */
  onTrade(trade: Trade): void {
    if (this.resting.size === 0) return;
    let budget: number = trade.size;
    for (const o of [...this.resting.values()]) {
      if (budget === 0) break;
      budget -= this.followTrade(o, trade, budget);
    }
  }

  /** Orders resting, and client ids remembered to refuse a repeat: both bounded (see `seenIds`). */
  get held(): { readonly resting: number; readonly seenIds: number } {
    return { resting: this.resting.size, seenIds: this.seenIds.size };
  }

  queueOf(clientOrderId: string): { readonly ahead: number; readonly remaining: number } | null {
    const o = this.resting.get(clientOrderId);
    return o === undefined ? null : { ahead: o.queue.front, remaining: remainingOf(o) };
  }

  arrive(request: OrderRequest): void {
    const ts = this.now as Micros;
    const id = request.clientOrderId;
    const reject = (reason: string): void => this.outbox.add({ kind: 'rejected', clientOrderId: id, reason, ts });
    if (this.seenIds.has(id)) return reject(`${VENUE_REASONS.duplicate}: ${id} was used before`);
    this.seenIds.add(id, ts);
    const refusal = invalidity(this.instrument, request) ?? bookRefusal(this.book, request);
    if (refusal !== null) return reject(refusal);
    let qty: number = request.qty;
    if (request.reduceOnly) {
      const reducible = this.account.reducible(request.side);
      if (reducible === 0) return reject(`${VENUE_REASONS.reduceOnly}: the order would only increase the position`);
      qty = Math.min(qty, reducible);
    }
    const o: SimOrder = {
      request,
      venueOrderId: `sx-o${this.nextOrder++}`,
      tif: effectiveTif(request),
      arrivedAt: this.now,
      qty,
      filled: 0,
      done: false,
      queue: { front: 0, levelQty: null, tradedSince: 0 },
    };
    this.outbox.add({ kind: 'accepted', clientOrderId: id, venueOrderId: o.venueOrderId, ts });
    this.matchOnArrival(o, this.book as OrderBook);
  }

  /** The taker part of an arriving order, then its rest: canceled (market, IOC) or resting. */
  private matchOnArrival(o: SimOrder, book: OrderBook): void {
    const { side, limitPrice } = o.request;
    if (o.tif !== 'PostOnly') {
      for (const take of takeLiquidity(book, takingSide(side), limitPrice, o.qty, this.memory)) {
        this.fill(o, take.price, take.qty, 'taker');
      }
    }
    if (o.done) return;
    if (o.tif === 'IOC') {
      const why = o.request.type === 'market' ? `${VENUE_REASONS.insufficient} liquidity: the visible book ran out` : `${VENUE_REASONS.notFilledAtOnce}: IOC rest canceled`;
      return this.finish(o, why);
    }
    const visible = visibleQtyAt(book, restingSide(side), limitPrice as number);
    o.queue.front = visible ?? 0;
    o.queue.levelQty = visible;
    this.resting.set(o.request.clientOrderId, o);
  }

  cancelResting(clientOrderId: string): void {
    const o = this.resting.get(clientOrderId);
    if (o === undefined) {
      const reason = `${VENUE_REASONS.unknownOrder}: ${clientOrderId} does not rest (never known, filled or canceled)`;
      this.outbox.add({ kind: 'cancelRejected', clientOrderId, reason, ts: this.now as Micros });
      return;
    }
    this.finish(o, VENUE_REASONS.canceledByRequest);
  }

  /**
   * An amend of a resting order, as Bybit applies it: a new price or a larger quantity puts the order
   * at the back of its level's queue (behind all the level shows) from now on; a smaller quantity
   * keeps its place. Refused, the order as it was: an order that does not rest (filled, canceled,
   * never known), nothing changed, a quantity at or below what has filled, a post-only price that
   * would take. A GTC order amended across the spread takes what lies within its new price.
   */
  amendResting(clientOrderId: string, change: AmendRequest): void {
    const ts = this.now as Micros;
    const refuse = (reason: string): void => this.outbox.add({ kind: 'amendRejected', clientOrderId, reason, ts });
    const o = this.resting.get(clientOrderId);
    if (o === undefined) return refuse(`${VENUE_REASONS.unknownOrder}: ${clientOrderId} does not rest (never known, filled or canceled)`);
    const was = o.request;
    const request: OrderRequest = { ...was, qty: change.qty ?? was.qty, limitPrice: change.limitPrice ?? was.limitPrice };
    if (request.qty === was.qty && request.limitPrice === was.limitPrice) return refuse(`${VENUE_REASONS.unchanged}: the price and quantity are the order's own`);
    const refusal = invalidity(this.instrument, request) ?? (o.tif === 'PostOnly' ? bookRefusal(this.book, request) : null);
    if (refusal !== null) return refuse(refusal);
    if (request.qty <= o.filled) return refuse(`${VENUE_REASONS.invalid}: quantity ${request.qty} is not above the ${o.filled} lots filled`);
    const moved = request.limitPrice !== was.limitPrice;
    const grew = request.qty > was.qty;
    o.request = request;
    o.qty = request.reduceOnly ? Math.min(request.qty, o.filled + this.account.reducible(request.side)) : request.qty;
    const book = this.book as OrderBook;
    if (moved || grew) {
      const visible = visibleQtyAt(book, restingSide(request.side), request.limitPrice as number);
      o.queue.front = visible ?? 0;
      o.queue.levelQty = visible;
      o.queue.tradedSince = 0;
      o.arrivedAt = this.now;
    }
    this.outbox.add({ kind: 'amended', clientOrderId, qty: request.qty, limitPrice: request.limitPrice as Ticks, ts });
    if (moved && o.tif !== 'PostOnly') {
      for (const take of takeLiquidity(book, takingSide(request.side), request.limitPrice, remainingOf(o), this.memory)) {
        this.fill(o, take.price, take.qty, 'taker');
      }
    }
  }

  /** A market event's effect on a resting order: its queue, then the opposite side reaching its price. */
  private followBook(o: SimOrder, book: OrderBook): void {
    const { side } = o.request;
    const price = o.request.limitPrice as number;
    const visible = visibleQtyAt(book, restingSide(side), price);
    if (visible !== null) advanceOnDepth(this.queueModel, o.queue, visible, this.rng);
    let crossing = 0;
    for (const take of takeLiquidity(book, takingSide(side), price, remainingOf(o), this.memory)) crossing += take.qty;
    if (crossing > 0) {
      o.queue.front = 0;
      this.fill(o, price, crossing, 'maker');
    }
  }

  /** A trade's effect on a resting order; returns the lots of the trade that filled it. */
  private followTrade(o: SimOrder, trade: Trade, budget: number): number {
    const { side } = o.request;
    const price = o.request.limitPrice as number;
    // A resting buy is hit by sellers: a Sell taker at its price or below; a resting sell, the mirror.
    if (trade.takerSide === side) return 0;
    // The trade printed before the order reached the book (its frame came after a later book event).
    if (trade.ts < o.arrivedAt) return 0;
    const through = side === 'Buy' ? trade.price < price : trade.price > price;
    if (trade.price !== price && !through) return 0;
    let leftover: number = trade.size;
    if (through) o.queue.front = 0;
    else leftover = advanceOnTrade(o.queue, trade.size);
    const qty = Math.min(remainingOf(o), leftover, budget);
    return qty > 0 ? this.fill(o, price, qty, 'maker') : 0;
  }

  /**
   * Fills `qty` lots of `o` at `price` (a reduce-only order no more than the position it reduces) and
   * finishes it when nothing is left to fill. Returns the lots filled.
   */
  private fill(o: SimOrder, price: number, qty: number, liquidity: Liquidity): number {
    const { request } = o;
    const lots = request.reduceOnly ? Math.min(qty, this.account.reducible(request.side)) : qty;
    if (lots > 0) {
      const fill = {
        tradeId: `sx-e${this.nextExec++}`,
        orderId: request.clientOrderId,
        symbol: request.symbol,
        side: request.side,
        price: price as Ticks,
        qty: lots as Lots,
        fee: feeForFill(this.instrument, price as Ticks, lots as Lots, liquidity, this.fees),
        liquidity,
        ts: this.now as Micros,
      };
      this.account.applyFill(fill);
      o.filled += lots;
      this.outbox.add({ kind: 'fill', fill });
    }
    if (o.filled === o.qty && o.qty === request.qty) this.finish(o, null);
    else if (o.filled === o.qty || (request.reduceOnly && this.account.reducible(request.side) === 0)) {
      this.finish(o, `${VENUE_REASONS.reduceOnly}: the rest would increase the position`);
    }
    return lots;
  }

  /** Takes `o` out of the engine; with a reason, reports its unfilled rest canceled. */
  private finish(o: SimOrder, cancelReason: string | null): void {
    if (o.done) return;
    o.done = true;
    this.resting.delete(o.request.clientOrderId);
    if (cancelReason !== null) {
      this.outbox.add({ kind: 'canceled', clientOrderId: o.request.clientOrderId, reason: cancelReason, ts: this.now as Micros });
    }
  }
}
