import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { MidVolatility } from '../../domain/execution/volatility.ts';
import { MidVolatilityBefore } from '../support/mid-volatility-before.ts';

/** A mid at a time step from a few repeated intervals (books often come a fixed interval apart), or a query. */
const event = fc.record({
  step: fc.oneof(fc.constantFrom(0, 1, 100_000, 100_000, 100_000, 250_000, 5_000_000), fc.integer({ min: -1_000, max: 20_000_000 })),
  mid2: fc.oneof(fc.constant(null), fc.constantFrom(180_000_000, 180_000_001, 180_000_002, 0, -1), fc.integer({ min: 1, max: 400_000_000 })),
  query: fc.option(fc.constantFrom(1_000_000, 5_000_000, 30_000_000), { nil: null }),
});

describe('MidVolatility', () => {
  test.prop([fc.array(event, { maxLength: 200 }), fc.constantFrom(5_000_000, 1_000_000, 333_333)], { numRuns: 500 })(
    'gives the same estimates, bit for bit, as before it kept the factor of a repeated step',
    (events, halfLife) => {
      const now = new MidVolatility(halfLife);
      const before = new MidVolatilityBefore(halfLife);
      let ts = 1_700_000_000_000_000;
      for (const e of events) {
        ts += e.step;
        if (e.query === null) {
          now.onMid(ts, e.mid2);
          before.onMid(ts, e.mid2);
        } else {
          const got = now.sigmaBps(e.query, ts);
          const want = before.sigmaBps(e.query, ts);
          if (!Object.is(got, want)) expect.fail(`sigma ${got}, not ${want}`);
        }
      }
      expect(Object.is(now.sigmaBps(5_000_000, ts), before.sigmaBps(5_000_000, ts))).toBe(true);
    },
  );
});
