import { describe, expect, it } from 'vitest';
import { BYBIT_LINEAR_FEES, feeForFill } from '../../domain/trading/fees.ts';
import type { Fill, Liquidity } from '../../domain/trading/fill.ts';
import { Position } from '../../domain/trading/position.ts';
import type { Side } from '../../domain/trading/side.ts';
import { unwrap } from '../../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument, priceToTicks, qtyToLots } from '../../domain/values/instrument.ts';
import { cash, micros, ticks, type Ticks } from '../../domain/values/units.ts';

const btc = unwrap(createInstrument(BTCUSDT_SPEC));
let nextId = 0;

/** A BTCUSDT fill from the venue's decimal text, with the Bybit non-VIP fee for its liquidity. */
function fill(side: Side, qty: string, price: string, liquidity: Liquidity = 'taker', tradeId = `t-${++nextId}`): Fill {
  const p = unwrap(priceToTicks(btc, price));
  const q = unwrap(qtyToLots(btc, qty));
  const fee = feeForFill(btc, p, q, liquidity, BYBIT_LINEAR_FEES);
  return { tradeId, orderId: 'o-1', symbol: 'BTCUSDT', side, price: p, qty: q, fee, liquidity, ts: micros(0) };
}

const mark = (price: string): Ticks => unwrap(priceToTicks(btc, price));

/** The identity the accounting keeps exactly: cash + marked value = realized + unrealized - fees. */
function expectIdentity(position: Position, at: Ticks): void {
  expect(position.cash + position.markedValue(at)).toBe(position.realizedPnl + position.unrealizedPnl(at) - position.fees);
  expect(position.equity(at)).toBe(position.cash + position.markedValue(at));
}

describe('Position', () => {
  it('realizes exactly 0.4 USDT on buy 0.010 at 65000.0, sell 0.004 at 65100.0', () => {
    const position = new Position(btc);
    unwrap(position.applyFill(fill('Buy', '0.010', '65000.0')));
    const change = unwrap(position.applyFill(fill('Sell', '0.004', '65100.0')));
    // 0.004 BTC x 100 USDT = 0.4 USDT = 40_000_000 Cash.
    expect(change).toEqual({ realized: 40_000_000, opened: 0, closed: 4, flipped: false });
    expect(position.realizedPnl).toBe(40_000_000);
    expect(position.qty).toBe(6);
    // 0.006 BTC x 65000 = 390 USDT of cost left.
    expect(position.costBasis).toBe(39_000_000_000);
    expect(position.avgEntryTicks()).toBe(650_000);
    // Taker fees at 550 ppm: 650 USDT -> 0.3575 USDT, 260.4 USDT -> 0.14322 USDT.
    expect(position.fees).toBe(35_750_000 + 14_322_000);
    // Paid 650 USDT, received 260.4 USDT, and the fees.
    expect(position.cash).toBe(-65_000_000_000 + 26_040_000_000 - 50_072_000);
    // Marked at 65200.0: 0.006 x 200 = 1.2 USDT unrealized; equity 0.4 + 1.2 - 0.50072 USDT.
    expect(position.unrealizedPnl(mark('65200.0'))).toBe(120_000_000);
    expect(position.equity(mark('65200.0'))).toBe(109_928_000);
    expect(position.fillCount).toBe(2);
    expect(position.tradeCount).toBe(0);
    expectIdentity(position, mark('65200.0'));
  });

  it('realizes a short the other way: sell 0.010 at 65000.0, buy 0.004 at 64900.0 earns 0.4 USDT', () => {
    const position = new Position(btc);
    unwrap(position.applyFill(fill('Sell', '0.010', '65000.0', 'maker')));
    expect(position.costBasis).toBe(-65_000_000_000);
    unwrap(position.applyFill(fill('Buy', '0.004', '64900.0', 'maker')));
    expect(position.realizedPnl).toBe(40_000_000);
    expect(position.qty).toBe(-6);
    expect(position.costBasis).toBe(-39_000_000_000);
    // Maker fees at 200 ppm: 650 USDT -> 0.13 USDT, 259.6 USDT -> 0.05192 USDT.
    expect(position.fees).toBe(13_000_000 + 5_192_000);
    expect(position.unrealizedPnl(mark('64000.0'))).toBe(600_000_000); // 0.006 x 1000 USDT
    expectIdentity(position, mark('64000.0'));
  });

  it('flips through zero: closes the long at the fill price, then opens the rest short there', () => {
    const position = new Position(btc);
    unwrap(position.applyFill(fill('Buy', '0.003', '65000.0')));
    const change = unwrap(position.applyFill(fill('Sell', '0.005', '64900.0')));
    // 0.003 x -100 USDT = -0.3 USDT realized; 0.002 BTC short at 64900.0 remains.
    expect(change).toEqual({ realized: -30_000_000, opened: 2, closed: 3, flipped: true });
    expect(position.qty).toBe(-2);
    expect(position.costBasis).toBe(-12_980_000_000);
    expect(position.avgEntryTicks()).toBe(649_000);
    expect(position.tradeCount).toBe(1);
    expectIdentity(position, mark('64800.0'));
  });

  it('closes to exactly zero after an uneven split of the cost basis', () => {
    const position = new Position(btc);
    unwrap(position.applyFill(fill('Buy', '0.003', '65000.1')));
    unwrap(position.applyFill(fill('Buy', '0.004', '65000.3')));
    expect(position.costBasis).toBe(45_500_150_000);
    // 2/7 of 45_500_150_000 is 13_000_042_857.14..., rounded to 13_000_042_857.
    const first = unwrap(position.applyFill(fill('Sell', '0.002', '65001.0')));
    expect(first.realized).toBe(13_000_200_000 - 13_000_042_857);
    const last = unwrap(position.applyFill(fill('Sell', '0.005', '65000.0')));
    expect(last.realized).toBe(32_500_000_000 - (45_500_150_000 - 13_000_042_857));
    expect(position.qty).toBe(0);
    expect(position.costBasis).toBe(0);
    expect(position.avgEntryTicks()).toBeNull();
    // Bought 4_550_015 tick-lots, sold 4_550_020: 5 x 10_000 Cash, whatever the split.
    expect(position.realizedPnl).toBe(50_000);
    expect(position.unrealizedPnl(mark('70000.0'))).toBe(0);
    expect(position.tradeCount).toBe(1);
    expectIdentity(position, mark('70000.0'));
  });

  it('rounds a half Cash of removed cost basis away from zero, long and short alike', () => {
    // 31 lots at 650000 and 1 at 650001: basis 20_800_001 tick-lots; 1/32 of it is 6_500_000_312.5 Cash.
    for (const [open, close, sign] of [['Buy', 'Sell', 1], ['Sell', 'Buy', -1]] as const) {
      const position = new Position(btc);
      unwrap(position.applyFill(fill(open, '0.031', '65000.0')));
      unwrap(position.applyFill(fill(open, '0.001', '65000.1')));
      const change = unwrap(position.applyFill(fill(close, '0.001', '65000.0')));
      expect(change.realized).toBe(sign * (6_500_000_000 - 6_500_000_313));
      expect(position.costBasis).toBe(sign * (208_000_010_000 - 6_500_000_313));
      expectIdentity(position, mark('65000.0'));
    }
  });

  it('refuses a trade id seen before and changes nothing', () => {
    const position = new Position(btc);
    const first = fill('Buy', '0.010', '65000.0');
    unwrap(position.applyFill(first));
    const before = { qty: position.qty, cash: position.cash, fees: position.fees, basis: position.costBasis };
    const again = position.applyFill({ ...fill('Sell', '0.001', '66000.0'), tradeId: first.tradeId });
    expect(again).toEqual({ ok: false, error: { kind: 'DuplicateTrade', tradeId: first.tradeId } });
    expect({ qty: position.qty, cash: position.cash, fees: position.fees, basis: position.costBasis }).toEqual(before);
    expect(position.fillCount).toBe(1);
  });

  it('refuses a fill for another symbol without remembering its trade id', () => {
    const position = new Position(btc);
    const other = { ...fill('Buy', '0.010', '65000.0'), symbol: 'ETHUSDT' };
    expect(position.applyFill(other)).toEqual({ ok: false, error: { kind: 'SymbolMismatch', expected: 'BTCUSDT', actual: 'ETHUSDT' } });
    expect(position.applyFill({ ...other, symbol: 'BTCUSDT' }).ok).toBe(true);
  });

  it('counts rebates as negative fees that add to cash', () => {
    const position = new Position(btc);
    unwrap(position.applyFill({ ...fill('Buy', '0.010', '65000.0', 'maker'), fee: cash(-3_250_000) }));
    expect(position.fees).toBe(-3_250_000);
    expect(position.cash).toBe(-65_000_000_000 + 3_250_000);
    expectIdentity(position, mark('65000.0'));
  });

  it('throws on a fill off the grid: a bug upstream, not a market outcome', () => {
    const position = new Position(btc);
    expect(() => position.applyFill({ ...fill('Buy', '0.010', '65000.0'), qty: 0 as Fill['qty'] })).toThrow(RangeError);
    expect(() => position.applyFill({ ...fill('Buy', '0.010', '65000.0'), price: ticks(1.5) })).toThrow(RangeError);
    expect(position.fillCount).toBe(0);
  });
});

describe('Position funding', () => {
  it('moves cash and equity by the settlement, never the position, and keeps the cash identity', () => {
    const p = new Position(unwrap(createInstrument(BTCUSDT_SPEC)));
    p.applyFunding(cash(-250));
    p.applyFunding(cash(100));
    expect(p.funding).toBe(-150);
    expect(p.cash).toBe(-150);
    expect(p.qty).toBe(0);
    // cash = realizedPnl - costBasis - fees + funding
    expect(p.cash).toBe(p.realizedPnl - p.costBasis - p.fees + p.funding);
    expect(p.equity(900_000 as Ticks)).toBe(-150);
    expect(() => p.applyFunding(0.5 as ReturnType<typeof cash>)).toThrow(/funding 0.5 is not an integer of Cash/);
  });
});
