import { describe, expect, it } from 'vitest';
import { signalStats } from '../../domain/model/validation/metrics.ts';
import { chooseThreshold } from '../../domain/model/validation/threshold.ts';

// Rows (score, confidence, realized bps), round-trip cost 2 bps:
//   0: ( 1, 0.9,   5) right
//   1: (-1, 0.8,  -3) right
//   2: ( 1, 0.8,   1) false: the right sign, but 1 does not cover 2
//   3: ( 1, 0.7,  -4) false
//   4: (-1, 0.6,  -6) right
//   5: ( 1, 0.5,   3) right
//   6: ( 0, 0.95,  9) no signal: a zero score
//   7: ( 1, 0.4,  -2) false
// The sweep, by falling confidence (row 6 is never a signal, so 0.95 is no candidate):
//   t = 0.9: rows {0}            signals 1, false 0, rate 0
//   t = 0.8: rows {0, 1, 2}      signals 3, false 1, rate 1/3
//   t = 0.7: + row 3             signals 4, false 2, rate 1/2
//   t = 0.6: + row 4             signals 5, false 2, rate 2/5
//   t = 0.5: + row 5             signals 6, false 2, rate 1/3
//   t = 0.4: + row 7             signals 7, false 3, rate 3/7
const score = [1, -1, 1, 1, -1, 1, 0, 1];
const confidence = [0.9, 0.8, 0.8, 0.7, 0.6, 0.5, 0.95, 0.4];
const realized = [5, -3, 1, -4, -6, 3, 9, -2];
const choose = (targetFalseSignalRate: number, minSignals: number) =>
  chooseThreshold(score, confidence, realized, { targetFalseSignalRate, costBps: 2, minSignals });

describe('chooseThreshold', () => {
  it('keeps the most signals within the target', () => {
    // Within 0.35: t = 0.9, 0.8 and 0.5; 0.5 leaves the most. Hits (sign only) among its 6: all but row 3.
    expect(choose(0.35, 1)).toEqual({ threshold: 0.5, signals: 6, falseSignalRate: 1 / 3, hitRate: 5 / 6, met: true });
    // Within 0.45 every threshold but 0.7 qualifies; 0.4 leaves all seven.
    expect(choose(0.45, 1)).toMatchObject({ threshold: 0.4, signals: 7, met: true });
    // Within 0.2 only t = 0.9.
    expect(choose(0.2, 1)).toEqual({ threshold: 0.9, signals: 1, falseSignalRate: 0, hitRate: 1, met: true });
  });

  it('agrees with signalStats at the threshold it picks', () => {
    const c = choose(0.35, 1);
    const s = signalStats(score, confidence, realized, c.threshold, 2);
    expect([s.signals, s.falseSignalRate, s.hitRate]).toEqual([c.signals, c.falseSignalRate, c.hitRate]);
  });

  it('abstains (threshold 1, no signal) when no threshold meets the target, saying how close the best came', () => {
    // Within 0.2 only t = 0.9 with 1 signal; with minSignals 2 the lowest rate left is 1/3: no fallback to it.
    const c = choose(0.2, 2);
    expect(c).toMatchObject({ threshold: 1, signals: 0, met: false, bestFalseSignalRate: 1 / 3 });
    expect(c.falseSignalRate).toBeNaN();
    // minSignals 7 leaves only t = 0.4 (3 of 7 false), which misses the target.
    expect(choose(0.2, 7)).toMatchObject({ threshold: 1, signals: 0, met: false, bestFalseSignalRate: 3 / 7 });
  });

  it('abstains when no threshold has minSignals', () => {
    const c = choose(0.2, 8);
    expect(c).toMatchObject({ threshold: 1, signals: 0, met: false });
    expect(c.falseSignalRate).toBeNaN();
    expect(c.hitRate).toBeNaN();
    expect(c.bestFalseSignalRate).toBeNaN();
    expect(chooseThreshold([], [], [], { targetFalseSignalRate: 0.2, costBps: 0, minSignals: 1 })).toMatchObject({ threshold: 1, signals: 0 });
  });

  it('refuses bad input, naming it', () => {
    const o = { targetFalseSignalRate: 0.2, costBps: 2, minSignals: 1 };
    expect(() => chooseThreshold([1], [1.5], [1], o)).toThrow('confidence[0] must be in [0, 1], got 1.5');
    expect(() => chooseThreshold([1], [0.5], [1, 2], o)).toThrow('equal lengths');
    expect(() => chooseThreshold([1], [0.5], [1], { ...o, minSignals: 0 })).toThrow('minSignals must be an integer ≥ 1, got 0');
    expect(() => chooseThreshold([1], [0.5], [1], { ...o, targetFalseSignalRate: 2 })).toThrow('targetFalseSignalRate must be in [0, 1], got 2');
  });
});
