import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { baselineSize, floorLots, liquidityCap, sizeOrder, type SizingInputs, type SizingParams } from '../../domain/execution/sizing.ts';
import { unwrap } from '../../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument } from '../../domain/values/instrument.ts';
import { CASH_PER_UNIT, cash, lots, ticks } from '../../domain/values/units.ts';

const btc = unwrap(createInstrument(BTCUSDT_SPEC));
// At 65,000.0 USDT (650,000 ticks) one lot of 0.001 BTC is worth 65 USDT.
const MID = 650_000;
const LOT_USDT = 65;

const params: SizingParams = {
  equityFraction: 0.05,
  confidenceThreshold: 0.5,
  minConfidenceShare: 0.2,
  riskBps: 5,
  riskHorizonMs: 300_000,
  volFloorBps: 2,
  maxDepthShare: 0.25,
  depthWithinBps: 10,
  maxLiquidityCostBps: 8,
};

/** 13,000 USDT of equity: 5 % is 650 USDT, 10 lots at full confidence; no other cap binds. */
function inputs(over: Partial<SizingInputs> = {}): SizingInputs {
  return {
    side: 'Buy',
    equity: cash(13_000 * CASH_PER_UNIT),
    mid: MID,
    confidence: 1,
    realizedVolBps: null,
    depthLots: null,
    liquidityCost: null,
    instrument: btc,
    exposure: lots(0),
    maxPosition: lots(1_000),
    ...over,
  };
}

describe('sizeOrder: each cap binding', () => {
  it('scales by confidence linearly from the minimum share at the threshold to 1', () => {
    // 0.75 is half way from 0.5 to 1: 0.2 + 0.8 x 0.5 = 60 % of 10 lots.
    const s = sizeOrder(inputs({ confidence: 0.75 }), params);
    expect(s).toMatchObject({ lots: 6, limitedBy: 'confidence' });
    expect(s.explanation).toContain('conf 0.750 → 60% of 0.010 BTC = 0.006 BTC ← bound');
    expect(sizeOrder(inputs({ confidence: 0.5 }), params).lots).toBe(2);
    expect(sizeOrder(inputs({ confidence: 0.49 }), params)).toMatchObject({ lots: 0, limitedBy: 'confidence' });
  });

  it('caps by volatility: notional x vol <= equity x risk', () => {
    // 13,000 x 5 bps / 200 bps = 325 USDT = 5 lots.
    const s = sizeOrder(inputs({ realizedVolBps: 200 }), params);
    expect(s).toMatchObject({ lots: 5, limitedBy: 'volatility' });
    expect(s.explanation).toContain('vol 200.0 bps over 5m, risk 5 bps → cap 0.005 BTC ← bound');
    // A quiet market is sized at the floor volatility, not at zero: 13,000 x 5 / 2 is far above 10 lots.
    expect(sizeOrder(inputs({ realizedVolBps: 0 }), params)).toMatchObject({ lots: 10, limitedBy: 'confidence' });
  });

  it('caps by a share of the visible depth', () => {
    const s = sizeOrder(inputs({ depthLots: 12 }), params);
    expect(s).toMatchObject({ lots: 3, limitedBy: 'depth' });
    expect(s.explanation).toContain('depth 25% of 0.012 BTC within 10 bps = 0.003 BTC ← bound');
  });

  it('caps at the largest size whose liquidity cost stays within the maximum', () => {
    const curve = [
      { lots: 1, bps: 1 },
      { lots: 5, bps: 5 },
      { lots: 9, bps: 11 },
    ];
    // 8 bps lies half way between 5 bps at 5 lots and 11 bps at 9 lots: 7 lots.
    expect(liquidityCap(curve, 8)).toBe(7);
    const s = sizeOrder(inputs({ liquidityCost: curve }), params);
    expect(s).toMatchObject({ lots: 7, limitedBy: 'liquidityCost' });
    expect(liquidityCap(curve, 0.5)).toBe(0);
    expect(liquidityCap(curve, 20)).toBe(Infinity);
    expect(liquidityCap([], 8)).toBeNull();
  });

  it('caps by the room left under the position limit, counting exposure in the order direction', () => {
    expect(sizeOrder(inputs({ exposure: lots(16), maxPosition: lots(20) }), params)).toMatchObject({ lots: 4, limitedBy: 'position' });
    // A sell against a long of 16 has 36 lots of room: the confidence cap binds.
    expect(sizeOrder(inputs({ side: 'Sell', exposure: lots(16), maxPosition: lots(20) }), params).lots).toBe(10);
    expect(sizeOrder(inputs({ exposure: lots(25), maxPosition: lots(20) }), params)).toMatchObject({ lots: 0, limitedBy: 'position' });
  });

  it('names every cap and marks only the one that bound', () => {
    const s = sizeOrder(inputs({ confidence: 0.75, realizedVolBps: 200, depthLots: 12, liquidityCost: [{ lots: 20, bps: 3 }], exposure: lots(2), maxPosition: lots(30) }), params);
    expect(s.lots).toBe(3);
    expect(s.explanation.split('← bound')).toHaveLength(2);
    for (const part of ['conf 0.750', 'vol 200.0 bps', 'depth 25% of 0.012 BTC', 'liq cost <= 8 bps → cap none', 'room 0.028 BTC', 'rounded 0.003 BTC']) {
      expect(s.explanation).toContain(part);
    }
  });
});

describe('sizeOrder: rounding', () => {
  it('rounds down to whole lots', () => {
    // 13,000 x 5 / 150 = 433.3 USDT = 6.67 lots → 6.
    expect(sizeOrder(inputs({ realizedVolBps: 150 }), params).lots).toBe(6);
    expect(floorLots(5.99)).toBe(5);
    expect(floorLots(5.9999999999)).toBe(6);
    expect(floorLots(-1)).toBe(0);
  });

  it('returns zero below the instrument minimum quantity', () => {
    const coarse = unwrap(createInstrument({ ...BTCUSDT_SPEC, minQty: '0.005' }));
    const s = sizeOrder(inputs({ instrument: coarse, depthLots: 12 }), params);
    expect(s).toMatchObject({ lots: 0, limitedBy: 'minQty' });
    expect(s.explanation).toContain('0.003 BTC below the minimum 0.005 BTC → 0');
  });

  test.prop([
    fc.integer({ min: 0, max: 1e7 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.option(fc.double({ min: 0, max: 500, noNaN: true })),
    fc.option(fc.double({ min: 0, max: 1000, noNaN: true })),
    fc.integer({ min: -50, max: 50 }),
  ])('never exceeds any cap nor the position room, and is a whole number of lots', (usdt, confidence, vol, depth, exposure) => {
    const i = inputs({ equity: cash(usdt * CASH_PER_UNIT), confidence, realizedVolBps: vol, depthLots: depth, exposure: lots(exposure), maxPosition: lots(40) });
    const s = sizeOrder(i, params);
    expect(Number.isInteger(s.lots) && s.lots >= 0).toBe(true);
    expect(s.lots).toBeLessThanOrEqual(Math.max(0, 40 - exposure));
    expect(s.lots * LOT_USDT).toBeLessThanOrEqual(usdt * params.equityFraction + 1e-6);
    if (depth !== null) expect(s.lots).toBeLessThanOrEqual(depth * params.maxDepthShare);
    if (vol !== null) expect(s.lots * LOT_USDT * Math.max(vol, params.volFloorBps)).toBeLessThanOrEqual(usdt * params.riskBps * (1 + 1e-9));
  });
});

describe('baselineSize', () => {
  it('is 5 % of equity at the mid, rounded down to lots', () => {
    // 10,000 USDT x 5 % = 500 USDT = 7.69 lots of 65 USDT → 7.
    expect(baselineSize(cash(10_000 * CASH_PER_UNIT), ticks(MID), btc)).toBe(7);
    // 1,300 USDT x 5 % = 65 USDT: exactly one lot.
    expect(baselineSize(cash(1_300 * CASH_PER_UNIT), ticks(MID), btc)).toBe(1);
    expect(baselineSize(cash(1_299 * CASH_PER_UNIT), ticks(MID), btc)).toBe(0);
    expect(baselineSize(cash(10_000 * CASH_PER_UNIT), ticks(MID), btc, 0.1)).toBe(15);
  });

  it('names the bad argument', () => {
    expect(() => baselineSize(cash(1.5), ticks(MID), btc)).toThrow(/equity/);
    expect(() => baselineSize(cash(100), ticks(0), btc)).toThrow(/mid/);
    expect(() => sizeOrder(inputs({ confidence: 2 }), params)).toThrow(/confidence/);
    expect(() => sizeOrder(inputs(), { ...params, maxDepthShare: 0 })).toThrow(/maxDepthShare/);
    expect(() => sizeOrder(inputs({ liquidityCost: [{ lots: 5, bps: 1 }, { lots: 5, bps: 2 }] }), params)).toThrow(/liquidityCost\[1\]/);
  });
});
