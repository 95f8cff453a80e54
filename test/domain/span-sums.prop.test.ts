import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { SpanSums } from '../../domain/features/span-sums.ts';
import { TimeWindowSums } from '../../domain/features/time-window.ts';
import type { Micros } from '../../domain/values/units.ts';

// Several windows over one ring against one TimeWindowSums a window: the same pushes and advances,
// at times that mostly rise but now and then step back (trade times are not ordered with book times),
// give the same counts and bit for bit the same sums, through the ring's doublings and emptyings.
const opArb = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('push' as const), dt: fc.integer({ min: -300, max: 2_000 }), a: fc.double({ min: -1e6, max: 1e6, noNaN: true }), b: fc.double({ min: 0, max: 1e6, noNaN: true }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), dt: fc.integer({ min: -300, max: 5_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const, dt: 0 }) },
);

describe('SpanSums', () => {
  // Spans far apart, so that a narrow window is often empty while the widest fills the ring.
  const spanArb = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 5_000, max: 50_000 }));
  test.prop([fc.array(spanArb, { minLength: 1, maxLength: 4 }), fc.array(opArb, { maxLength: 400 }), fc.integer({ min: 1, max: 8 })], { numRuns: 300 })(
    'keeps each window as a TimeWindowSums of its span would',
    (spans, ops, capacity) => {
      const shared = new SpanSums(spans, capacity);
      const alone = spans.map((s) => new TimeWindowSums(s as Micros, capacity));
      let ts = 1_000_000;
      for (const op of ops) {
        ts += op.dt;
        if (op.kind === 'push') {
          shared.push(ts as Micros, op.a, op.b);
          for (const w of alone) w.push(ts as Micros, op.a, op.b);
        } else if (op.kind === 'advance') {
          shared.advance(ts as Micros);
          for (const w of alone) w.advance(ts as Micros);
        } else {
          shared.evictAll();
          for (const w of alone) w.evictAll();
        }
        alone.forEach((w, k) => {
          expect(shared.count(k)).toBe(w.count);
          expect(Object.is(shared.totalA(k), w.totalA)).toBe(true);
          expect(Object.is(shared.totalB(k), w.totalB)).toBe(true);
        });
      }
    },
  );
});
