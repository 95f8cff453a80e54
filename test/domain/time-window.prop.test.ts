import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { TimeWindowSums } from '../../domain/features/time-window.ts';
import type { Micros } from '../../domain/values/units.ts';

describe('TimeWindowSums', () => {
  test.prop([
    fc.integer({ min: 1, max: 5_000 }),
    fc.array(fc.record({ dt: fc.integer({ min: 0, max: 3_000 }), a: fc.integer({ min: -1000, max: 1000 }), b: fc.integer({ min: 0, max: 1000 }) }), { maxLength: 300 }),
  ])('sums equal a naive rescan of the entries inside the window after every push', (span, steps) => {
    const window = new TimeWindowSums(span as Micros, 2);
    const all: { ts: number; a: number; b: number }[] = [];
    let ts = 0;
    for (const s of steps) {
      ts += s.dt;
      window.push(ts as Micros, s.a, s.b);
      all.push({ ts, a: s.a, b: s.b });
      const inside = all.filter((e) => e.ts > ts - span);
      expect(window.count).toBe(inside.length);
      // Integers below 2^53 keep the running sums exact.
      expect(window.totalA).toBe(inside.reduce((x, e) => x + e.a, 0));
      expect(window.totalB).toBe(inside.reduce((x, e) => x + e.b, 0));
    }
  });

  test('evictAll empties the window and rejects a non-positive span', () => {
    const w = new TimeWindowSums(10 as Micros);
    w.push(1 as Micros, 5, 6);
    w.evictAll();
    expect([w.count, w.totalA, w.totalB]).toEqual([0, 0, 0]);
    expect(() => new TimeWindowSums(0 as Micros)).toThrow(/positive/);
  });
});
