import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { RiskManager } from '../../domain/risk/risk-manager.ts';
import type { RiskConfig } from '../../domain/risk/risk-config.ts';
import { unwrap } from '../../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument } from '../../domain/values/instrument.ts';
import { CASH_PER_UNIT, cash, lots, micros, type Cash, type Micros } from '../../domain/values/units.ts';
import { RiskManagerBefore } from '../support/risk-manager-before.ts';

const btc = unwrap(createInstrument(BTCUSDT_SPEC));
const MID = 650_000;
const SECOND = 1_000_000;
const DAY = 86_400 * SECOND;
const CAPITAL = 10_000 * CASH_PER_UNIT;

const config: RiskConfig = {
  instrument: btc,
  maxPositionLots: lots(10),
  maxOrderLots: lots(4),
  maxOrderNotional: cash(4 * MID * btc.cashPerTickLot),
  priceBandBps: 20,
  maxOrders: 5,
  orderWindowMicros: micros(SECOND),
  drawdownReduceBps: 300,
  drawdownHaltBps: 600,
  dailyLossLimit: cash(800 * CASH_PER_UNIT),
  maxConsecutiveLosses: 3,
  lossCooldownMicros: micros(60 * SECOND),
  staleAfterMicros: micros(2 * SECOND),
};

// What the execution engine calls at every LIVE book (integrity, venue sync, equity), among the rarer
// calls that move the breaker: orders, closed trades, a book lost, kills and resumes, new UTC days.
const stepArb = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('book' as const), move: fc.integer({ min: -400, max: 300 }), dt: fc.integer({ min: 1, max: 3 * SECOND }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('lost' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('venue' as const), inSync: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('order' as const), buy: fc.boolean(), qty: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('trade' as const), pnl: fc.integer({ min: -100, max: 60 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kill' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('resume' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('day' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drain' as const) }) },
);

describe('the risk manager against its version before the every-book calls stopped allocating', () => {
  test.prop([fc.array(stepArb, { minLength: 1, maxLength: 300 })], { numRuns: 200 })(
    'returns and journals the same records, and reaches the same state, at every call',
    (steps) => {
      const now = new RiskManager(config);
      const before = new RiskManagerBefore(config);
      let ts = 1_767_225_600 * SECOND;
      let equity = CAPITAL;
      let orders = 0;
      const same = <T>(a: T, b: T): void => {
        expect(a).toEqual(b);
        expect(now.state).toBe(before.state);
      };
      for (const step of steps) {
        const t = ts as Micros;
        switch (step.kind) {
          case 'book':
            ts += step.dt;
            equity += step.move * CASH_PER_UNIT;
            same(now.onDataIntegrity(true, ts as Micros), before.onDataIntegrity(true, ts as Micros));
            same(now.onVenueSync(null, ts as Micros), before.onVenueSync(null, ts as Micros));
            same(now.onEquity(equity as Cash, ts as Micros), before.onEquity(equity as Cash, ts as Micros));
            break;
          case 'lost':
            same(now.onDataIntegrity(false, t), before.onDataIntegrity(false, t));
            break;
          case 'venue':
            same(now.onVenueSync(step.inSync ? null : 'stream down', t), before.onVenueSync(step.inSync ? null : 'stream down', t));
            break;
          case 'order': {
            const order = { id: `o${++orders}`, side: step.buy ? ('Buy' as const) : ('Sell' as const), qty: lots(step.qty), price: null, mid: MID, now: t };
            same(now.check(order), before.check(order));
            break;
          }
          case 'trade':
            same(now.onTradeClosed((step.pnl * CASH_PER_UNIT) as Cash, t), before.onTradeClosed((step.pnl * CASH_PER_UNIT) as Cash, t));
            break;
          case 'kill':
            same(now.kill(t, 'test'), before.kill(t, 'test'));
            break;
          case 'resume':
            same(now.resume(t, 'test'), before.resume(t, 'test'));
            break;
          case 'day':
            ts += DAY;
            break;
          case 'drain':
            same(now.drainRecords(), before.drainRecords());
            break;
        }
      }
      same(now.drainRecords(), before.drainRecords());
    },
  );

  test('a LIVE book that changes nothing records nothing and shares one empty answer', () => {
    const risk = new RiskManager(config);
    risk.onDataIntegrity(true, micros(SECOND));
    risk.onEquity(cash(CAPITAL), micros(SECOND));
    expect(risk.drainRecords().length).toBeGreaterThan(0);
    const integrity = risk.onDataIntegrity(true, micros(2 * SECOND));
    const equity = risk.onEquity(cash(CAPITAL), micros(2 * SECOND));
    expect(integrity).toEqual([]);
    expect(equity).toBe(integrity);
    expect(risk.drainRecords()).toBe(integrity);
  });
});
