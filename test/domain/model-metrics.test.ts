import { describe, expect, it } from 'vitest';
import { averageRanks, hitRate, isRightSignal, pearson, signalStats, spearman } from '../../domain/model/validation/metrics.ts';
import { reliabilityTable } from '../../domain/model/validation/reliability.ts';

describe('spearman and pearson', () => {
  it('gives tied values the average of their ranks (hand-computed)', () => {
    // a = [1, 2, 2, 3] ranks 1, 2.5, 2.5, 4; b = [10, 20, 30, 30] ranks 1, 2, 3.5, 3.5. Both mean 2.5.
    // Centred: a −1.5, 0, 0, 1.5; b −1.5, −0.5, 1, 1.
    // Σab = 2.25 + 0 + 0 + 1.5 = 3.75; Σa² = 4.5; Σb² = 2.25 + 0.25 + 1 + 1 = 4.5; ρ = 3.75 / 4.5 = 5/6.
    expect([...averageRanks([1, 2, 2, 3])]).toEqual([1, 2.5, 2.5, 4]);
    expect([...averageRanks([30, 10, 30, 20])]).toEqual([3.5, 1, 3.5, 2]);
    expect(spearman([1, 2, 2, 3], [10, 20, 30, 30])).toBeCloseTo(5 / 6, 12);
  });

  it('is +1 and −1 for monotone relations, whatever their shape', () => {
    const x = [0.5, -3, 8, 2, 100];
    expect(spearman(x, x.map((v) => Math.exp(v / 10)))).toBeCloseTo(1, 12);
    expect(spearman(x, x.map((v) => -(v ** 3)))).toBeCloseTo(-1, 12);
  });

  it('computes Pearson by hand', () => {
    // a centred −1.5, −0.5, 0.5, 1.5; b = [2, 4, 5, 9] mean 5, centred −3, −1, 0, 4.
    // Σab = 4.5 + 0.5 + 0 + 6 = 11; Σa² = 5; Σb² = 26; r = 11 / √130.
    expect(pearson([1, 2, 3, 4], [2, 4, 5, 9])).toBeCloseTo(11 / Math.sqrt(130), 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
  });

  it('is NaN for a constant side or fewer than two rows', () => {
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(pearson([1, 2, 3], [4, 4, 4])).toBeNaN();
    expect(spearman([1], [2])).toBeNaN();
    expect(pearson([], [])).toBeNaN();
  });

  it('throws on unequal lengths and non-finite values, naming them', () => {
    expect(() => spearman([1, 2], [1])).toThrow('a and b must have equal lengths, got 2 and 1');
    expect(() => pearson([1, NaN], [1, 2])).toThrow('a[1] must be finite, got NaN');
  });
});

describe('hitRate and isRightSignal', () => {
  it('counts only nonzero scores, and a zero realized move is a miss', () => {
    const score = [1, -2, 0, 3, -1];
    const realized = [5, -1, 4, 0, 2];
    // Rows 0 and 1 hit; row 2 has no score; row 3 realized 0 (miss); row 4 wrong sign: 2 / 4.
    expect(hitRate(score, realized)).toBe(0.5);
    // Masking row 1 out: rows 0, 3, 4: 1 / 3.
    expect(hitRate(score, realized, [true, false, true, true, true])).toBeCloseTo(1 / 3, 15);
    expect(hitRate([0, 0], [1, -1])).toBeNaN();
    expect(() => hitRate(score, realized, [true])).toThrow('mask must have the length of score (5), got 1');
  });

  it('needs the sign and a move larger than the cost', () => {
    expect(isRightSignal(2, 5, 4)).toBe(true);
    expect(isRightSignal(-1, -3, 2)).toBe(true);
    expect(isRightSignal(2, 4, 4)).toBe(false);
    expect(isRightSignal(2, -5, 0)).toBe(false);
    expect(isRightSignal(0, 5, 0)).toBe(false);
    expect(isRightSignal(1, 0, 0)).toBe(false);
  });
});

describe('signalStats', () => {
  it('counts signals at the threshold and the false ones among them', () => {
    const score = [1, -1, 1, 1, 0, -2];
    const confidence = [0.9, 0.7, 0.7, 0.6, 0.95, 0.3];
    const realized = [5, -3, 1, -4, 9, -9];
    // At 0.7, cost 2: rows 0 (right), 1 (right), 2 (sign right but 1 ≤ 2: false); row 4 has no score.
    expect(signalStats(score, confidence, realized, 0.7, 2)).toEqual({ signals: 3, falseSignals: 1, falseSignalRate: 1 / 3, hitRate: 1 });
    // At 0.5 row 3 joins, a wrong sign: 2 false of 4, 3 hits of 4.
    expect(signalStats(score, confidence, realized, 0.5, 2)).toEqual({ signals: 4, falseSignals: 2, falseSignalRate: 0.5, hitRate: 0.75 });
    const none = signalStats(score, confidence, realized, 0.99, 2);
    expect(none.signals).toBe(0);
    expect(none.falseSignalRate).toBeNaN();
    expect(none.hitRate).toBeNaN();
  });
});

describe('reliabilityTable', () => {
  it('buckets by confidence, the last bucket closed, keeping empty buckets', () => {
    const confidence = [0.05, 0.1, 0.15, 0.5, 0.55, 1, 0.99];
    const right = [0, 1, 0, 1, 1, 1, 0];
    const t = reliabilityTable(confidence, right, 4);
    // Buckets [0, .25): 0.05, 0.1, 0.15; [.25, .5): none; [.5, .75): 0.5, 0.55; [.75, 1]: 1, 0.99.
    expect(t.map((r) => [r.from, r.to, r.count])).toEqual([
      [0, 0.25, 3],
      [0.25, 0.5, 0],
      [0.5, 0.75, 2],
      [0.75, 1, 2],
    ]);
    expect(t[0].meanConfidence).toBeCloseTo(0.1, 12);
    expect(t[0].hitRate).toBeCloseTo(1 / 3, 12);
    expect(t[1].meanConfidence).toBeNaN();
    expect(t[1].hitRate).toBeNaN();
    expect(t[2].meanConfidence).toBeCloseTo(0.525, 12);
    expect(t[2].hitRate).toBe(1);
    expect(t[3].meanConfidence).toBeCloseTo(0.995, 12);
    expect(t[3].hitRate).toBe(0.5);
    expect(reliabilityTable([], [])).toHaveLength(10);
  });

  it('refuses confidence outside [0, 1] and bad bucket counts', () => {
    expect(() => reliabilityTable([0.5, 1.2], [1, 0])).toThrow('confidence[1] must be in [0, 1], got 1.2');
    expect(() => reliabilityTable([0.5], [1], 0)).toThrow('buckets must be an integer ≥ 1, got 0');
  });
});
