import { describe, expect, it } from 'vitest';
import { RiskManager, type RiskOrder } from '../../domain/risk/risk-manager.ts';
import type { RiskConfig } from '../../domain/risk/risk-config.ts';
import { unwrap } from '../../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument } from '../../domain/values/instrument.ts';
import { CASH_PER_UNIT, cash, lots, micros, ticks } from '../../domain/values/units.ts';

const btc = unwrap(createInstrument(BTCUSDT_SPEC));
const MID = 650_000; // 65,000.0 USDT: one lot is 65 USDT.
const SECOND = 1_000_000;
const T0 = 1_700_006_400 * SECOND; // 2023-11-15 00:00:00 UTC, the start of a day.
const usdt = (n: number) => cash(n * CASH_PER_UNIT);

const config: RiskConfig = {
  instrument: btc,
  maxPositionLots: lots(10),
  maxOrderLots: lots(5),
  maxOrderNotional: usdt(300), // 4 lots at the mid (260 USDT) pass, 5 (325 USDT) do not.
  priceBandBps: 20, // 1,300 ticks at the mid.
  maxOrders: 3,
  orderWindowMicros: micros(SECOND),
  drawdownReduceBps: 500,
  drawdownHaltBps: 1_000,
  dailyLossLimit: usdt(300),
  maxConsecutiveLosses: 3,
  lossCooldownMicros: micros(60 * SECOND),
  staleAfterMicros: micros(2 * SECOND),
};

let seq = 0;
function order(over: Partial<RiskOrder> & { at?: number } = {}): RiskOrder {
  const { at = T0, ...rest } = over;
  return { id: `o${++seq}`, side: 'Buy', qty: lots(1), price: null, mid: MID, now: micros(at), ...rest };
}

/** A manager with a LIVE book, 10,000 USDT of equity at T0, and no rate-limit history. */
function manager(c: RiskConfig = config): RiskManager {
  const rm = new RiskManager(c);
  rm.onDataIntegrity(true, micros(T0));
  rm.onEquity(usdt(10_000), micros(T0));
  return rm;
}

const rule = (r: ReturnType<RiskManager['check']>): string => (r.ok ? 'ok' : r.error.rule);

describe('pre-trade checks', () => {
  it('halts until the first LIVE book', () => {
    const rm = new RiskManager(config);
    expect(rm.state).toBe('HALTED');
    expect(rule(rm.check(order()))).toBe('halted');
    rm.onDataIntegrity(true, micros(T0));
    expect(rm.state).toBe('ACTIVE');
    expect(rule(rm.check(order()))).toBe('ok');
  });

  it('counts working orders in the position limit, buys and sells apart', () => {
    const rm = manager();
    const first = order({ qty: lots(4) });
    expect(rule(rm.check(first))).toBe('ok');
    expect(rule(rm.check(order({ qty: lots(4), at: T0 + 400_000 })))).toBe('ok');
    // A working sell does not make room for more buys: it may be canceled while the buys fill.
    expect(rule(rm.check(order({ side: 'Sell', qty: lots(4), at: T0 + 800_000 })))).toBe('ok');
    expect(rule(rm.check(order({ qty: lots(3), at: T0 + 1_200_000 })))).toBe('maxPosition');
    rm.onOrderClosed(first.id);
    expect(rule(rm.check(order({ qty: lots(2), at: T0 + 1_600_000 })))).toBe('ok');
  });

  it('moves filled lots from the working rest to the position', () => {
    const rm = manager();
    const o = order({ qty: lots(4) });
    rm.check(o);
    rm.onFill(o.id, 'Buy', lots(3));
    expect(rm.position).toBe(3);
    expect(rm.openLots).toEqual({ buy: 1, sell: 0 });
    rm.onOrderClosed(o.id);
    expect(rm.openLots).toEqual({ buy: 0, sell: 0 });
  });

  it('limits order size in lots and in notional at the limit price', () => {
    const rm = manager();
    expect(rule(rm.check(order({ qty: lots(6) })))).toBe('maxOrderLots');
    expect(rule(rm.check(order({ qty: lots(5) })))).toBe('maxOrderNotional');
    // 4 lots at 75,000 USDT is 300 USDT: at the limit. A tick higher is above it.
    expect(rule(rm.check(order({ qty: lots(4), price: ticks(750_000), mid: 749_000 })))).toBe('ok');
    expect(rule(rm.check(order({ qty: lots(4), price: ticks(750_001), mid: 749_000, at: T0 + SECOND })))).toBe('maxOrderNotional');
  });

  it('keeps limit prices within the band around the mid', () => {
    const rm = manager();
    expect(rule(rm.check(order({ price: ticks(MID + 1_300) })))).toBe('ok');
    expect(rule(rm.check(order({ price: ticks(MID - 1_301) })))).toBe('priceBand');
    expect(rule(rm.check(order({ price: ticks(MID + 1_301) })))).toBe('priceBand');
  });

  it('allows at most maxOrders orders and amends in any rolling window', () => {
    const rm = manager();
    for (let i = 0; i < 3; i++) expect(rule(rm.check(order({ at: T0 + i * 100_000 })))).toBe('ok');
    expect(rule(rm.check(order({ at: T0 + 900_000 })))).toBe('orderRate');
    expect(rm.checkAmend('o-any', ticks(MID), MID, micros(T0 + 900_000)).ok).toBe(false);
    // The window is (now - 1 s, now]: the first order leaves it one second after it was sent.
    expect(rule(rm.check(order({ at: T0 + SECOND - 1 })))).toBe('orderRate');
    expect(rule(rm.check(order({ at: T0 + SECOND })))).toBe('ok');
  });

  it('records each refusal with its time, state and reason', () => {
    const rm = manager();
    rm.drainRecords();
    rm.check(order({ qty: lots(6), at: T0 + 5 }));
    const records = rm.drainRecords();
    expect(records).toEqual([expect.objectContaining({ ts: T0 + 5, state: 'ACTIVE', cause: 'maxOrderLots', kind: 'refusal' })]);
    expect(records[0].reason).toMatch(/6 lots > max 5/);
    expect(rm.drainRecords()).toEqual([]);
  });
});

describe('circuit breakers', () => {
  it('reduces on drawdown, lifts on recovery, halts past the halt level until resumed', () => {
    const rm = manager({ ...config, dailyLossLimit: usdt(5_000) });
    const long = order({ qty: lots(2) });
    rm.check(long);
    rm.onFill(long.id, 'Buy', lots(2));
    expect(rm.onEquity(usdt(9_400), micros(T0 + SECOND))).toEqual([expect.objectContaining({ state: 'REDUCING', cause: 'drawdown' })]);
    expect(rule(rm.check(order({ at: T0 + 2 * SECOND })))).toBe('reducing');
    expect(rule(rm.check(order({ side: 'Sell', qty: lots(2), at: T0 + 2 * SECOND })))).toBe('ok');
    rm.onEquity(usdt(9_600), micros(T0 + 3 * SECOND));
    expect(rm.state).toBe('ACTIVE');
    rm.onEquity(usdt(8_900), micros(T0 + 4 * SECOND));
    expect(rm.state).toBe('HALTED');
    rm.onEquity(usdt(10_000), micros(T0 + 5 * SECOND));
    expect(rm.state).toBe('HALTED');
    rm.resume(micros(T0 + 6 * SECOND), 'operator');
    expect(rm.state).toBe('ACTIVE');
  });

  it('halts on the daily loss until the next UTC day', () => {
    const rm = manager();
    rm.onEquity(usdt(9_750), micros(T0 + SECOND));
    expect(rm.state).toBe('ACTIVE');
    // 310 USDT below the day's first equity; the drawdown (3.1 %) is below the reduce level.
    rm.onEquity(usdt(9_690), micros(T0 + 2 * SECOND));
    expect(rm.state).toBe('HALTED');
    rm.onEquity(usdt(9_690), micros(T0 + 86_399 * SECOND));
    expect(rm.state).toBe('HALTED');
    rm.onEquity(usdt(9_690), micros(T0 + 86_400 * SECOND));
    expect(rm.state).toBe('ACTIVE');
  });

  it('reduces after consecutive losses and lifts on a win', () => {
    const rm = manager();
    rm.onTradeClosed(cash(-1), micros(T0));
    rm.onTradeClosed(cash(-1), micros(T0));
    rm.onTradeClosed(cash(5), micros(T0));
    rm.onTradeClosed(cash(-1), micros(T0));
    rm.onTradeClosed(cash(-1), micros(T0));
    expect(rm.state).toBe('ACTIVE');
    rm.onTradeClosed(cash(-1), micros(T0));
    expect(rm.state).toBe('REDUCING');
    rm.onTradeClosed(cash(1), micros(T0));
    expect(rm.state).toBe('ACTIVE');
  });

  it('lifts a losing streak after its cool-down, so a flat book is not stuck in REDUCING', () => {
    const rm = manager();
    rm.onDataIntegrity(true, micros(T0));
    for (let k = 0; k < 3; k++) rm.onTradeClosed(cash(-1), micros(T0));
    expect(rm.state).toBe('REDUCING');
    // Flat and REDUCING: nothing reduces, so nothing can trade until the cool-down (60 s) has passed.
    rm.onDataIntegrity(true, micros(T0 + 59 * SECOND));
    expect(rule(rm.check(order({ at: T0 + 59 * SECOND })))).toBe('reducing');
    rm.onDataIntegrity(true, micros(T0 + 60 * SECOND));
    expect(rule(rm.check(order({ at: T0 + 60 * SECOND })))).toBe('ok');
    expect(rm.state).toBe('ACTIVE');
    expect(rm.drainRecords().some((r) => r.kind === 'clear' && r.cause === 'consecutiveLosses' && /cool-down/.test(r.reason))).toBe(true);
  });

  it('halts entries while the book is not LIVE and when the feed goes stale', () => {
    const rm = manager();
    rm.onDataIntegrity(false, micros(T0 + SECOND));
    expect(rule(rm.check(order({ at: T0 + SECOND })))).toBe('halted');
    rm.onDataIntegrity(true, micros(T0 + 2 * SECOND));
    expect(rule(rm.check(order({ at: T0 + 2 * SECOND })))).toBe('ok');
    expect(rule(rm.check(order({ at: T0 + 4 * SECOND })))).toBe('ok');
    const stale = rm.check(order({ at: T0 + 4 * SECOND + 1 }));
    expect(stale.ok ? '' : stale.error.reason).toMatch(/staleFeed/);
    rm.onDataIntegrity(true, micros(T0 + 5 * SECOND));
    expect(rm.state).toBe('ACTIVE');
  });

  it('halts entries while the venue is out of sync, with its reason, and lifts when it is back', () => {
    const rm = manager();
    rm.drainRecords();
    expect(rm.onVenueSync(null, micros(T0))).toEqual([]);
    const [tripped] = rm.onVenueSync('the Bybit private stream is down; reconnecting', micros(T0 + SECOND));
    expect(tripped).toMatchObject({ kind: 'trip', cause: 'venueSync', state: 'HALTED' });
    // The same gap again is not stored twice.
    expect(rm.onVenueSync('the Bybit private stream is down; reconnecting', micros(T0 + SECOND))).toEqual([]);
    const refused = rm.check(order({ at: T0 + SECOND }));
    expect(refused.ok ? '' : refused.error.reason).toMatch(/venueSync.*private stream is down/);
    const [cleared] = rm.onVenueSync(null, micros(T0 + 2 * SECOND));
    expect(cleared).toMatchObject({ kind: 'clear', cause: 'venueSync', state: 'ACTIVE' });
    expect(rule(rm.check(order({ at: T0 + 2 * SECOND })))).toBe('ok');
  });
});

describe('kill switch', () => {
  it('halts, asks to flatten, and lets only reduce-only flatten orders through', () => {
    const rm = manager();
    const long = order({ qty: lots(3) });
    rm.check(long);
    rm.onFill(long.id, 'Buy', lots(3));
    expect(rule(rm.check(order({ side: 'Sell', qty: lots(1), flatten: true })))).toBe('flatten');
    const { records, flatten } = rm.kill(micros(T0 + SECOND), 'operator command');
    expect(records).toEqual([expect.objectContaining({ state: 'HALTED', cause: 'kill' })]);
    expect(flatten).toEqual({ cancelAll: true, side: 'Sell', lots: 3, maxChildLots: 5 });
    expect(rule(rm.check(order({ side: 'Sell', qty: lots(1), at: T0 + SECOND })))).toBe('halted');
    expect(rule(rm.check(order({ side: 'Sell', qty: lots(4), flatten: true, at: T0 + SECOND })))).toBe('flatten');
    expect(rule(rm.check(order({ side: 'Buy', qty: lots(1), flatten: true, at: T0 + SECOND })))).toBe('flatten');
    expect(rule(rm.check(order({ side: 'Sell', qty: lots(3), flatten: true, at: T0 + SECOND })))).toBe('ok');
    rm.resume(micros(T0 + 2 * SECOND), 'operator');
    expect(rm.state).toBe('ACTIVE');
  });

  it('asks for nothing to flatten when flat', () => {
    expect(manager().kill(micros(T0), 'SIGTERM').flatten).toMatchObject({ side: null, lots: 0 });
  });
});

describe('validation', () => {
  it('names the bad config field and order field', () => {
    expect(() => new RiskManager({ ...config, maxOrderLots: lots(0) })).toThrow(/maxOrderLots/);
    expect(() => new RiskManager({ ...config, drawdownHaltBps: 100 })).toThrow(/drawdownHaltBps/);
    expect(() => new RiskManager({ ...config, staleAfterMicros: micros(-1) })).toThrow(/staleAfterMicros/);
    expect(() => manager().check(order({ qty: lots(1.5) }))).toThrow(/qty/);
    expect(() => manager().check(order({ mid: Number.NaN }))).toThrow(/mid/);
  });
});
