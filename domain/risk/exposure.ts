import type { Side } from '../trading/side.ts';
import type { Lots } from '../values/units.ts';

interface WorkingOrder {
  readonly side: Side;
  remaining: number;
}

/**
 * The position and the working orders the risk manager has allowed, in lots. Worst-case exposure
 * counts every working order on one side as if it filled while every order on the other side was
 * canceled: a buy is checked against position + open buys, a sell against position - open sells,
 * so no mix of fills and cancels of allowed orders can pass a limit.
 */
export class ExposureBook {
  private held = 0;
  private openBuy = 0;
  private openSell = 0;
  private readonly working = new Map<string, WorkingOrder>();

  /** Signed filled lots. */
  get position(): Lots {
    return this.held as Lots;
  }

  /** Unfilled lots of working buys and sells. */
  get open(): { readonly buy: Lots; readonly sell: Lots } {
    return { buy: this.openBuy as Lots, sell: this.openSell as Lots };
  }

  isWorking(id: string): boolean {
    return this.working.has(id);
  }

  /** The signed position if every working order on `side` and `qty` more filled. */
  worstAfter(side: Side, qty: number): number {
    return side === 'Buy' ? this.held + this.openBuy + qty : this.held - this.openSell - qty;
  }

  /** Whether `qty` on `side`, with the working orders on that side, only brings |position| toward zero. */
  reduces(side: Side, qty: number): boolean {
    return side === 'Buy' ? this.held < 0 && this.worstAfter(side, qty) <= 0 : this.held > 0 && this.worstAfter(side, qty) >= 0;
  }

  add(id: string, side: Side, qty: number): void {
    if (this.working.has(id)) throw new Error(`order ${id} is already working`);
    this.working.set(id, { side, remaining: qty });
    if (side === 'Buy') this.openBuy += qty;
    else this.openSell += qty;
  }

  /**
   * A fill moves lots from the order's open rest to the position. A fill beyond the rest (or of an
   * order this book never allowed, such as one from before a restart) still counts in the position:
   * the venue is the truth for what was filled. The side of a known order is its own; `side` is
   * used only for an order this book does not know.
   */
  fill(id: string, side: Side, qty: number): void {
    const order = this.working.get(id);
    if (order !== undefined) {
      this.release(order, Math.min(qty, order.remaining));
      if (order.remaining === 0) this.working.delete(id);
    }
    this.held += (order?.side ?? side) === 'Buy' ? qty : -qty;
  }

  /** The order is canceled, rejected or done: its unfilled rest no longer counts. */
  close(id: string): void {
    const order = this.working.get(id);
    if (order === undefined) return;
    this.release(order, order.remaining);
    this.working.delete(id);
  }

  private release(order: WorkingOrder, qty: number): void {
    order.remaining -= qty;
    if (order.side === 'Buy') this.openBuy -= qty;
    else this.openSell -= qty;
  }
}
