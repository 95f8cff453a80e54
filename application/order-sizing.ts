import type { OrderBook } from '../domain/market/order-book.ts';
import { baselineSize, sizeOrder, type SizingLimit } from '../domain/execution/sizing.ts';
import { liquidityCurve } from '../domain/execution/book-walk.ts';
import type { Side } from '../domain/trading/side.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import type { Cash, Lots, Ticks } from '../domain/values/units.ts';
import type { ExecutionSettings } from './execution-types.ts';
import { unitsText } from '../domain/execution/units-text.ts';

export interface SizingMoment {
  readonly side: Side;
  readonly confidence: number;
  /** Mid, ticks (may be a half tick). */
  readonly mid: number;
  readonly book: OrderBook;
  /** The mid's volatility over the sizing's risk horizon, bps (σ of its move over that time); null when not known. */
  readonly volBps: number | null;
  /** Starting capital plus the run's PnL, Cash. */
  readonly equity: Cash;
  /** Signed lots held plus the signed open rest of working orders. */
  readonly exposure: Lots;
}

/** What bound a decision's size: one of the sizing caps, or the risk manager's order limits. */
export type DecisionLimit = SizingLimit | 'orderLimit' | 'baseline';

/**
 * The size of a decision under the policy: the smart policy's caps (confidence, volatility, depth
 * within the settings' bps, the liquidity cost of taking it from the book as it stands, position
 * room) or the baseline's fixed share of equity within the position room; rounded down to lots, with
 * the explanation stored in the order's record and the limit that bound.
 */
export function sizeDecision(settings: ExecutionSettings, instrument: Instrument, m: SizingMoment): { qty: Lots; explanation: string; limitedBy: DecisionLimit } {
  const sized = uncapped(settings, instrument, m);
  // One decision is one order within the risk manager's order limits (lots and value): sized beyond
  // them it would be refused whole, again at every signal, and a reversal through the position limit
  // (twice the limit in one order) would never trade. The rest waits for the next signal.
  const byValue = m.mid > 0 ? Math.floor(settings.risk.maxOrderNotional / (m.mid * instrument.cashPerTickLot)) : Infinity;
  const cap = Math.min(settings.risk.maxOrderLots, byValue);
  if (sized.qty <= cap) return sized;
  return {
    qty: Math.max(0, cap) as Lots,
    limitedBy: 'orderLimit',
    get explanation(): string {
      return `${sized.explanation}; order limit ${unitsText(instrument).qty(Math.max(0, cap))} ← bound`;
    },
  };
}

/**
 * Lots the position limit leaves for an order of `side` at `exposure`. At or below zero every policy
 * sizes the decision to zero lots (its position cap, or the baseline's room), whatever the book and
 * the signal: the engine then sizes nothing (most signals of a run that holds its limit).
 */
export function positionRoom(settings: ExecutionSettings, side: Side, exposure: Lots): number {
  const max = settings.risk.maxPositionLots;
  return side === 'Buy' ? max - exposure : max + exposure;
}

function uncapped(settings: ExecutionSettings, instrument: Instrument, m: SizingMoment): { qty: Lots; explanation: string; limitedBy: DecisionLimit } {
  const max = settings.risk.maxPositionLots;
  if (settings.policy === 'baseline') {
    const full = baselineSize(m.equity, Math.floor(m.mid) as Ticks, instrument, settings.baselineFraction);
    const room = m.side === 'Buy' ? max - m.exposure : max + m.exposure;
    const qty = Math.max(0, Math.min(full, room)) as Lots;
    const u = unitsText(instrument);
    return { qty, explanation: `${settings.baselineFraction * 100}% of equity = ${u.qty(full)}, position room ${u.qty(room)}`, limitedBy: 'baseline' };
  }
  // What taking the order from the book as it stands would cost, by size: the liquidity-cost cap reads it.
  const curve = liquidityCurve(m.book.side(m.side === 'Buy' ? 'ask' : 'bid'), m.mid, m.side === 'Buy' ? 1 : -1, settings.sizing.maxLiquidityCostBps);
  const sized = sizeOrder(
    {
      side: m.side, equity: m.equity, mid: m.mid, confidence: m.confidence, realizedVolBps: m.volBps,
      depthLots: depthWithin(m.book, m.side, m.mid, settings.sizing.depthWithinBps), liquidityCost: curve.length === 0 ? null : curve, instrument,
      exposure: m.exposure, maxPosition: max,
    },
    settings.sizing,
  );
  // The explanation stays unwritten until read (sizeOrder's): a sizing to zero lots is not explained.
  return {
    qty: sized.lots,
    limitedBy: sized.limitedBy,
    get explanation(): string {
      return sized.explanation;
    },
  };
}

/** Lots resting on the side an order of `side` would take, within `bps` of the mid. */
function depthWithin(book: OrderBook, side: Side, mid: number, bps: number): number | null {
  const bookSide = side === 'Buy' ? 'ask' : 'bid';
  const best = side === 'Buy' ? book.bestAsk() : book.bestBid();
  if (best === null) return null;
  const reach = Math.floor((mid * bps) / 10_000 - Math.abs(best - mid));
  return reach < 0 ? 0 : book.depthWithin(bookSide, reach);
}
