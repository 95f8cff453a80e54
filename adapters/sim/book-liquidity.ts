import type { BookSide, OrderBook } from '../../domain/market/order-book.ts';
import type { Side } from '../../domain/trading/side.ts';

/** The book side an order of `side` rests on, and the side it takes from. */
export const restingSide = (side: Side): BookSide => (side === 'Buy' ? 'bid' : 'ask');
export const takingSide = (side: Side): BookSide => (side === 'Buy' ? 'ask' : 'bid');

/** A level at `price` on `side` is as good as `limit` or better for a taker: a buy takes asks up to its limit. */
export function within(side: BookSide, price: number, limit: number): boolean {
  return side === 'ask' ? price <= limit : price >= limit;
}

/**
 * Visible size at `price` on `side`, in lots: 0 when the price lies inside the visible range and holds
 * nothing, null when it lies beyond the worst visible level (the book's depth window hides it).
 * Binary search over the side, whose levels run from the touch outward.
 */
export function visibleQtyAt(book: OrderBook, side: BookSide, price: number): number | null {
  const levels = book.side(side);
  const n = levels.count;
  if (n === 0) return null;
  const outward = (p: number): number => (side === 'bid' ? -p : p);
  const target = outward(price);
  if (target > outward(levels.ticksAt(n - 1))) return null;
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const key = outward(levels.ticksAt(mid));
    if (key === target) return levels.lotsAt(mid);
    if (key < target) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

interface Taken {
  /** Lots the simulator's own taker fills took from the level. */
  taken: number;
  /** The level's visible size when last seen. */
  seen: number;
}

/**
 * What the simulator's own fills took from the visible book. The recorded data does not know about
 * simulated orders, so a level a simulated order took from still shows its old size until the venue's
 * own updates move it. Without this memory two orders, or one order over two events, could take the
 * same lots. A decrease of the level is assumed to remove the taken lots first (they are gone on the
 * real venue), an increase adds to what is left, and a vanished level forgets them.
 */
export class LiquidityMemory {
  private readonly taken = new Map<string, Taken>();

  /** Lots at `price` on `side` still available to the simulator. */
  available(side: BookSide, price: number, visible: number): number {
    const entry = this.taken.get(key(side, price));
    return entry === undefined ? visible : Math.max(0, visible - entry.taken);
  }

  take(side: BookSide, price: number, visible: number, qty: number): void {
    const k = key(side, price);
    const entry = this.taken.get(k);
    if (entry === undefined) this.taken.set(k, { taken: qty, seen: visible });
    else entry.taken += qty;
  }

  /** Follows the book after a market event. */
  update(book: OrderBook): void {
    // Called at every book, mostly with nothing taken: no iterator over an empty map.
    if (this.taken.size === 0) return;
    for (const [k, entry] of this.taken) {
      const side: BookSide = k.startsWith('b') ? 'bid' : 'ask';
      const visible = visibleQtyAt(book, side, Number(k.slice(1)));
      if (visible === null || visible === 0) {
        this.taken.delete(k);
        continue;
      }
      entry.taken = Math.max(0, entry.taken - Math.max(0, entry.seen - visible));
      entry.seen = visible;
      if (entry.taken === 0) this.taken.delete(k);
    }
  }
}

const key = (side: BookSide, price: number): string => `${side === 'bid' ? 'b' : 'a'}${price}`;

/** One level an order takes from: its price (ticks) and the lots taken. */
export interface Take {
  readonly price: number;
  readonly qty: number;
}

/**
 * Walks `side` from the touch while levels are within `limit` (null: no limit), taking up to `wanted`
 * lots of what is available, and records what it took in `memory`.
 */
export function takeLiquidity(book: OrderBook, side: BookSide, limit: number | null, wanted: number, memory: LiquidityMemory): Take[] {
  const levels = book.side(side);
  const takes: Take[] = [];
  let left = wanted;
  for (let i = 0; i < levels.count && left > 0; i++) {
    const price = levels.ticksAt(i);
    if (limit !== null && !within(side, price, limit)) break;
    const visible = levels.lotsAt(i);
    const qty = Math.min(left, memory.available(side, price, visible));
    if (qty === 0) continue;
    memory.take(side, price, visible, qty);
    takes.push({ price, qty });
    left -= qty;
  }
  return takes;
}
