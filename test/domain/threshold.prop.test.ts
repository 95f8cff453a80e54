import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { signalStats } from '../../domain/model/validation/metrics.ts';
import { chooseThreshold } from '../../domain/model/validation/threshold.ts';

/** Small rows with many ties in confidence, zero scores and zero moves. */
const rowsArb = fc.array(
  fc.record({
    score: fc.integer({ min: -3, max: 3 }),
    confidence: fc.integer({ min: 0, max: 10 }).map((k) => k / 10),
    realized: fc.integer({ min: -6, max: 6 }),
  }),
  { maxLength: 40 },
);
const optionsArb = fc.record({
  targetFalseSignalRate: fc.constantFrom(0, 0.2, 0.35, 0.5, 1),
  costBps: fc.constantFrom(0, 2, 4),
  minSignals: fc.integer({ min: 1, max: 10 }),
});

describe('chooseThreshold, against trying every threshold', () => {
  test.prop([rowsArb, optionsArb])('picks what a brute-force search over signalStats picks', (rows, o) => {
    const score = rows.map((r) => r.score);
    const confidence = rows.map((r) => r.confidence);
    const realized = rows.map((r) => r.realized);
    const thresholds = [...new Set(rows.filter((r) => r.score !== 0).map((r) => r.confidence))];
    const stats = thresholds.map((t) => ({ t, ...signalStats(score, confidence, realized, t, o.costBps) })).filter((s) => s.signals >= o.minSignals);
    const meeting = stats.filter((s) => s.falseSignalRate <= o.targetFalseSignalRate);
    const c = chooseThreshold(score, confidence, realized, o);
    if (meeting.length > 0) {
      const most = Math.max(...meeting.map((s) => s.signals));
      expect(c.met).toBe(true);
      expect(c.signals).toBe(most);
      expect(meeting.find((s) => s.signals === most)!.t).toBe(c.threshold);
    } else if (stats.length > 0) {
      const lowest = Math.min(...stats.map((s) => s.falseSignalRate));
      expect(c).toMatchObject({ threshold: 1, met: false, signals: 0, bestFalseSignalRate: lowest });
    } else {
      expect(c).toMatchObject({ threshold: 1, signals: 0, met: false });
    }
    if (c.signals > 0) {
      const s = signalStats(score, confidence, realized, c.threshold, o.costBps);
      expect([s.signals, s.falseSignalRate, s.hitRate]).toEqual([c.signals, c.falseSignalRate, c.hitRate]);
    }
  });
});
