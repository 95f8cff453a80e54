import { err, ok, type Result } from '../result.ts';
import { notional, type Instrument } from '../values/instrument.ts';
import type { Cash, Lots, Micros, Ticks } from '../values/units.ts';
import type { Fill } from './fill.ts';
import { DUPLICATE_FILL_WINDOW_MICROS, RecentIds } from './recent-ids.ts';
import { sideSign } from './side.ts';

/** What one fill did to the position. */
export interface PositionChange {
  /** PnL realized by the closing part of the fill, gross of fees. */
  readonly realized: Cash;
  /** Lots added in the fill's direction (after a flip, the part beyond zero). */
  readonly opened: Lots;
  /** Lots of the previous position that the fill closed. */
  readonly closed: Lots;
  /** The fill crossed zero: it closed the whole position and opened the other way. */
  readonly flipped: boolean;
}

export type PositionError =
  | { readonly kind: 'DuplicateTrade'; readonly tradeId: string }
  | { readonly kind: 'SymbolMismatch'; readonly expected: string; readonly actual: string };

/**
 * A position in one instrument, accounted in exact integers: lots and Cash (1e-8 USDT).
 *
 * Cost basis is average cost: opening adds the fill's notional; reducing removes the share
 * closed / |qty| of the cost basis, rounded half away from zero to the Cash unit, and a close to zero
 * removes all of it. Whatever the rounding, the realized PnL takes the difference, so after every fill
 *   cash = realizedPnl - costBasis - fees + funding
 * exactly, which is the identity cash + qty x mark = realizedPnl + unrealizedPnl(mark) - fees + funding.
 * Funding settlements (perpetuals, every 8 hours) move cash only, never the position.
 *
 * Order independence: qty, fees, cash and realizedPnl - costBasis are sums over the fills and do not
 * depend on their order; the split between realizedPnl and costBasis does (average cost), except
 * when the position ends flat (costBasis 0) or every fill is on one side (nothing realized).
 *
 * Trade ids are remembered so a fill reported twice is refused: those of the fills within
 * `duplicateWindowMicros` of venue time of the newest (an hour; see DUPLICATE_FILL_WINDOW_MICROS for
 * why every repeat a venue sends falls inside it), so the memory is bounded by the fills of a window.
 */
export class Position {
  private readonly seen: RecentIds;
  private qtyLots = 0;
  private basis = 0;
  private realized = 0;
  private feeTotal = 0;
  private cashFlow = 0;
  private fundingTotal = 0;
  private fills = 0;
  private roundTrips = 0;
  private adjustments = 0;

  constructor(
    readonly instrument: Instrument,
    duplicateWindowMicros: number = DUPLICATE_FILL_WINDOW_MICROS,
  ) {
    this.seen = new RecentIds(duplicateWindowMicros);
  }

  /** Trade ids remembered to refuse a repeat: the fills of the last window. */
  get rememberedTradeIds(): number {
    return this.seen.size;
  }

  /** Whether a fill with `tradeId` was applied within the duplicate window (applyFill would refuse it). */
  hasTrade(tradeId: string): boolean {
    return this.seen.has(tradeId);
  }

  /**
   * Applies one fill. A fill for another symbol or with a trade id seen before is refused and changes
   * nothing. Throws a RangeError on a fill that is not on the grid (qty or price not a positive
   * integer, fee not an integer): adapters build fills from exact parsing, so that is a bug.
   */
  applyFill(fill: Fill): Result<PositionChange, PositionError> {
    if (fill.symbol !== this.instrument.symbol) {
      return err({ kind: 'SymbolMismatch', expected: this.instrument.symbol, actual: fill.symbol });
    }
    if (this.seen.has(fill.tradeId)) return err({ kind: 'DuplicateTrade', tradeId: fill.tradeId });
    checkFill(fill);
    const sign = sideSign(fill.side);
    const value = notional(this.instrument, fill.price, fill.qty);
    this.seen.add(fill.tradeId, fill.ts);
    this.fills++;
    this.feeTotal += fill.fee;
    this.cashFlow -= sign * value + fill.fee;

    const held = this.qtyLots;
    if (held === 0 || (held > 0) === (sign > 0)) {
      this.qtyLots += sign * fill.qty;
      this.basis += sign * value;
      return ok({ realized: 0 as Cash, opened: fill.qty, closed: 0 as Lots, flipped: false });
    }
    const size = Math.abs(held);
    const closed = fill.qty < size ? fill.qty : size;
    const removed = closed === size ? this.basis : proportion(this.basis, closed, size);
    // Closing `closed` lots at the fill price: their proceeds minus the basis they carried.
    const realized = -sign * notional(this.instrument, fill.price, closed as Lots) - removed;
    this.realized += realized;
    this.basis -= removed;
    this.qtyLots += sign * closed;
    const opened = fill.qty - closed;
    if (opened > 0) {
      this.qtyLots += sign * opened;
      this.basis += sign * notional(this.instrument, fill.price, opened as Lots);
    }
    if (closed === size) this.roundTrips++;
    return ok({ realized: (realized + 0) as Cash, opened: opened as Lots, closed: closed as Lots, flipped: opened > 0 });
  }

  /**
   * Moves the position by `lots` (signed) at `price` as a fill without fee would, but with no trade:
   * the exchange stated a position the fills do not explain (a position held before the run, an
   * execution never seen). Not counted as a fill; its trade ids stay free.
   */
  adjust(lots: number, price: Ticks): void {
    if (lots === 0) return;
    const tradeId = `adjustment ${++this.adjustments}`;
    const applied = this.applyFill({ tradeId, orderId: '', symbol: this.instrument.symbol, side: lots > 0 ? 'Buy' : 'Sell', price, qty: Math.abs(lots) as Lots, fee: 0 as Cash, liquidity: 'taker', ts: 0 as Micros });
    if (!applied.ok) throw new Error(`adjustment refused: ${JSON.stringify(applied.error)}`);
    this.seen.delete(tradeId);
    this.fills--;
  }

  /** Signed: positive long, negative short. */
  get qty(): Lots {
    return this.qtyLots as Lots;
  }

  /** Signed entry notional of the open qty: positive long, negative short, 0 when flat. */
  get costBasis(): Cash {
    return this.basis as Cash;
  }

  /** Realized PnL, gross of fees. */
  get realizedPnl(): Cash {
    return this.realized as Cash;
  }

  /** Sum of the fills' fees; rebates count negative. */
  get fees(): Cash {
    return this.feeTotal as Cash;
  }

  /**
   * Applies a funding settlement: `amount` Cash received (negative when paid). Throws a RangeError
   * for an amount that is not an integer of Cash: the venue's accounting is exact, so that is a bug.
   */
  applyFunding(amount: Cash): void {
    if (!Number.isSafeInteger(amount)) throw new RangeError(`funding ${amount} is not an integer of Cash`);
    this.fundingTotal += amount;
    this.cashFlow += amount;
  }

  /** Funding received since the start (negative when paid), Cash. */
  get funding(): Cash {
    return this.fundingTotal as Cash;
  }

  /** Cash flow since the start: minus the signed notional of every fill, minus fees, plus funding. */
  get cash(): Cash {
    return this.cashFlow as Cash;
  }

  /** Fills applied (refused ones not counted). */
  get fillCount(): number {
    return this.fills;
  }

  /** Round trips: how many times the position was closed to zero or flipped through it. */
  get tradeCount(): number {
    return this.roundTrips;
  }

  /** Average entry price in ticks as a float, for display only; null when flat. */
  avgEntryTicks(): number | null {
    if (this.qtyLots === 0) return null;
    return this.basis / this.qtyLots / this.instrument.cashPerTickLot;
  }

  /** Signed value of the open qty at `markTicks`, in Cash. */
  markedValue(markTicks: Ticks): Cash {
    return notional(this.instrument, markTicks, this.qtyLots as Lots);
  }

  /** qty x mark - costBasis, in Cash. */
  unrealizedPnl(markTicks: Ticks): Cash {
    return (this.markedValue(markTicks) - this.basis + 0) as Cash;
  }

  /** Cash plus the marked value of the open qty: PnL since the start, net of fees. */
  equity(markTicks: Ticks): Cash {
    return (this.cashFlow + this.markedValue(markTicks) + 0) as Cash;
  }
}

function checkFill(fill: Fill): void {
  if (!Number.isSafeInteger(fill.qty) || fill.qty <= 0) throw new RangeError(`fill ${fill.tradeId}: qty ${fill.qty} is not a positive integer of lots`);
  if (!Number.isSafeInteger(fill.price) || fill.price <= 0) throw new RangeError(`fill ${fill.tradeId}: price ${fill.price} is not a positive integer of ticks`);
  if (!Number.isSafeInteger(fill.fee)) throw new RangeError(`fill ${fill.tradeId}: fee ${fill.fee} is not an integer of Cash`);
}

/**
 * round(basis x part / whole), half away from zero, exactly: basis = q x whole + r with
 * |r| < whole, so the product is q x part + r x part / whole and r x part < whole^2 stays exact
 * for any position below 9.4e7 lots.
 */
function proportion(basis: number, part: number, whole: number): number {
  const r = basis % whole;
  const q = (basis - r) / whole;
  const scaled = r * part;
  if (!Number.isSafeInteger(scaled)) throw new RangeError(`position of ${whole} lots is too large for exact accounting`);
  const rest = scaled % whole;
  let rounded = (scaled - rest) / whole;
  if (2 * rest >= whole) rounded += 1;
  else if (2 * rest <= -whole) rounded -= 1;
  return q * part + rounded;
}
