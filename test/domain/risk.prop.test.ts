import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Position } from '../../domain/trading/position.ts';
import { createPositionLimits, decideOrder } from '../../domain/trading/risk.ts';
import { sideSign } from '../../domain/trading/side.ts';
import { unwrap } from '../../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument } from '../../domain/values/instrument.ts';
import { cash, lots, micros, ticks } from '../../domain/values/units.ts';

const btc = unwrap(createInstrument(BTCUSDT_SPEC));
const limitsArb = fc
  .tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 60 }))
  .map(([max, order]) => createPositionLimits(max, order));
const directionArb = fc.constantFrom(-1 as const, 0 as const, 1 as const);

describe('position limit', () => {
  test.prop([
    limitsArb,
    // Each step: a direction, and how much of the decided order fills (a share in [0, 1]).
    fc.array(fc.tuple(directionArb, fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 60 }),
  ])('keeps |position| <= maxPositionLots for any stream of directions and fills', (limits, steps) => {
    const position = new Position(btc);
    steps.forEach(([direction, share], i) => {
      const decision = decideOrder(direction, position.qty, limits);
      if (decision === null) return;
      const filled = Math.floor(decision.qty * share);
      if (filled === 0) return;
      unwrap(
        position.applyFill({
          tradeId: `t-${i}`,
          orderId: `o-${i}`,
          symbol: 'BTCUSDT',
          side: decision.side,
          price: ticks(650_000 + i),
          qty: lots(filled),
          fee: cash(0),
          liquidity: 'taker',
          ts: micros(i),
        }),
      );
      expect(Math.abs(position.qty)).toBeLessThanOrEqual(limits.maxPositionLots);
    });
  });

  test.prop([limitsArb, directionArb, fc.integer({ min: -80, max: 80 })])(
    'orders in the direction asked, at most orderLots, up to the limit exactly',
    (limits, direction, held) => {
      const decision = decideOrder(direction, lots(held), limits);
      const room = direction === 0 ? 0 : limits.maxPositionLots - direction * held;
      if (decision === null) {
        expect(direction === 0 || room <= 0).toBe(true);
        return;
      }
      expect(sideSign(decision.side)).toBe(direction);
      expect(Number.isInteger(decision.qty) && decision.qty > 0).toBe(true);
      expect(decision.qty).toBe(Math.min(limits.orderLots, room));
      expect(Math.abs(held + sideSign(decision.side) * decision.qty) <= limits.maxPositionLots || Math.abs(held) > limits.maxPositionLots).toBe(true);
    },
  );

  it('clips the last order to the room left and then stops', () => {
    const limits = createPositionLimits(5, 2);
    expect(decideOrder(1, lots(4), limits)).toEqual({ side: 'Buy', qty: 1 });
    expect(decideOrder(1, lots(5), limits)).toBeNull();
    expect(decideOrder(-1, lots(5), limits)).toEqual({ side: 'Sell', qty: 2 });
    expect(decideOrder(-1, lots(-4), limits)).toEqual({ side: 'Sell', qty: 1 });
    expect(decideOrder(0, lots(0), limits)).toBeNull();
  });

  it('rejects invalid limits with a RangeError', () => {
    expect(() => createPositionLimits(-1, 1)).toThrow(RangeError);
    expect(() => createPositionLimits(10, 0)).toThrow(RangeError);
    expect(() => createPositionLimits(10, -2)).toThrow(RangeError);
    expect(() => createPositionLimits(10.5, 1)).toThrow(RangeError);
    expect(() => createPositionLimits(10, Number.NaN)).toThrow(RangeError);
    expect(createPositionLimits(0, 1)).toEqual({ maxPositionLots: 0, orderLots: 1 });
  });
});
