import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { BYBIT_LINEAR_FEES, feeFor, feeForFill, feeRatePpm } from '../../domain/trading/fees.ts';
import { unwrap } from '../../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument } from '../../domain/values/instrument.ts';
import { cash, lots, ticks, type Cash } from '../../domain/values/units.ts';

const btc = unwrap(createInstrument(BTCUSDT_SPEC));

/** The fee by arbitrary-precision arithmetic, rounded half away from zero: the reference. */
function referenceFee(notional: number, ratePpm: number): bigint {
  const product = BigInt(notional) * BigInt(ratePpm);
  let fee = product / 1_000_000n;
  const rest = product % 1_000_000n;
  if (2n * (rest < 0n ? -rest : rest) >= 1_000_000n) fee += product < 0n ? -1n : 1n;
  return fee;
}

describe('feeFor', () => {
  it('charges 550 ppm on 650 USDT as 0.3575 USDT', () => {
    // 650 USDT = 65_000_000_000 Cash; x 0.00055 = 0.3575 USDT.
    expect(feeFor(cash(65_000_000_000), 550)).toBe(35_750_000);
  });

  it('rounds halves away from zero, for fees and rebates', () => {
    expect(feeFor(cash(2_500), 200)).toBe(1); // 0.5 Cash
    expect(feeFor(cash(2_499), 200)).toBe(0); // 0.4998 Cash
    expect(feeFor(cash(2_500), -200)).toBe(-1); // a rebate of 0.5 Cash
    expect(feeFor(cash(2_499), -200)).toBe(0);
    expect(feeFor(cash(3), 500_000)).toBe(2); // 1.5 Cash
    expect(feeFor(cash(-3), 500_000)).toBe(-2);
    expect(feeFor(cash(1_000_001), 500_000)).toBe(500_001); // 500000.5 Cash
    expect(feeFor(cash(7_500), 200)).toBe(2); // 1.5 Cash
  });

  it('returns a positive zero, never -0, for a zero rebate', () => {
    expect(Object.is(feeFor(cash(1), -200), 0)).toBe(true);
    expect(Object.is(feeFor(cash(0), -550), 0)).toBe(true);
  });

  it('is exact past 2^53 where float arithmetic rounds the wrong way', () => {
    // 7922759292600909 x 550 = 4357517610930499950, so the fee is 4357517610930.49995 Cash -> ...930.
    const notional = 7_922_759_292_600_909;
    expect(Math.round((notional * 550) / 1e6)).toBe(4_357_517_610_931); // the float path is one off
    expect(feeFor(cash(notional), 550)).toBe(4_357_517_610_930);
    expect(BigInt(feeFor(cash(notional), 550))).toBe(referenceFee(notional, 550));
  });

  it('is exact at the largest safe notional, both signs', () => {
    // 9007199254740991 x 550 = 4953959590107545050 -> 4953959590107.54505 Cash -> ...108.
    expect(feeFor(cash(Number.MAX_SAFE_INTEGER), 550)).toBe(4_953_959_590_108);
    expect(feeFor(cash(-Number.MAX_SAFE_INTEGER), 550)).toBe(-4_953_959_590_108);
    expect(feeFor(cash(Number.MAX_SAFE_INTEGER), 1_000_000)).toBe(Number.MAX_SAFE_INTEGER);
  });

  test.prop([fc.maxSafeInteger(), fc.integer({ min: -1_000_000, max: 1_000_000 })])(
    'equals the arbitrary-precision fee for any safe notional and rate',
    (notional, rate) => {
      expect(BigInt(feeFor(notional as Cash, rate))).toBe(referenceFee(notional, rate));
    },
  );

  it('throws on a rate that is not an integer ppm in [-1e6, 1e6] or an unsafe notional', () => {
    expect(() => feeFor(cash(100), 5.5)).toThrow(RangeError);
    expect(() => feeFor(cash(100), 1_000_001)).toThrow(RangeError);
    expect(() => feeFor(cash(100), Number.NaN)).toThrow(RangeError);
    expect(() => feeFor(cash(2 ** 53), 1)).toThrow(RangeError);
    expect(() => feeFor(cash(0.5), 1)).toThrow(RangeError);
  });
});

describe('feeForFill', () => {
  it('uses the taker rate for a taker fill: buy 0.010 BTC at 65000.0 costs 0.3575 USDT', () => {
    // 650000 ticks x 10 lots x 10000 Cash per tick-lot = 650 USDT notional.
    expect(feeForFill(btc, ticks(650_000), lots(10), 'taker', BYBIT_LINEAR_FEES)).toBe(35_750_000);
  });

  it('uses the maker rate for a maker fill: sell 0.004 BTC at 65100.0 costs 0.05208 USDT', () => {
    // 260.4 USDT x 0.0002 = 0.05208 USDT.
    expect(feeForFill(btc, ticks(651_000), lots(4), 'maker', BYBIT_LINEAR_FEES)).toBe(5_208_000);
  });

  it('pays a rebate (a negative fee) at a negative maker rate', () => {
    const schedule = { makerPpm: -50, takerPpm: 300 };
    // 650 USDT x -0.00005 = -0.0325 USDT.
    expect(feeForFill(btc, ticks(650_000), lots(10), 'maker', schedule)).toBe(-3_250_000);
    expect(feeRatePpm(schedule, 'taker')).toBe(300);
  });

  it('holds Bybit non-VIP linear rates: taker 0.055 %, maker 0.02 %', () => {
    expect(BYBIT_LINEAR_FEES.takerPpm / 1e6).toBeCloseTo(0.00055, 12);
    expect(BYBIT_LINEAR_FEES.makerPpm / 1e6).toBeCloseTo(0.0002, 12);
  });
});
