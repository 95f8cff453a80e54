import { describe, expect, it } from 'vitest';
import { SignalOutcomes } from '../../domain/backtest/signal-outcomes.ts';
import type { Micros } from '../../domain/values/units.ts';

const us = (n: number): Micros => n as Micros;

describe('SignalOutcomes', () => {
  it('judges each signal at the first book at or after its horizon, against the cost', () => {
    // Mid 100 ticks (mid × 2 = 200). Cost 50 bps: a move must pass 0.5 tick of 100 to count as right.
    const o = new SignalOutcomes(50);
    o.signal(us(0), 1, 1, 200); // buy, due at 1,000 µs
    o.signal(us(100), 1, -1, 200); // sell, due at 1,100 µs
    o.signal(us(200), 1, 1, 200); // buy, due at 1,200 µs
    o.book(us(999), 300); // nothing due yet
    expect(o.counts).toEqual({ resolved: 0, hits: 0, falseSignals: 0, unresolved: 0 });
    // At 1,100 µs the mid is 101 (mid × 2 = 202): +100 bps. The buy is right, the sell is wrong (a hit
    // for neither); both due by now.
    o.book(us(1100), 202);
    expect(o.counts).toEqual({ resolved: 2, hits: 1, falseSignals: 1, unresolved: 0 });
    // At 1,300 µs the mid is 100.25 (200.5): +25 bps for the last buy, a hit that does not cover 50 bps.
    o.book(us(1300), 200.5);
    expect(o.counts).toEqual({ resolved: 3, hits: 2, falseSignals: 2, unresolved: 0 });
  });

  it('counts signals without a mid, and those still pending at the end, as unresolved', () => {
    const o = new SignalOutcomes(0);
    o.signal(us(0), 1000, 1, null);
    o.signal(us(0), 1000, -1, 200);
    o.book(us(10), null);
    expect(o.final()).toEqual({ resolved: 0, hits: 0, falseSignals: 0, unresolved: 2 });
  });

  it('refuses a negative or non-finite cost', () => {
    expect(() => new SignalOutcomes(-1)).toThrow(/cost must be ≥ 0 bps/);
    expect(() => new SignalOutcomes(NaN)).toThrow(RangeError);
  });
});
