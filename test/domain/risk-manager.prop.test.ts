import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { RiskManager } from '../../domain/risk/risk-manager.ts';
import type { RiskConfig } from '../../domain/risk/risk-config.ts';
import type { Side } from '../../domain/trading/side.ts';
import { unwrap } from '../../domain/result.ts';
import { BTCUSDT_SPEC, createInstrument } from '../../domain/values/instrument.ts';
import { CASH_PER_UNIT, cash, lots, micros, ticks } from '../../domain/values/units.ts';

const btc = unwrap(createInstrument(BTCUSDT_SPEC));
const MID = 650_000;
const SECOND = 1_000_000;

interface Limits {
  readonly maxPositionLots: number;
  readonly maxOrderLots: number;
  readonly notionalLots: number;
  readonly maxOrders: number;
}

const makeConfig = (c: Limits): RiskConfig => ({
  instrument: btc,
  maxPositionLots: lots(c.maxPositionLots),
  maxOrderLots: lots(c.maxOrderLots),
  // Room for `notionalLots` lots at the mid.
  maxOrderNotional: cash(c.notionalLots * MID * btc.cashPerTickLot),
  priceBandBps: 20,
  maxOrders: c.maxOrders,
  orderWindowMicros: micros(SECOND),
  drawdownReduceBps: 300,
  drawdownHaltBps: 600,
  dailyLossLimit: cash(800 * CASH_PER_UNIT),
  maxConsecutiveLosses: 3,
  lossCooldownMicros: micros(60 * SECOND),
  staleAfterMicros: micros(2 * SECOND),
});

const configArb = fc
  .record({
    maxPositionLots: fc.integer({ min: 0, max: 12 }),
    maxOrderLots: fc.integer({ min: 1, max: 6 }),
    notionalLots: fc.integer({ min: 1, max: 6 }),
    maxOrders: fc.integer({ min: 1, max: 8 }),
  })
  .map(makeConfig);

const sideArb = fc.constantFrom<Side>('Buy', 'Sell');
// Weighted so that most runs spend long stretches ACTIVE and REDUCING, with halts and kills among them.
const stepArb = fc.oneof(
  { weight: 10, arbitrary: fc.record({
    kind: fc.constant('order' as const),
    side: sideArb,
    qty: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 8 })),
    // Ticks from the mid, or null for a market order; the band is 1,300 ticks.
    offset: fc.option(fc.integer({ min: -2_000, max: 2_000 })),
    // One order in five claims to be a flatten order, whether or not a kill is on.
    flatten: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('fill' as const), pick: fc.nat(), share: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('close' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('equity' as const), change: fc.integer({ min: -250, max: 200 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('trade' as const), pnl: fc.integer({ min: -100, max: 60 }) }) },
  // The book's state from now on: LIVE, not LIVE, or silent (no updates: the feed goes stale).
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('data' as const), feed: fc.constantFrom('live', 'live', 'live', 'down', 'silent') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kill' as const) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('resume' as const) }) },
);
type Step = typeof stepArb extends fc.Arbitrary<infer S> ? S : never;

/** The test's own account of what was allowed and filled, independent of the manager's. */
class Model {
  position = 0;
  readonly open = new Map<string, { side: Side; remaining: number }>();
  openLots(side: Side): number {
    let n = 0;
    for (const o of this.open.values()) if (o.side === side) n += o.remaining;
    return n;
  }
  pick(n: number): [string, { side: Side; remaining: number }] | undefined {
    const ids = [...this.open.keys()];
    if (ids.length === 0) return undefined;
    const id = ids[n % ids.length];
    return [id, this.open.get(id)!];
  }
}

function run(config: RiskConfig, steps: readonly Step[], gaps: readonly number[]): void {
  const rm = new RiskManager(config);
  const model = new Model();
  let now = 1_700_006_400 * SECOND;
  let feed: 'live' | 'down' | 'silent' = 'live';
  // Equity walks down and up in steps of a few hundred USDT from 10,000: through the drawdown levels in many runs.
  let equity = 10_000;
  rm.onEquity(cash(equity * CASH_PER_UNIT), micros(now));
  steps.forEach((step, i) => {
    now += gaps[i % gaps.length];
    const t = micros(now);
    // The application reports the book's state on every update; a silent feed reports nothing.
    if (feed !== 'silent') rm.onDataIntegrity(feed === 'live', t);
    switch (step.kind) {
      case 'order': {
        const before = rm.state;
        const price = step.offset === null ? null : ticks(MID + step.offset);
        const id = `o${i}`;
        const result = rm.check({ id, side: step.side, qty: lots(step.qty), price, mid: MID, now: t, flatten: step.flatten });
        if (!result.ok) return;
        const sign = step.side === 'Buy' ? 1 : -1;
        expect(step.qty).toBeLessThanOrEqual(config.maxOrderLots);
        expect(step.qty * (price ?? MID) * btc.cashPerTickLot).toBeLessThanOrEqual(config.maxOrderNotional);
        // Worst case: every working order on this side fills, every other is canceled.
        const worst = model.position + sign * (model.openLots(step.side) + step.qty);
        expect(Math.abs(worst)).toBeLessThanOrEqual(config.maxPositionLots);
        if (before === 'HALTED') expect(step.flatten).toBe(true);
        if (before !== 'ACTIVE' || step.flatten) {
          // Only a reduction passes: it stays on the position's side of zero, closer to it.
          expect(Math.abs(worst)).toBeLessThan(Math.abs(model.position));
          expect(Math.sign(worst) === Math.sign(model.position) || worst === 0).toBe(true);
        }
        model.open.set(id, { side: step.side, remaining: step.qty });
        return;
      }
      case 'fill': {
        const picked = model.pick(step.pick);
        if (picked === undefined) return;
        const [id, o] = picked;
        const qty = Math.max(1, Math.floor(o.remaining * step.share));
        rm.onFill(id, o.side, lots(qty));
        model.position += o.side === 'Buy' ? qty : -qty;
        o.remaining -= qty;
        if (o.remaining === 0) {
          model.open.delete(id);
          rm.onOrderClosed(id);
        }
        return;
      }
      case 'close': {
        const picked = model.pick(step.pick);
        if (picked === undefined) return;
        model.open.delete(picked[0]);
        rm.onOrderClosed(picked[0]);
        return;
      }
      case 'equity':
        equity += step.change;
        rm.onEquity(cash(equity * CASH_PER_UNIT), t);
        return;
      case 'trade':
        rm.onTradeClosed(cash(step.pnl * CASH_PER_UNIT), t);
        return;
      case 'data':
        feed = step.feed;
        return;
      case 'kill':
        rm.kill(t, 'test');
        return;
      case 'resume':
        rm.resume(t, 'test');
        return;
    }
  });
  expect(Math.abs(model.position)).toBeLessThanOrEqual(config.maxPositionLots);
  expect(rm.position).toBe(model.position);
}

describe('risk manager properties', () => {
  test.prop([configArb, fc.array(stepArb, { minLength: 20, maxLength: 150, size: 'max' }), fc.array(fc.integer({ min: 0, max: 700_000 }), { minLength: 1, maxLength: 8 })], {
    numRuns: 300,
  })('an allowed order never breaks the position, size or notional limits, and HALTED passes only flatten orders', (config, steps, gaps) => {
    run(config, steps, gaps);
  });

  test.prop([
    fc.integer({ min: -10, max: 10 }),
    fc.array(fc.record({ side: sideArb, qty: fc.integer({ min: 1, max: 6 }), fill: fc.boolean() }), { minLength: 1, maxLength: 40 }),
  ])('in REDUCING only orders that bring |position| toward zero pass, however many are sent', (start, orders) => {
    const config = makeConfig({ maxPositionLots: 10, maxOrderLots: 10, notionalLots: 10, maxOrders: 100 });
    const rm = new RiskManager(config);
    const t = micros(1_700_006_400 * SECOND);
    rm.onDataIntegrity(true, t);
    if (start !== 0) {
      unwrap(rm.check({ id: 'start', side: start > 0 ? 'Buy' : 'Sell', qty: lots(Math.abs(start)), price: null, mid: MID, now: t }));
      rm.onFill('start', start > 0 ? 'Buy' : 'Sell', lots(Math.abs(start)));
    }
    for (let k = 0; k < config.maxConsecutiveLosses; k++) rm.onTradeClosed(cash(-1), t);
    expect(rm.state).toBe('REDUCING');
    orders.forEach((o, i) => {
      const held = rm.position;
      const open = rm.openLots;
      const r = rm.check({ id: `r${i}`, side: o.side, qty: lots(o.qty), price: null, mid: MID, now: t });
      if (!r.ok) return;
      const worst = o.side === 'Buy' ? held + open.buy + o.qty : held - open.sell - o.qty;
      expect(Math.abs(worst)).toBeLessThan(Math.abs(held));
      expect(Math.sign(worst) === Math.sign(held) || worst === 0).toBe(true);
      if (o.fill) rm.onFill(`r${i}`, o.side, lots(o.qty));
    });
  });

  test.prop([configArb, fc.array(stepArb, { maxLength: 80 })])('every refusal and trip is recorded with a time, a state and a reason', (config, steps) => {
    const rm = new RiskManager(config);
    let refusals = 0;
    steps.forEach((step, i) => {
      const t = micros(1_700_006_400 * SECOND + i);
      if (step.kind === 'order') {
        const r = rm.check({ id: `o${i}`, side: step.side, qty: lots(step.qty), price: null, mid: MID, now: t, flatten: step.flatten });
        if (!r.ok) refusals++;
      } else if (step.kind === 'data') rm.onDataIntegrity(step.feed === 'live', t);
      else if (step.kind === 'kill') rm.kill(t, 'test');
    });
    const records = rm.drainRecords();
    expect(records.filter((r) => r.kind === 'refusal')).toHaveLength(refusals);
    for (const r of records) {
      expect(r.reason.length).toBeGreaterThan(0);
      expect(['ACTIVE', 'REDUCING', 'HALTED']).toContain(r.state);
    }
  });
});
