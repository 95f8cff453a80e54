import { describe, expect, it } from 'vitest';
import type { RawTrade } from '../../domain/market/market-event.ts';
import { tradeFromRaw } from '../../domain/market/trade.ts';
import { unwrap } from '../../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument } from '../../domain/values/instrument.ts';
import { micros } from '../../domain/values/units.ts';

const btc = unwrap(createInstrument(BTCUSDT_SPEC));

const raw: RawTrade = {
  tradeId: 'f4c1f7b2-0000-4000-8000-000000000001',
  symbol: 'BTCUSDT',
  price: '65114.20',
  size: '0.004',
  takerSide: 'Sell',
  ts: micros(1_700_000_000_123_000),
  recvTime: micros(1_700_000_000_125_500),
  blockTrade: false,
};

describe('tradeFromRaw', () => {
  it('puts price and size on the instrument grid and keeps the rest', () => {
    expect(unwrap(tradeFromRaw(btc, raw))).toEqual({
      tradeId: raw.tradeId,
      symbol: 'BTCUSDT',
      price: 651142,
      size: 4,
      takerSide: 'Sell',
      ts: 1_700_000_000_123_000,
      recvTime: 1_700_000_000_125_500,
      blockTrade: false,
    });
    expect(unwrap(tradeFromRaw(btc, { ...raw, takerSide: 'Buy', blockTrade: true }))).toMatchObject({ takerSide: 'Buy', blockTrade: true });
  });

  it.each([
    ['off the tick grid', '65114.25', 'TooPrecise'],
    ['not a number', 'abc', 'NotADecimal'],
    ['zero', '0.0', 'NotPositive'],
  ])('rejects a price %s', (_name, price, cause) => {
    expect(tradeFromRaw(btc, { ...raw, price })).toMatchObject({
      ok: false,
      error: { kind: 'BadTradePrice', tradeId: raw.tradeId, text: price, cause: { kind: cause } },
    });
  });

  it.each([
    ['off the lot grid', '0.0004', 'TooPrecise'],
    ['negative', '-0.004', 'Negative'],
    ['zero', '0.000', 'NotPositive'],
    ['empty', '', 'NotADecimal'],
  ])('rejects a size %s', (_name, size, cause) => {
    expect(tradeFromRaw(btc, { ...raw, size })).toMatchObject({
      ok: false,
      error: { kind: 'BadTradeSize', tradeId: raw.tradeId, text: size, cause: { kind: cause } },
    });
  });

  it('rejects a trade of another symbol', () => {
    expect(tradeFromRaw(btc, { ...raw, symbol: 'ETHUSDT' })).toEqual({
      ok: false,
      error: { kind: 'TradeSymbolMismatch', expected: 'BTCUSDT', got: 'ETHUSDT', tradeId: raw.tradeId },
    });
  });
});
