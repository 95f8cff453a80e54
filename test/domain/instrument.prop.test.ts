import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { unwrap } from '../../domain/result.ts';
import { formatScaled } from '../../domain/values/decimal.ts';
import {
  BTCUSDT_SPEC,
  createInstrument,
  lotsToQty,
  priceToTicks,
  qtyToLots,
  ticksToPrice,
  type InstrumentSpec,
} from '../../domain/values/instrument.ts';
import { lots, ticks } from '../../domain/values/units.ts';

/** Grids seen on Bybit (linear BTCUSDT, spot BTCUSDT, linear XRPUSDT) and two coarser ones. */
const SPECS: InstrumentSpec[] = [
  BTCUSDT_SPEC,
  { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.000001', minQty: '0.000048' },
  { symbol: 'XRPUSDT', tickSize: '0.0001', lotSize: '1', minQty: '1' },
  { symbol: 'HALF', tickSize: '0.5', lotSize: '0.01', minQty: '0.01' },
  { symbol: 'COARSE', tickSize: '25', lotSize: '5', minQty: '5' },
];
const instruments = SPECS.map((spec) => unwrap(createInstrument(spec)));
const instrumentArb = fc.constantFrom(...instruments);
const btc = instruments[0];

describe('ticks and lots round trips', () => {
  test.prop([instrumentArb, fc.integer({ min: 1, max: 2 ** 40 })])('priceToTicks(ticksToPrice(x)) = x', (instrument, x) => {
    expect(unwrap(priceToTicks(instrument, ticksToPrice(instrument, ticks(x))))).toBe(x);
  });

  test.prop([instrumentArb, fc.integer({ min: 0, max: 2 ** 40 })])('qtyToLots(lotsToQty(x)) = x', (instrument, x) => {
    expect(unwrap(qtyToLots(instrument, lotsToQty(instrument, lots(x))))).toBe(x);
  });

  test.prop([instrumentArb, fc.integer({ min: 1, max: 2 ** 30 }), fc.nat(), fc.integer({ min: 0, max: 4 })])(
    'trailing zeros do not change a price, and a price between two ticks is rejected',
    (instrument, x, within, zeros) => {
      const units = x * instrument.tickUnits;
      const text = formatScaled(units, instrument.priceScale);
      const padded = instrument.priceScale === 0 && zeros > 0 ? `${text}.${'0'.repeat(zeros)}` : text + '0'.repeat(zeros);
      expect(unwrap(priceToTicks(instrument, padded))).toBe(x);
      if (instrument.tickUnits > 1) {
        const between = formatScaled(units + 1 + (within % (instrument.tickUnits - 1)), instrument.priceScale);
        expect(priceToTicks(instrument, between)).toMatchObject({ ok: false, error: { kind: 'OffGrid' } });
      }
      const finer = instrument.priceScale === 0 ? `${text}.7` : `${text}7`;
      expect(priceToTicks(instrument, finer)).toMatchObject({ ok: false, error: { kind: 'TooPrecise' } });
    },
  );
});

describe('instrument conversions, by example', () => {
  it('takes an on-grid BTCUSDT price with or without its trailing zero', () => {
    expect(unwrap(priceToTicks(btc, '65114.30'))).toBe(651143);
    expect(unwrap(priceToTicks(btc, '65114.3'))).toBe(651143);
    expect(unwrap(priceToTicks(btc, '65114'))).toBe(651140);
    expect(ticksToPrice(btc, ticks(651143))).toBe('65114.3');
  });

  it('rejects a price between two 0.10 ticks instead of rounding it', () => {
    expect(priceToTicks(btc, '65114.35')).toEqual({ ok: false, error: { kind: 'TooPrecise', text: '65114.35', scale: 1 } });
  });

  it.each(['1e5', '', '-', '1.2.3', ' 1', '1 ', '+1', '0x10', 'NaN'])('rejects %j as not a decimal', (text) => {
    expect(priceToTicks(btc, text)).toEqual({ ok: false, error: { kind: 'NotADecimal', text } });
    expect(qtyToLots(btc, text)).toEqual({ ok: false, error: { kind: 'NotADecimal', text } });
  });

  it('rejects a zero or negative price and a negative size; a zero size is a delete', () => {
    expect(priceToTicks(btc, '0')).toMatchObject({ ok: false, error: { kind: 'NotPositive' } });
    expect(priceToTicks(btc, '-65114.30')).toMatchObject({ ok: false, error: { kind: 'NotPositive' } });
    expect(qtyToLots(btc, '-0.001')).toMatchObject({ ok: false, error: { kind: 'Negative' } });
    expect(unwrap(qtyToLots(btc, '0'))).toBe(0);
    expect(unwrap(qtyToLots(btc, '0.000'))).toBe(0);
  });

  it('converts sizes on the 0.001 lot grid and rejects finer ones', () => {
    expect(unwrap(qtyToLots(btc, '10.470'))).toBe(10470);
    expect(unwrap(qtyToLots(btc, '7'))).toBe(7000);
    expect(qtyToLots(btc, '0.0005')).toMatchObject({ ok: false, error: { kind: 'TooPrecise' } });
    expect(lotsToQty(btc, lots(10470))).toBe('10.470');
  });

  it('rejects a price off a 0.5 grid as OffGrid and one too large to hold exactly as TooLarge', () => {
    const half = instruments[3];
    expect(priceToTicks(half, '100.3')).toMatchObject({ ok: false, error: { kind: 'OffGrid', step: '0.5' } });
    expect(unwrap(priceToTicks(half, '100.5'))).toBe(201);
    expect(priceToTicks(btc, '9007199254740993')).toMatchObject({ ok: false, error: { kind: 'TooLarge' } });
  });
});
