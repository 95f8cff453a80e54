import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { positionRoom, sizeDecision } from '../../application/order-sizing.ts';
import { executionSettings } from '../../composition/execution-settings.ts';
import { OrderBook } from '../../domain/market/order-book.ts';
import type { Lots } from '../../domain/values/units.ts';
import type { Micros } from '../../domain/values/units.ts';
import { btc, levelBuffer } from '../support/builders.ts';

/*
 * A decision is one order within the risk manager's order limits: sized beyond them it was refused
 * whole at every signal, and the baseline, short at the position limit, could never buy back (twice
 * the limit in one order), as a live soak against the local Bybit server showed (refused 4,459 times).
 */
const settings = executionSettings({ policy: 'baseline', capitalUsdt: 40_000, maxPositionLots: 10 as Lots, threshold: 0.5 });
const MID = 650_000;
const moment = (side: 'Buy' | 'Sell', exposure: number) => ({
  side, confidence: 0.9, mid: MID, book: new OrderBook(btc), volBps: null, equity: settings.capital, exposure: exposure as Lots,
});

describe('the size of a decision', () => {
  it('reverses through the position limit in orders the risk manager takes', () => {
    expect(settings.risk.maxOrderLots).toBe(10);
    const back = sizeDecision(settings, btc, moment('Buy', -10));
    expect(back.qty).toBe(10);
    expect(back.explanation).toMatch(/order limit 0.010 BTC ← bound/);
    // Within the limit nothing changes: 5% of 40,000 USDT at 65,000 is 30 lots, the room 10.
    expect(sizeDecision(settings, btc, moment('Sell', 0))).toMatchObject({ qty: 10 });
    expect(sizeDecision(settings, btc, moment('Sell', -10)).qty).toBe(0);
  });

  test.prop([fc.constantFrom<'Buy' | 'Sell'>('Buy', 'Sell'), fc.integer({ min: -10, max: 10 })])(
    'never asks for more than the order limits allow, nor past the position limit',
    (side, exposure) => {
      const qty: number = sizeDecision(settings, btc, moment(side, exposure)).qty;
      expect(qty).toBeGreaterThanOrEqual(0);
      expect(qty).toBeLessThanOrEqual(settings.risk.maxOrderLots);
      expect(Math.abs(exposure + (side === 'Buy' ? qty : -qty))).toBeLessThanOrEqual(settings.risk.maxPositionLots);
    },
  );
});

/** A book around 65,000 USDT: one-tick spread, `touch` lots at each best price, `behind` lots a level behind. */
function bookWith(touch: number, behind = 20): OrderBook {
  const book = new OrderBook(btc);
  const t = 1_700_000_000_000_000 as Micros;
  const bids: Array<[number, number]> = [[MID, touch], ...Array.from({ length: 60 }, (_, i): [number, number] => [MID - 1 - i, behind])];
  const asks: Array<[number, number]> = [[MID + 1, touch], ...Array.from({ length: 60 }, (_, i): [number, number] => [MID + 2 + i, behind])];
  const applied = book.applyLevels({ type: 'snapshot', u: 1, seq: 1, ts: t, cts: t, recvTime: t, bids: levelBuffer(bids), asks: levelBuffer(asks) });
  if (!applied.ok) throw new Error('book refused');
  return book;
}

/*
 * The shipped settings' limits bind at volatility and liquidity the real captures show
 * (docs/execution.md): the volatility cap weighs the mid's σ over 5 minutes against 0.6 bps of equity,
 * which is 5% of equity at 12 bps, about the captures' median (13 bps on Binance USD-M 2024-08-08 and
 * spot, 5 bps on USD-M 2024-07-18/19); the liquidity cost of taking the whole order from the book is
 * read from the book and held to 0.1 bps over the mid.
 */
describe('the smart policy\'s caps under the shipped settings', () => {
  const smart = executionSettings({ policy: 'smart', capitalUsdt: 100_000, maxPositionLots: 1_000 as Lots, threshold: 0.5 });
  const at = (volBps: number | null, touch = 5_000, behind = 20) => ({
    side: 'Buy' as const, confidence: 1, mid: MID + 0.5, book: bookWith(touch, behind), volBps, equity: smart.capital, exposure: 0 as Lots,
  });

  it('sizes by confidence in a market as calm as the captures\' median, and by volatility when it moves faster', () => {
    // 5% of 100,000 USDT at 65,000 is 76 lots.
    expect(sizeDecision(smart, btc, at(10))).toMatchObject({ qty: 76, limitedBy: 'confidence' });
    // At twice the captures' median σ over 5 minutes, half of it: 100,000 × 0.6 bps / 26 bps = 230 USDT of risk budget… 35 lots.
    const fast = sizeDecision(smart, btc, at(26));
    expect(fast.limitedBy).toBe('volatility');
    expect(fast.qty).toBe(Math.floor((100_000 * 0.6) / 26 / 65.0000325));
    expect(fast.explanation).toMatch(/vol 26\.0 bps over 5m, risk 0\.6 bps → cap 0\.035 BTC ← bound/);
  });

  it('caps an order that would walk a thin book past 0.1 bps over the mid', () => {
    // A touch of 2 lots, then 2 a tick: 76 lots would take 38 levels, about 19 ticks (0.3 bps) over the mid;
    // 0.1 bps is 6.5 ticks, which about 13 levels, 26 lots, reach.
    const thin = sizeDecision(smart, btc, at(10, 2, 2));
    expect(thin.limitedBy).toBe('liquidityCost');
    expect(thin.qty).toBeGreaterThan(20);
    expect(thin.qty).toBeLessThan(30);
    expect(thin.explanation).toMatch(/liq cost <= 0\.1 bps → cap 0\.0\d\d BTC ← bound/);
    // The same order against a deep touch costs the half spread: no cap.
    expect(sizeDecision(smart, btc, at(10, 5_000)).limitedBy).toBe('confidence');
  });
});

/*
 * The engine sizes nothing for a signal the position limit leaves no room for (`positionRoom` at or
 * below zero): it is sized to zero lots whatever the book, the confidence and the volatility, under
 * either policy.
 */
describe('a decision with no room left', () => {
  const smart = executionSettings({ policy: 'smart', capitalUsdt: 100_000, maxPositionLots: 10 as Lots, threshold: 0.5 });
  test.prop([
    fc.constantFrom(settings, smart),
    fc.constantFrom<'Buy' | 'Sell'>('Buy', 'Sell'),
    fc.integer({ min: 0, max: 5 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.option(fc.double({ min: 0, max: 200, noNaN: true })),
    fc.integer({ min: 1, max: 5_000 }),
  ])('is sized to zero lots, as the engine takes it without sizing', (policy, side, beyond, confidence, volBps, touch) => {
    const max = policy.risk.maxPositionLots;
    const exposure = ((side === 'Buy' ? 1 : -1) * (max + beyond)) as Lots;
    expect(positionRoom(policy, side, exposure)).toBeLessThanOrEqual(0);
    const sized = sizeDecision(policy, btc, { side, confidence, mid: MID + 0.5, book: bookWith(touch), volBps, equity: policy.capital, exposure });
    expect(sized.qty).toBe(0);
  });

  it('has room short of the limit', () => {
    expect(positionRoom(smart, 'Buy', 9 as Lots)).toBe(1);
    expect(positionRoom(smart, 'Sell', 9 as Lots)).toBe(19);
    expect(positionRoom(smart, 'Sell', -10 as Lots)).toBe(0);
  });
});
