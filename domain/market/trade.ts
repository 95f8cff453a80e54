import { err, ok, type Result } from '../result.ts';
import { priceToTicks, qtyToLots, type GridError, type Instrument } from '../values/instrument.ts';
import type { GridTrade, RawTrade } from './market-event.ts';

/** A public trade on the instrument's grid: price in ticks, size in lots. */
export type Trade = GridTrade;

export type TradeError =
  | { readonly kind: 'TradeSymbolMismatch'; readonly expected: string; readonly got: string; readonly tradeId: string }
  | { readonly kind: 'BadTradePrice'; readonly tradeId: string; readonly text: string; readonly cause: GridError }
  /** A size that is not a decimal, off the lot grid, or not above zero: a trade always moves quantity. */
  | { readonly kind: 'BadTradeSize'; readonly tradeId: string; readonly text: string; readonly cause: GridError };

export function tradeFromRaw(instrument: Instrument, raw: RawTrade): Result<Trade, TradeError> {
  if (raw.symbol !== instrument.symbol) {
    return err({ kind: 'TradeSymbolMismatch', expected: instrument.symbol, got: raw.symbol, tradeId: raw.tradeId });
  }
  const price = priceToTicks(instrument, raw.price);
  if (!price.ok) return err({ kind: 'BadTradePrice', tradeId: raw.tradeId, text: raw.price, cause: price.error });
  const size = qtyToLots(instrument, raw.size);
  if (!size.ok) return err({ kind: 'BadTradeSize', tradeId: raw.tradeId, text: raw.size, cause: size.error });
  if (size.value === 0) {
    return err({ kind: 'BadTradeSize', tradeId: raw.tradeId, text: raw.size, cause: { kind: 'NotPositive', text: raw.size } });
  }
  return ok({
    tradeId: raw.tradeId,
    symbol: raw.symbol,
    price: price.value,
    size: size.value,
    takerSide: raw.takerSide,
    ts: raw.ts,
    recvTime: raw.recvTime,
    blockTrade: raw.blockTrade,
  });
}
