import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import type { Fill } from '../../domain/trading/fill.ts';
import { Position } from '../../domain/trading/position.ts';
import { sideSign } from '../../domain/trading/side.ts';
import { unwrap } from '../../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument, notional, type Instrument } from '../../domain/values/instrument.ts';
import { cash, lots, micros, ticks, type Ticks } from '../../domain/values/units.ts';

const btc = unwrap(createInstrument(BTCUSDT_SPEC));
// One Cash per tick-lot: rounding of the removed cost basis shows up at every close.
const fine = unwrap(createInstrument({ symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.000001', minQty: '0.000001' }));

interface Leg {
  readonly buy: boolean;
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
}

const legArb = (instrument: Instrument): fc.Arbitrary<Leg> =>
  fc.record({
    buy: fc.boolean(),
    // Small sizes make flips and exact closes frequent; prices near a BTC price on either grid.
    qty: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 5_000 })),
    price: instrument === btc ? fc.integer({ min: 500_000, max: 800_000 }) : fc.integer({ min: 5_000_000, max: 8_000_000 }),
    fee: fc.integer({ min: -1_000_000, max: 5_000_000 }),
  });

const instrumentArb = fc.constantFrom(btc, fine);
const scenarioArb = instrumentArb.chain((instrument) =>
  fc.record({
    instrument: fc.constant(instrument),
    legs: fc.array(legArb(instrument), { maxLength: 40 }),
    marks: fc.array(fc.integer({ min: 1, max: 9_000_000 }).map(ticks), { minLength: 1, maxLength: 3 }),
  }),
);

const toFill = (leg: Leg, i: number): Fill => ({
  tradeId: `t-${i}`,
  orderId: `o-${i}`,
  symbol: 'BTCUSDT',
  side: leg.buy ? 'Buy' : 'Sell',
  price: ticks(leg.price),
  qty: lots(leg.qty),
  fee: cash(leg.fee),
  liquidity: 'taker',
  ts: micros(i),
});

function expectIdentity(position: Position, mark: Ticks): void {
  expect(position.cash + position.markedValue(mark)).toBe(position.realizedPnl + position.unrealizedPnl(mark) - position.fees);
  expect(position.equity(mark)).toBe(position.realizedPnl + position.unrealizedPnl(mark) - position.fees);
}

const state = (p: Position) => ({ qty: p.qty, costBasis: p.costBasis, realized: p.realizedPnl, fees: p.fees, cash: p.cash, fills: p.fillCount, trades: p.tradeCount });

describe('Position accounting', () => {
  test.prop([scenarioArb])('keeps cash + marked value = realized + unrealized - fees at every step', ({ instrument, legs, marks }) => {
    const position = new Position(instrument);
    legs.forEach((leg, i) => {
      const before = position.qty;
      const change = unwrap(position.applyFill(toFill(leg, i)));
      const sign = leg.buy ? 1 : -1;
      expect(position.qty).toBe(before + sign * leg.qty);
      expect(change.closed + change.opened).toBe(leg.qty);
      expect(change.closed).toBe(before * sign < 0 ? Math.min(leg.qty, Math.abs(before)) : 0);
      expect(change.flipped).toBe(change.closed > 0 && change.opened > 0);
      for (const mark of marks) expectIdentity(position, mark);
      // The cost basis has the sign of the position and vanishes with it.
      expect(Math.sign(position.costBasis)).toBe(Math.sign(position.qty));
      expect(Number.isSafeInteger(position.costBasis) && Number.isSafeInteger(position.realizedPnl)).toBe(true);
    });
  });

  test.prop([scenarioArb])('sums realized changes to realizedPnl and fills to the signed qty', ({ instrument, legs }) => {
    const position = new Position(instrument);
    let realized = 0;
    legs.forEach((leg, i) => {
      realized += unwrap(position.applyFill(toFill(leg, i))).realized;
    });
    expect(position.realizedPnl).toBe(realized);
    expect(position.qty).toBe(legs.reduce((q, l) => q + (l.buy ? l.qty : -l.qty), 0));
    // realized - costBasis is minus the signed notional of all fills, however the basis was split.
    const flow = legs.reduce((s, l) => s - (l.buy ? 1 : -1) * notional(instrument, ticks(l.price), lots(l.qty)), 0);
    expect(position.realizedPnl - position.costBasis).toBe(flow);
  });

  const permutedArb = scenarioArb.chain(({ instrument, legs }) =>
    fc.record({
      instrument: fc.constant(instrument),
      fills: fc.constant(legs.map(toFill)),
      permuted: fc.shuffledSubarray(legs.map(toFill), { minLength: legs.length, maxLength: legs.length }),
    }),
  );

  test.prop([permutedArb])('reaches the same qty, fees, cash and realized - costBasis in any fill order', ({ instrument, fills, permuted }) => {
    const a = new Position(instrument);
    const b = new Position(instrument);
    for (const f of fills) unwrap(a.applyFill(f));
    for (const f of permuted) unwrap(b.applyFill(f));
    expect(b.qty).toBe(a.qty);
    expect(b.fees).toBe(a.fees);
    expect(b.cash).toBe(a.cash);
    expect(b.fillCount).toBe(a.fillCount);
    expect(b.realizedPnl - b.costBasis).toBe(a.realizedPnl - a.costBasis);
    // The split between realized and cost basis depends on the order (average cost), except here:
    if (a.qty === 0) {
      expect(b.costBasis).toBe(0);
      expect(b.realizedPnl).toBe(a.realizedPnl);
    }
    if (fills.every((f) => f.side === 'Buy') || fills.every((f) => f.side === 'Sell')) {
      expect(b.costBasis).toBe(a.costBasis);
      expect(b.realizedPnl).toBe(0);
    }
  });

  test.prop([instrumentArb, fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.boolean(), fc.integer({ min: 1, max: 9 })), { maxLength: 40 })])(
    'refuses every repeated trade id and leaves the position untouched',
    (instrument, steps) => {
      const position = new Position(instrument);
      const seen = new Set<string>();
      let qty = 0;
      for (const [id, buy, size] of steps) {
        const f = toFill({ buy, qty: size, price: 650_000, fee: 1 }, id);
        const before = state(position);
        const result = position.applyFill(f);
        if (seen.has(f.tradeId)) {
          expect(result).toEqual({ ok: false, error: { kind: 'DuplicateTrade', tradeId: f.tradeId } });
          expect(state(position)).toEqual(before);
        } else {
          expect(result.ok).toBe(true);
          seen.add(f.tradeId);
          qty += sideSign(f.side) * size;
        }
      }
      expect(position.qty).toBe(qty);
      expect(position.fillCount).toBe(seen.size);
    },
  );

  test.prop([instrumentArb, fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 500_000, max: 800_000 })), { minLength: 1, maxLength: 10 }), fc.integer({ min: 500_000, max: 800_000 })])(
    'closing to exactly zero leaves no cost basis and realizes exactly the notional difference',
    (instrument, buys, exit) => {
      const position = new Position(instrument);
      buys.forEach(([q, p], i) => unwrap(position.applyFill(toFill({ buy: true, qty: q, price: p, fee: 0 }, i))));
      const total = buys.reduce((s, [q]) => s + q, 0);
      // Close in two uneven pieces so the first removes a rounded share of the basis.
      const first = Math.ceil(total / 3);
      unwrap(position.applyFill(toFill({ buy: false, qty: first, price: exit, fee: 0 }, 100)));
      if (total > first) unwrap(position.applyFill(toFill({ buy: false, qty: total - first, price: exit, fee: 0 }, 101)));
      expect(position.qty).toBe(0);
      expect(position.costBasis).toBe(0);
      const paid = buys.reduce((s, [q, p]) => s + notional(instrument, ticks(p), lots(q)), 0);
      expect(position.realizedPnl).toBe(notional(instrument, ticks(exit), lots(total)) - paid);
      expect(position.tradeCount).toBe(1);
    },
  );
});
