import type { ExecutionReport, ExecutionVenue, OrderRequest } from '../../application/ports/execution-venue.ts';
import type { Cash, Micros, Ticks } from '../../domain/values/units.ts';

/** A venue that only acknowledges on submit and reports fills later, as a real exchange does. */
export class ExecutionVenueThatAcks implements ExecutionVenue {
  readonly name = 'ack-only';
  submitted = 0;
  private readonly pending: OrderRequest[] = [];
  private listener: (r: ExecutionReport) => void = () => undefined;

  submit(order: OrderRequest): Promise<readonly ExecutionReport[]> {
    this.submitted++;
    this.pending.push(order);
    return Promise.resolve([{ kind: 'accepted', clientOrderId: order.clientOrderId, venueOrderId: `v${this.submitted}`, ts: order.ts }]);
  }
  cancel(clientOrderId: string, ts: Micros): Promise<readonly ExecutionReport[]> {
    return Promise.resolve([{ kind: 'canceled', clientOrderId, reason: 'asked', ts }]);
  }
  onReport(listener: (report: ExecutionReport) => void): void {
    this.listener = listener;
  }
  fillAll(price: number): void {
    for (const [i, o] of this.pending.splice(0).entries()) {
      this.listener({
        kind: 'fill',
        fill: { tradeId: `t${i}`, orderId: o.clientOrderId, symbol: o.symbol, side: o.side, price: price as Ticks, qty: o.qty, fee: 0 as Cash, liquidity: 'taker', ts: o.ts },
      });
    }
  }
}
