import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { LaggedValue } from '../../domain/features/lagged-value.ts';
import { WindowMax } from '../../domain/features/window-max.ts';
import type { Micros } from '../../domain/values/units.ts';

/** Streams of (time step, value) with repeated times, long gaps and more entries than the first capacity. */
const stream = fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: -1000, max: 1000 })), { minLength: 1, maxLength: 400 });

describe('rolling windows against a rescan of the whole history', () => {
  test.prop([stream, fc.integer({ min: 1, max: 500 })])('WindowMax is the largest value with ts > now - span, or 0', (steps, span) => {
    const m = new WindowMax(span as Micros, 4);
    const seen: [number, number][] = [];
    let t = 0;
    for (const [dt, v] of steps) {
      t += dt;
      m.push(t as Micros, v);
      seen.push([t, v]);
      const inWindow = seen.filter(([ts]) => ts > t - span).map(([, x]) => x);
      expect(m.max).toBe(inWindow.length === 0 ? 0 : Math.max(...inWindow));
    }
    m.clear();
    expect([m.max, m.count]).toEqual([0, 0]);
  });

  test.prop([stream, fc.integer({ min: 1, max: 500 })])('LaggedValue is the last value pushed at or before now - lag, or the fallback', (steps, lag) => {
    const l = new LaggedValue(lag as Micros, 4);
    const seen: [number, number][] = [];
    let t = 0;
    for (const [dt, v] of steps) {
      t += dt;
      l.push(t as Micros, v);
      seen.push([t, v]);
      const before = seen.filter(([ts]) => ts <= t - lag);
      expect(l.at(t as Micros, NaN)).toBe(before.length === 0 ? NaN : before[before.length - 1][1]);
    }
  });
});
