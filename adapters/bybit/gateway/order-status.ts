import { VENUE_REASONS } from '../../../application/ports/execution-venue.ts';
import type { Liquidity } from '../../../domain/trading/fill.ts';
import type { Side } from '../../../domain/trading/side.ts';
import { priceToTicks, qtyToLots, type Instrument } from '../../../domain/values/instrument.ts';
import { err, ok, type Result } from '../../../domain/result.ts';
import type { Cash, Lots, Micros, Ticks } from '../../../domain/values/units.ts';
import { parseScaled } from '../../../domain/values/decimal.ts';

/**
 * Bybit v5 `orderStatus` (https://bybit-exchange.github.io/docs/v5/enum#orderstatus) grouped by what the
 * gateway reports: `live` orders are accepted, `filled` and `cancelled` end the order, `rejected` ends it
 * before it was ever accepted.
 */
export type OrderPhase = 'live' | 'filled' | 'cancelled' | 'rejected';

/** One order as the `order` topic or `/v5/order/realtime` states it, in the instrument's units. */
export interface OrderUpdate {
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly phase: OrderPhase;
  /** Lots executed so far (`cumExecQty`). */
  readonly cumLots: Lots;
  /** The order's quantity and limit price as the venue now holds them (an amend changes them); null when not given (a market order's price). */
  readonly qty: Lots | null;
  readonly price: Ticks | null;
  readonly cancelType: string;
  readonly rejectReason: string;
  readonly ts: Micros;
}

/** One execution (`execution` topic or `/v5/execution/list`): a trade of ours, or a funding settlement. */
export type ExecutionUpdate =
  | {
      readonly kind: 'trade';
      readonly execId: string;
      readonly clientOrderId: string;
      readonly venueOrderId: string;
      readonly side: Side;
      readonly price: Ticks;
      readonly qty: Lots;
      readonly fee: Cash;
      readonly liquidity: Liquidity;
      readonly ts: Micros;
    }
  | { readonly kind: 'funding'; readonly execId: string; readonly cash: Cash; readonly ts: Micros };

export type ParseError = { readonly kind: 'BadField'; readonly field: string; readonly value: unknown };

/** A field as text: strings as they are, numbers written out, anything else empty. */
export const textOf = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const text = (o: Record<string, unknown>, k: string): string => textOf(o[k]);
const bad = (field: string, value: unknown): Result<never, ParseError> => err({ kind: 'BadField', field, value });
const msToMicros = (ms: string): Micros => (Number(ms) * 1000) as Micros;

function phaseOf(status: string): OrderPhase | null {
  switch (status) {
    case 'New':
    case 'PartiallyFilled':
    case 'Untriggered':
    case 'Triggered':
      return 'live';
    case 'Filled':
      return 'filled';
    case 'Cancelled':
    case 'PartiallyFilledCanceled':
    case 'Deactivated':
      return 'cancelled';
    case 'Rejected':
      return 'rejected';
    default:
      return null;
  }
}

export function parseOrder(instrument: Instrument, o: Record<string, unknown>): Result<OrderUpdate, ParseError> {
  const phase = phaseOf(text(o, 'orderStatus'));
  if (phase === null) return bad('orderStatus', o.orderStatus);
  const cum = qtyToLots(instrument, text(o, 'cumExecQty') || '0');
  if (!cum.ok) return bad('cumExecQty', o.cumExecQty);
  const qty = text(o, 'qty') === '' ? null : qtyToLots(instrument, text(o, 'qty'));
  const priceText = text(o, 'price');
  const price = priceText === '' || Number(priceText) === 0 ? null : priceToTicks(instrument, priceText);
  return ok({
    clientOrderId: text(o, 'orderLinkId'),
    venueOrderId: text(o, 'orderId'),
    phase,
    cumLots: cum.value,
    qty: qty !== null && qty.ok ? qty.value : null,
    price: price !== null && price.ok ? price.value : null,
    cancelType: text(o, 'cancelType'),
    rejectReason: text(o, 'rejectReason'),
    ts: msToMicros(text(o, 'updatedTime') || text(o, 'createdTime') || '0'),
  });
}

/** `execFee` in Cash (1e-8 USDT); Bybit writes a rebate as a negative fee. */
function feeCash(textFee: string): Result<Cash, ParseError> {
  const negative = textFee.startsWith('-');
  const parsed = parseScaled(negative ? textFee.slice(1) : textFee || '0', 8);
  if (!parsed.ok) return bad('execFee', textFee);
  return ok((negative ? -parsed.value : parsed.value) as Cash);
}

export function parseExecution(instrument: Instrument, e: Record<string, unknown>): Result<ExecutionUpdate, ParseError> {
  const execId = text(e, 'execId');
  if (execId === '') return bad('execId', e.execId);
  const fee = feeCash(text(e, 'execFee'));
  if (!fee.ok) return fee;
  const ts = msToMicros(text(e, 'execTime'));
  // Funding arrives as an execution whose fee is what was paid: a cost is a negative cash flow.
  if (text(e, 'execType') === 'Funding') return ok({ kind: 'funding', execId, cash: (0 - fee.value) as Cash, ts });
  const side = text(e, 'side');
  if (side !== 'Buy' && side !== 'Sell') return bad('side', e.side);
  const price = priceToTicks(instrument, text(e, 'execPrice'));
  if (!price.ok) return bad('execPrice', e.execPrice);
  const qty = qtyToLots(instrument, text(e, 'execQty'));
  if (!qty.ok || qty.value <= 0) return bad('execQty', e.execQty);
  const isMaker = e.isMaker === true || e.isMaker === 'true';
  return ok({
    kind: 'trade',
    execId,
    clientOrderId: text(e, 'orderLinkId'),
    venueOrderId: text(e, 'orderId'),
    side,
    price: price.value,
    qty: qty.value,
    fee: fee.value,
    liquidity: isMaker ? 'maker' : 'taker',
    ts,
  });
}

/** Signed lots of a `position` item: `side` Buy is long, Sell short, None (or empty) flat. */
export function parsePositionLots(instrument: Instrument, p: Record<string, unknown>): Result<Lots, ParseError> {
  const size = qtyToLots(instrument, text(p, 'size') || '0');
  if (!size.ok) return bad('size', p.size);
  const side = text(p, 'side');
  return ok((side === 'Sell' ? 0 - size.value : side === 'Buy' ? size.value : 0) as Lots);
}

/**
 * The reason of an order that ended without the strategy's cancel being the cause, from Bybit's
 * `rejectReason` and `cancelType` (https://bybit-exchange.github.io/docs/v5/enum#rejectreason,
 * #canceltype).
 */
export function endReason(u: OrderUpdate): string {
  switch (u.rejectReason) {
    case 'EC_PostOnlyWillTakeLiquidity':
      return `${VENUE_REASONS.postOnly}: ${u.rejectReason}`;
    case 'EC_NoImmediateQtyToFill':
    case 'EC_CancelForNoFullFill':
      return `${VENUE_REASONS.notFilledAtOnce}: ${u.rejectReason}`;
    case 'EC_NoEnoughQtyToFill':
      return `${VENUE_REASONS.insufficient}: ${u.rejectReason}`;
    case 'EC_ReduceOnlySetButNotEnoughPosition':
      return `${VENUE_REASONS.reduceOnly}: ${u.rejectReason}`;
    default:
      break;
  }
  switch (u.cancelType) {
    case 'CancelByUser':
      return `${VENUE_REASONS.canceledByRequest}: ${u.cancelType}`;
    case 'CancelByReduceOnly':
      return `${VENUE_REASONS.reduceOnly}: ${u.cancelType}`;
    default:
      // Liquidation, settlement, admin and self-match cancels fit no other prefix; `invalid` names them.
      return `${VENUE_REASONS.invalid}: ${u.phase} by the venue (${u.cancelType || '-'}, ${u.rejectReason || '-'})`;
  }
}

/**
 * A position's `avgPrice` in ticks, rounded down to the grid (an average of fills need not be on it):
 * the cost basis of the position the run starts from or is corrected to. Null when flat or absent.
 */
export function parseAvgPriceTicks(instrument: Instrument, p: Record<string, unknown>): Ticks | null {
  const price = parseScaled(text(p, 'avgPrice') || '0', 8);
  const tick = parseScaled(instrument.tickSize, 8);
  if (!price.ok || !tick.ok || price.value <= 0 || tick.value <= 0) return null;
  const ticks = Math.floor(price.value / tick.value);
  return ticks > 0 ? (ticks as Ticks) : null;
}
