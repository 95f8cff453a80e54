import { describe, expect, it } from 'vitest';
import type { ExecutionAction } from '../../domain/execution/action.ts';
import { marketActions } from '../../domain/execution/market.ts';
import { stepPassive as stepWith, validatePassiveParams, type PassiveInput, type PassiveParams } from '../../domain/execution/passive.ts';
import { urgencyFor } from '../../domain/execution/urgency.ts';
import { lots, micros, ticks } from '../../domain/values/units.ts';
import { btc } from '../support/builders.ts';

/** The step on BTCUSDT's grid: reasons in USDT and BTC. */
const stepPassive = (i: PassiveInput, p: PassiveParams): ExecutionAction[] => stepWith(i, p, btc);

const params: PassiveParams = {
  placement: 'join',
  followTicks: 2,
  minReplaceMicros: 500_000,
  escalateAfterMicros: 10_000_000,
  urgency: { improveFrom: 0.7, aggressiveFrom: 0.9 },
};

const T0 = 1_700_000_000_000_000;

function input(over: Partial<PassiveInput> = {}): PassiveInput {
  return {
    now: micros(T0 + 1_000_000),
    side: 'Buy',
    bestBid: ticks(650_000),
    bestAsk: ticks(650_005),
    signalHolds: true,
    confidence: 0.6,
    working: null,
    filled: lots(0),
    target: lots(10),
    startedAt: micros(T0),
    ...over,
  };
}

const kinds = (actions: ExecutionAction[]): string[] => actions.map((a) => a.kind);

describe('stepPassive: placing', () => {
  it('joins the best bid for a buy and the best ask for a sell, post-only, for the rest', () => {
    expect(stepPassive(input({ filled: lots(3) }), params)).toEqual([
      expect.objectContaining({ kind: 'place', price: 650_000, qty: 7, postOnly: true }),
    ]);
    expect(stepPassive(input({ side: 'Sell' }), params)).toEqual([expect.objectContaining({ kind: 'place', price: 650_005, qty: 10 })]);
  });

  it('improves by one tick when asked and the spread is wider than a tick', () => {
    const improve = { ...params, placement: 'improve' as const };
    expect(stepPassive(input(), improve)[0]).toMatchObject({ kind: 'place', price: 650_001 });
    expect(stepPassive(input({ side: 'Sell' }), improve)[0]).toMatchObject({ kind: 'place', price: 650_004 });
  });

  it('joins instead of improving when the spread is one tick, so the post-only order never crosses', () => {
    const improve = { ...params, placement: 'improve' as const };
    const [action] = stepPassive(input({ bestAsk: ticks(650_001) }), improve);
    expect(action).toMatchObject({ kind: 'place', price: 650_000 });
    expect(action.reason).toContain('no room to improve');
  });

  it('maps confidence to urgency: a stronger signal improves, a strong one takes at once', () => {
    expect(urgencyFor(0.5, params.urgency)).toBe('passive');
    expect(urgencyFor(0.7, params.urgency)).toBe('improve');
    expect(urgencyFor(0.95, params.urgency)).toBe('aggressive');
    expect(stepPassive(input({ confidence: 0.75 }), params)[0]).toMatchObject({ kind: 'place', price: 650_001 });
    expect(kinds(stepPassive(input({ confidence: 0.95, filled: lots(4) }), params))).toEqual(['market', 'done']);
    expect(stepPassive(input({ confidence: 0.95, filled: lots(4) }), params)[0]).toMatchObject({ qty: 6 });
  });

  it('sends the chooser\'s placement whatever the urgency: a chosen join is never improved, a chosen rest never taken', () => {
    // Urgency alone would improve at 0.75 and take at 0.95 (above); the chooser's choice is what goes out.
    expect(stepPassive(input({ confidence: 0.75, chosen: 'join' }), params)[0]).toMatchObject({ kind: 'place', price: 650_000 });
    expect(stepPassive(input({ confidence: 0.95, chosen: 'join' }), params)[0]).toMatchObject({ kind: 'place', price: 650_000 });
    expect(stepPassive(input({ confidence: 0.95, chosen: 'improve' }), params)[0]).toMatchObject({ kind: 'place', price: 650_001 });
    expect(stepPassive(input({ chosen: 'join' }), { ...params, placement: 'improve' })[0]).toMatchObject({ kind: 'place', price: 650_000 });
    expect(stepPassive(input({ chosen: 'improve' }), params)[0]?.reason).toMatch(/^improve bid 65000.0 USDT by 1 tick to 65000.1 USDT \(spread 0.5 USDT\) for 0.010 BTC/);
    // The time-out still escalates: the chooser's cost of resting counts on it.
    const late = input({ chosen: 'join', now: micros(T0 + params.escalateAfterMicros) });
    expect(kinds(stepPassive(late, params))).toEqual(['market', 'done']);
  });
});

describe('stepPassive: following the touch', () => {
  const working = { price: ticks(650_000), remaining: lots(10), placedAt: micros(T0) };

  it('holds while the touch is within k ticks, and never chases its own price', () => {
    expect(kinds(stepPassive(input({ working, bestBid: ticks(650_002), bestAsk: ticks(650_006) }), params))).toEqual(['hold']);
    // Our improved bid is the best bid: the improve rule must not step over it again.
    const own = { ...working, price: ticks(650_001) };
    expect(kinds(stepPassive(input({ working: own, bestBid: ticks(650_001) }), { ...params, placement: 'improve' }))).toEqual(['hold']);
  });

  it('replaces at the new touch once it has moved more than k ticks away', () => {
    const up = stepPassive(input({ working, bestBid: ticks(650_003), bestAsk: ticks(650_008) }), params);
    expect(up).toEqual([expect.objectContaining({ kind: 'replace', price: 650_003 })]);
    const sell = { ...working, price: ticks(650_010) };
    const down = stepPassive(input({ side: 'Sell', working: sell, bestBid: ticks(650_000), bestAsk: ticks(650_007) }), params);
    expect(down).toEqual([expect.objectContaining({ kind: 'replace', price: 650_007 })]);
  });

  it('holds a replace back until the rate limit interval has passed since the last placement', () => {
    const recent = { ...working, placedAt: micros(T0 + 800_000) };
    const moved = { working: recent, bestBid: ticks(650_004), bestAsk: ticks(650_009) };
    const held = stepPassive(input({ ...moved, now: micros(T0 + 1_000_000) }), params);
    expect(kinds(held)).toEqual(['hold']);
    expect(held[0].reason).toContain('replace held');
    const later = stepPassive(input({ ...moved, now: micros(T0 + 1_300_000) }), params);
    expect(later).toEqual([expect.objectContaining({ kind: 'replace', price: 650_004 })]);
  });

  it('cancels a child larger than what is left, to re-place the right size', () => {
    expect(kinds(stepPassive(input({ working, target: lots(6) }), params))).toEqual(['cancel']);
  });
});

describe('stepPassive: finishing', () => {
  const working = { price: ticks(650_000), remaining: lots(4), placedAt: micros(T0) };

  it('escalates to market after the timeout while the signal holds', () => {
    const late = input({ working, filled: lots(6), now: micros(T0 + params.escalateAfterMicros) });
    const actions = stepPassive(late, params);
    expect(kinds(actions)).toEqual(['cancel', 'market', 'done']);
    expect(actions[1]).toMatchObject({ qty: 4 });
    expect(kinds(stepPassive(input({ working, filled: lots(6), now: micros(T0 + params.escalateAfterMicros - 1) }), params))).toEqual(['hold']);
  });

  it('does not escalate when the signal no longer holds: it cancels and stops', () => {
    const late = input({ working, filled: lots(6), signalHolds: false, now: micros(T0 + 2 * params.escalateAfterMicros) });
    const actions = stepPassive(late, params);
    expect(kinds(actions)).toEqual(['cancel', 'done']);
    expect(actions.some((a) => a.kind === 'market')).toBe(false);
  });

  it('is done when filled, cancelling a leftover child', () => {
    expect(kinds(stepPassive(input({ filled: lots(10) }), params))).toEqual(['done']);
    expect(kinds(stepPassive(input({ filled: lots(10), working }), params))).toEqual(['cancel', 'done']);
  });

  it('gives every action a reason', () => {
    const all = [input(), input({ working }), input({ filled: lots(10) }), input({ confidence: 0.99 })].flatMap((i) => stepPassive(i, params));
    for (const a of all) expect(a.reason.length).toBeGreaterThan(0);
  });
});

describe('market policy and validation', () => {
  it('takes the rest in one market order, or is done', () => {
    expect(marketActions(lots(5), lots(2))).toEqual([expect.objectContaining({ kind: 'market', qty: 3 }), expect.objectContaining({ kind: 'done' })]);
    expect(kinds(marketActions(lots(5), lots(5)))).toEqual(['done']);
  });

  it('names the bad field', () => {
    expect(() => validatePassiveParams({ ...params, followTicks: -1 })).toThrow(/followTicks/);
    expect(() => validatePassiveParams({ ...params, escalateAfterMicros: 0 })).toThrow(/escalateAfterMicros/);
    expect(() => validatePassiveParams({ ...params, urgency: { improveFrom: 0.9, aggressiveFrom: 0.5 } })).toThrow(/aggressiveFrom/);
    expect(() => stepPassive(input({ bestAsk: ticks(650_000) }), params)).toThrow(/bestAsk/);
    expect(() => stepPassive(input({ target: lots(1.5) }), params)).toThrow(/target/);
    expect(() => urgencyFor(1.2, params.urgency)).toThrow(/confidence/);
  });
});
