import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../domain/trading/recent-ids.ts';
import { recordValue, valueQuantile, type ValueCounts } from '../../domain/stats/value-histogram.ts';
import { Position } from '../../domain/trading/position.ts';
import type { Cash, Lots, Micros, Ticks } from '../../domain/values/units.ts';
import { btc } from '../support/builders.ts';

const SECOND = 1_000_000;

describe('RecentIds', () => {
  it('refuses an id within the window and forgets it after, holding one window of ids', () => {
    const ids = new RecentIds(60 * SECOND);
    let max = 0;
    let refused = 0;
    for (let i = 0; i < 100_000; i++) {
      ids.add(`e${i}`, i * 100_000);
      max = Math.max(max, ids.size);
      // A repeat of an id 59 s old is still refused.
      if (i >= 590 && ids.has(`e${i - 590}`)) refused++;
    }
    expect(refused).toBe(100_000 - 590);
    // 60 s at one id a 100 ms: 601 ids at most, of 100,000 added.
    expect(max).toBe(601);
    expect(ids.has('e0')).toBe(false);
  });

  it('keeps an id that arrives out of time order at least its window', () => {
    const ids = new RecentIds(10 * SECOND);
    ids.add('new', 100 * SECOND);
    ids.add('late', 95 * SECOND);
    ids.add('next', 104 * SECOND);
    expect(ids.has('late')).toBe(true);
  });

  it('refuses a window that is not positive', () => {
    expect(() => new RecentIds(0)).toThrow(RangeError);
  });
});

describe('the duplicate-fill guard of the position', () => {
  it('refuses every repeat within the hour, and holds only the fills of the last hour', () => {
    const position = new Position(btc);
    const fill = (i: number) => ({
      tradeId: `x${i}`, orderId: 'o', symbol: 'BTCUSDT', side: i % 2 === 0 ? 'Buy' as const : 'Sell' as const, price: 900_000 as Ticks, qty: 1 as Lots, fee: 0 as Cash,
      liquidity: 'maker' as const, ts: (1_767_225_600 * SECOND + i * SECOND) as Micros,
    });
    let max = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      if (!position.applyFill(fill(i)).ok) throw new Error(`fill ${i} refused`);
      // Reconciliation reads again from 60 s before the newest execution: such a repeat is refused.
      if (i >= 60 && position.applyFill(fill(i - 60)).ok === false) refused++;
      max = Math.max(max, position.rememberedTradeIds);
    }
    expect(refused).toBe(20_000 - 60);
    expect(position.applyFill(fill(19_000))).toEqual({ ok: false, error: { kind: 'DuplicateTrade', tradeId: 'x19000' } });
    expect(max).toBe(3601);
    expect(position.fillCount).toBe(20_000);
  });
});

describe('the fill-time histogram', () => {
  it('gives the exact quantiles of values of three significant digits, in a bounded size', () => {
    const counts: ValueCounts = {};
    const values: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      const v = (i * 7919) % 997;
      values.push(v);
      recordValue(counts, v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) expect(valueQuantile(counts, q)).toBe(values[Math.ceil(q * values.length) - 1]);
    expect(Object.keys(counts).length).toBeLessThanOrEqual(997);
    recordValue(counts, 123_456.7);
    expect(valueQuantile(counts, 1)).toBe(123_000);
  });

  it('reads a list of values as stored by earlier runs, and nothing as null', () => {
    expect(valueQuantile([200, 100], 0.5)).toBe(100);
    expect(valueQuantile({}, 0.5)).toBeNull();
  });
});
