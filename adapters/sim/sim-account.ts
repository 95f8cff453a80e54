import type { Fill } from '../../domain/trading/fill.ts';
import { sideSign, type Side } from '../../domain/trading/side.ts';
import { notional, type Instrument } from '../../domain/values/instrument.ts';
import type { Cash, Lots, Ticks } from '../../domain/values/units.ts';

/** The simulated account at a moment, in exact integers. */
export interface AccountSnapshot {
  /** Signed position in lots: positive long. */
  readonly positionLots: Lots;
  /** Cash flow since the start: minus the signed notional of every fill, minus fees, plus funding. */
  readonly cash: Cash;
  /** Fees paid (rebates negative). */
  readonly fees: Cash;
  /** Funding received (paid negative). */
  readonly funding: Cash;
}

/** The venue's own books of the account: what reduce-only checks and funding settle against. */
export class SimAccount {
  private lots = 0;
  private cashFlow = 0;
  private feeTotal = 0;
  private fundingTotal = 0;

  constructor(private readonly instrument: Instrument) {}

  /** Lots an order of `side` can reduce: the opposite position, or 0. */
  reducible(side: Side): number {
    return side === 'Buy' ? Math.max(0, -this.lots) : Math.max(0, this.lots);
  }

  applyFill(fill: Fill): void {
    const sign = sideSign(fill.side);
    this.lots += sign * fill.qty;
    this.cashFlow -= sign * notional(this.instrument, fill.price, fill.qty) + fill.fee;
    this.feeTotal += fill.fee;
  }

  /**
   * Settles funding on the open position valued at `mark`: position value x rate, paid by longs and
   * received by shorts when the rate is positive (Bybit, "Introduction to Funding Rate"), rounded half
   * away from zero to the Cash unit. Returns the Cash received (negative when paid), 0 when flat.
   */
  settleFunding(mark: Ticks, rate: number): Cash {
    if (this.lots === 0) return 0 as Cash;
    const value: number = notional(this.instrument, mark, this.lots as Lots);
    const raw = -value * rate;
    const amount = Math.sign(raw) * Math.round(Math.abs(raw)) + 0;
    this.cashFlow += amount;
    this.fundingTotal += amount;
    return amount as Cash;
  }

  snapshot(): AccountSnapshot {
    return {
      positionLots: this.lots as Lots,
      cash: this.cashFlow as Cash,
      fees: this.feeTotal as Cash,
      funding: this.fundingTotal as Cash,
    };
  }
}
