import type { ExecutionReport, ExecutionVenue, OrderRequest } from '../../application/ports/execution-venue.ts';
import type { OrderBook } from '../../domain/market/order-book.ts';
import { feeForFill, type FeeSchedule } from '../../domain/trading/fees.ts';
import type { Fill } from '../../domain/trading/fill.ts';
import { sideSign } from '../../domain/trading/side.ts';
import type { Instrument } from '../../domain/values/instrument.ts';
import type { Lots, Micros } from '../../domain/values/units.ts';

/**
 * A simulated exchange, first version: market orders walk the current book level by level and fill
 * at each level's price, paying the taker fee; what the visible book cannot fill is canceled, as Bybit
 * does with the unfilled rest of a market order. Fills are reported at once, at the time of the book
 * the order met. The simulated fills do not consume the book: the next market event replaces it
 * anyway, and market impact, queues and latency belong to the full simulator.
 * Limit orders are refused with a reason until the simulator models queues.
 */
export class SimulatedVenue implements ExecutionVenue {
  readonly name = 'sim';
  private book: OrderBook | null = null;
  private now = 0 as Micros;
  private nextExec = 1;
  private nextOrder = 1;
  /** Net position the venue has filled, in lots, for reduce-only checks. */
  private netLots = 0;

  constructor(
    private readonly instrument: Instrument,
    private readonly fees: FeeSchedule,
  ) {}

  observeBook(book: OrderBook, ts: Micros): void {
    this.book = book;
    this.now = ts;
  }

  onReport(): void {
    // Every report of the simulator is returned by submit or cancel; nothing arrives later.
  }

  submit(order: OrderRequest): Promise<readonly ExecutionReport[]> {
    return Promise.resolve(this.execute(order));
  }

  cancel(clientOrderId: string, ts: Micros): Promise<readonly ExecutionReport[]> {
    // Market orders never rest, so there is nothing to cancel.
    return Promise.resolve([{ kind: 'rejected', clientOrderId, reason: 'unknown order: nothing rests on the simulator', ts }]);
  }

  private execute(order: OrderRequest): ExecutionReport[] {
    const ts = this.now > order.ts ? this.now : order.ts;
    const reject = (reason: string): ExecutionReport[] => [{ kind: 'rejected', clientOrderId: order.clientOrderId, reason, ts }];
    if (order.symbol !== this.instrument.symbol) return reject(`unknown symbol ${order.symbol}`);
    if (order.type !== 'market') return reject('limit orders are not simulated yet');
    if (order.qty < this.instrument.minLots) return reject(`quantity below the minimum of ${this.instrument.minQty}`);
    let wanted = order.qty as number;
    if (order.reduceOnly) {
      const reducible = order.side === 'Buy' ? Math.max(0, -this.netLots) : Math.max(0, this.netLots);
      if (reducible === 0) return reject('reduce-only order would increase the position');
      wanted = Math.min(wanted, reducible);
    }
    const book = this.book;
    const side = order.side === 'Buy' ? 'ask' : 'bid';
    if (book === null || !book.usable || book.levelCount(side) === 0) return reject('no market: the book is empty or unusable');

    const reports: ExecutionReport[] = [
      { kind: 'accepted', clientOrderId: order.clientOrderId, venueOrderId: `sim-o${this.nextOrder++}`, ts },
    ];
    const levels = book.levelCount(side);
    for (let i = 0; i < levels && wanted > 0; i++) {
      const price = book.priceAt(side, i);
      const qty = Math.min(wanted, book.qtyAt(side, i)) as Lots;
      wanted -= qty;
      const fill: Fill = {
        tradeId: `sim-e${this.nextExec++}`,
        orderId: order.clientOrderId,
        symbol: order.symbol,
        side: order.side,
        price,
        qty,
        fee: feeForFill(this.instrument, price, qty, 'taker', this.fees),
        liquidity: 'taker',
        ts,
      };
      this.netLots += sideSign(order.side) * qty;
      reports.push({ kind: 'fill', fill });
    }
    if (wanted > 0) {
      reports.push({ kind: 'canceled', clientOrderId: order.clientOrderId, reason: 'market order rest canceled: visible book exhausted', ts });
    }
    return reports;
  }
}
