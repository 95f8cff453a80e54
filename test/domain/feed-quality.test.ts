import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { feedQuality, feedQualityFloorAt, FeedQualityGate, nextBaseline, type FeedMinute } from '../../domain/market/feed-quality.ts';

const MINUTE = 60_000_000;
const clean: FeedMinute = { windowMicros: MINUTE, notLiveMicros: 0, gaps: 0, crossed: 0, resyncs: 0, stalePeriods: 0, malformed: 0, tickerMismatches: 0, latencyP99Micros: 5_000 };

describe('feedQuality', () => {
  it('scores a clean minute 100 and takes each fault off with its own bounded penalty', () => {
    expect(feedQuality(clean, 5_000)).toMatchObject({ score: 100 });
    expect(feedQuality({ ...clean, gaps: 1, resyncs: 1 }, 5_000).score).toBe(85);
    expect(feedQuality({ ...clean, notLiveMicros: MINUTE / 2 }, 5_000).score).toBe(75);
    expect(feedQuality({ ...clean, gaps: 100 }, 5_000).penalties.gaps).toBe(30);
    expect(feedQuality({ ...clean, malformed: 3, tickerMismatches: 1, crossed: 1, stalePeriods: 1 }, 5_000).score).toBe(100 - 6 - 2 - 10 - 5);
    // Latency counts only beyond twice the baseline: 4× costs 10, 8× and more 20.
    expect(feedQuality({ ...clean, latencyP99Micros: 10_000 }, 5_000).penalties.latency).toBe(0);
    expect(feedQuality({ ...clean, latencyP99Micros: 20_000 }, 5_000).penalties.latency).toBeCloseTo(10, 9);
    expect(feedQuality({ ...clean, latencyP99Micros: 400_000 }, 5_000).penalties.latency).toBe(20);
    expect(feedQuality({ ...clean, latencyP99Micros: 400_000 }, null).penalties.latency).toBe(0);
    // Everything at once reads 0, not below.
    expect(feedQuality({ ...clean, notLiveMicros: MINUTE, gaps: 9, crossed: 9, resyncs: 9 }, 5_000).score).toBe(0);
  });

  it('learns the latency baseline from healthy minutes only', () => {
    expect(nextBaseline(null, clean, 100)).toBe(5_000);
    expect(nextBaseline(5_000, { ...clean, latencyP99Micros: 15_000 }, 100)).toBe(6_000);
    expect(nextBaseline(5_000, { ...clean, latencyP99Micros: 900_000 }, 40)).toBe(5_000);
    expect(nextBaseline(5_000, { ...clean, latencyP99Micros: null }, 100)).toBe(5_000);
  });

  const minute = fc.record({
    windowMicros: fc.constant(MINUTE), notLiveMicros: fc.integer({ min: 0, max: MINUTE }), gaps: fc.nat(50), crossed: fc.nat(50),
    resyncs: fc.nat(50), stalePeriods: fc.nat(50), malformed: fc.nat(50), tickerMismatches: fc.nat(50),
    latencyP99Micros: fc.option(fc.integer({ min: 1, max: 10_000_000 }), { nil: null }),
  });
  const faults = ['gaps', 'crossed', 'resyncs', 'stalePeriods', 'malformed', 'tickerMismatches'] as const;

  test.prop([minute, fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: null }), fc.constantFrom(...faults)])(
    'is an integer in [0, 100], and one more fault of any kind never raises it',
    (m, baseline, kind) => {
      const { score } = feedQuality(m, baseline);
      expect(Number.isInteger(score) && score >= 0 && score <= 100).toBe(true);
      expect(feedQuality({ ...m, [kind]: m[kind] + 1 }, baseline).score).toBeLessThanOrEqual(score);
      expect(feedQuality({ ...m, notLiveMicros: Math.min(MINUTE, m.notLiveMicros + 1_000_000) }, baseline).score).toBeLessThanOrEqual(score);
    },
  );
});

describe('FeedQualityGate', () => {
  it('trips below the floor and clears only after the hysteresis held for the minutes asked', () => {
    const gate = new FeedQualityGate({ floor: 60, hysteresis: 15, clearAfterMinutes: 2 });
    expect([100, 61, 60].map((s) => gate.onScore(s))).toEqual([null, null, null]);
    expect(gate.onScore(59)).toBe('trip');
    // At the floor but under floor + hysteresis: still tripped; a good minute then a bad one starts over.
    expect([70, 80, 74, 75].map((s) => gate.onScore(s))).toEqual([null, null, null, null]);
    expect(gate.tripped).toBe(true);
    expect(gate.onScore(90)).toBe('clear');
    expect(gate.tripped).toBe(false);
  });

  it('refuses settings outside their ranges', () => {
    expect(() => new FeedQualityGate({ floor: 101, hysteresis: 0, clearAfterMinutes: 1 })).toThrow(RangeError);
    expect(() => new FeedQualityGate({ floor: 50, hysteresis: -1, clearAfterMinutes: 1 })).toThrow(RangeError);
    expect(() => new FeedQualityGate({ floor: 50, hysteresis: 5, clearAfterMinutes: 0 })).toThrow(RangeError);
  });

  it('at a floor set by the operator, never trips at 0 and still clears at a floor near 100', () => {
    const never = new FeedQualityGate(feedQualityFloorAt(0));
    expect([0, 0, 0].map((s) => never.onScore(s))).toEqual([null, null, null]);
    const high = new FeedQualityGate(feedQualityFloorAt(95));
    expect(high.settings).toMatchObject({ floor: 95, hysteresis: 5 });
    expect([94, 100, 100].map((s) => high.onScore(s))).toEqual(['trip', null, 'clear']);
    const top = new FeedQualityGate(feedQualityFloorAt(100));
    expect([99, 100, 100].map((s) => top.onScore(s))).toEqual(['trip', null, 'clear']);
  });
});
