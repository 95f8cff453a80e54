import { describe, expect, it } from 'vitest';
import { imbalance, MicroPriceEstimator, weightedMid, type MicroPriceOptions } from '../../domain/features/micro-price.ts';
import type { Lots, Ticks } from '../../domain/values/units.ts';

/** A touch: bid ticks, bid lots, ask ticks, ask lots. */
type Touch = readonly [number, number, number, number];

function feed(est: MicroPriceEstimator, touches: readonly Touch[]): void {
  for (const [b, bq, a, aq] of touches) est.observe(b as Ticks, bq as Lots, a as Ticks, aq as Lots);
}

function offset(est: MicroPriceEstimator, [b, bq, a, aq]: Touch): number {
  return est.offsetTicks(b as Ticks, bq as Lots, a as Ticks, aq as Lots);
}

describe('weightedMid and imbalance', () => {
  // The rows printed in Stoikov's notebook for BAC on 2011-03-01 (FORMULAS.md, section Micro-price).
  const BAC = [
    { bid: 14.33, bs: 20, ask: 14.34, as: 471, imb: 0.040733, wmid: 14.330407 },
    { bid: 14.33, bs: 25, ask: 14.34, as: 148, imb: 0.144509, wmid: 14.331445 },
    { bid: 14.33, bs: 31, ask: 14.34, as: 95, imb: 0.246032, wmid: 14.33246 },
    { bid: 14.33, bs: 29, ask: 14.34, as: 92, imb: 0.239669, wmid: 14.332397 },
    { bid: 14.33, bs: 21, ask: 14.34, as: 65, imb: 0.244186, wmid: 14.332442 },
  ];

  it.each(BAC)('reproduces the BAC row bs $bs as $as to 6 decimals', (row) => {
    expect(imbalance(row.bs, row.as)).toBeCloseTo(row.imb, 6);
    expect(weightedMid(row.bid, row.bs, row.ask, row.as)).toBeCloseTo(row.wmid, 6);
    expect((row.bid + row.ask) / 2).toBeCloseTo(14.335, 6);
  });

  it('weighs the mid toward the thinner side', () => {
    expect(weightedMid(100, 3, 101, 1)).toBe(100.75);
    expect(weightedMid(100, 1, 101, 1)).toBe(100.5);
  });
});

describe('MicroPriceEstimator, by hand', () => {
  const DEFAULTS: MicroPriceOptions = { imbalanceBuckets: 10, maxSpreadTicks: 2, refreshEvery: 20, iterations: 6 };

  /**
   * Bid-heavy (I = 19/20, bucket 9 of 10) throughout, and every event moves the mid up half a tick:
   * the ask steps up (spread 1 -> 2), then the bid follows (spread 2 -> 1).
   */
  function alwaysUp(count: number): Touch[] {
    const out: Touch[] = [];
    for (let t = 0; t < count; t++) {
      const bid = 1000 + Math.floor(t / 2);
      out.push([bid, 19, bid + 1 + (t % 2), 1]);
    }
    return out;
  }

  it('reads 0 before the first refresh, then m * 1/2 tick where the mid always rose half a tick', () => {
    const est = new MicroPriceEstimator(DEFAULTS);
    const stream = alwaysUp(20);
    feed(est, stream.slice(0, 19));
    expect(offset(est, [1000, 19, 1001, 1])).toBe(0);

    feed(est, stream.slice(19));
    // g1 = 1/2 in both bid-heavy states and B moves between them with probability 1: P^6 - M = 6 * 1/2.
    expect(offset(est, [1000, 19, 1001, 1])).toBeCloseTo(3, 12);
    expect(offset(est, [5000, 39, 5002, 2])).toBeCloseTo(3, 12);
    // The mirror (sizes swapped) is exactly the negation.
    expect(offset(est, [1000, 1, 1001, 19])).toBe(-offset(est, [1000, 19, 1001, 1]));
    // A wide spread counts as maxSpreadTicks.
    expect(offset(est, [1000, 19, 1009, 1])).toBe(offset(est, [1000, 19, 1002, 1]));
    // Buckets never observed read 0, and I = 1/2 (the boundary of buckets 4 and 5) their mean.
    expect(offset(est, [1000, 1, 1001, 1])).toBe(0);
    expect(offset(est, [1000, 6, 1001, 4])).toBe(0);
  });

  it('forgets everything on reset and refreshes again only after refreshEvery new observations', () => {
    const est = new MicroPriceEstimator(DEFAULTS);
    feed(est, alwaysUp(40));
    expect(offset(est, [1000, 19, 1001, 1])).toBeCloseTo(3, 12);
    est.reset();
    expect(est.observed).toBe(0);
    expect(offset(est, [1000, 19, 1001, 1])).toBe(0);
    feed(est, alwaysUp(19));
    expect(offset(est, [1000, 19, 1001, 1])).toBe(0);
  });

  it('clips mid moves to maxMoveTicks (maxSpreadTicks / 2 by default)', () => {
    // From the bid-heavy state the mid jumps 5 ticks each time; clipped to 1 tick, P^6 - M = 6 ticks.
    const jumps: Touch[] = Array.from({ length: 10 }, (_, t) => [1000 + 5 * t, 19, 1001 + 5 * t, 1] as const);
    const est = new MicroPriceEstimator({ ...DEFAULTS, refreshEvery: 10 });
    feed(est, jumps);
    expect(offset(est, [1000, 19, 1001, 1])).toBeCloseTo(6, 12);
    const wider = new MicroPriceEstimator({ ...DEFAULTS, refreshEvery: 10, maxMoveTicks: 3 });
    feed(wider, jumps);
    expect(offset(wider, [1000, 19, 1001, 1])).toBeCloseTo(18, 12);
  });

  it('skips observations with an empty side or a crossed touch', () => {
    const est = new MicroPriceEstimator(DEFAULTS);
    feed(est, [
      [1000, 0, 1001, 5],
      [1000, 5, 1001, 0],
      [1001, 5, 1001, 5],
      [1002, 5, 1001, 5],
    ]);
    expect(est.observed).toBe(0);
    expect(offset(est, [1000, 0, 1001, 5])).toBe(0);
  });

  it('gives 0, not NaN, to states never seen to move', () => {
    // Only Q-transitions between two states: 1 - Q is singular on them.
    const est = new MicroPriceEstimator({ ...DEFAULTS, refreshEvery: 10 });
    feed(est, Array.from({ length: 10 }, (_, t) => [1000, t % 2 ? 19 : 1, 1001, t % 2 ? 1 : 19] as const));
    for (const bq of [1, 5, 10, 19]) expect(offset(est, [1000, bq, 1001, 20 - bq])).toBe(0);
  });

  it('matches a hand-computed g1 and P^2 - M on 2 buckets and 1 spread', () => {
    // H = bucket 1 (I > 1/2), L = bucket 0. Spreads of 2 count as 1. Transitions of the stream:
    //   t0->t1 Q H->H, t1->t2 Q H->L, t2->t3 Q L->H, t3->t4 R H->H +1/2, t4->t5 Q H->L,
    //   t5->t6 R L->L -1/2, t6->t7 R L->H -1/2, t7->t8 R H->H +1/2.
    const stream: Touch[] = [
      [100, 3, 101, 1],
      [100, 3, 101, 2],
      [100, 1, 101, 2],
      [100, 2, 101, 1],
      [100, 2, 102, 1],
      [100, 1, 102, 3],
      [99, 1, 102, 3],
      [99, 2, 101, 1],
      [100, 2, 101, 1],
    ];
    // Symmetrised counts (each transition plus its mirror H <-> L, dM -> -dM), rows H then L:
    //   Q counts [[1, 3], [3, 1]], R1 counts H: +1/2 x 4, L: -1/2 x 4, R2 counts [[3, 1], [1, 3]].
    const total = 8;
    const q = [
      [1 / total, 3 / total],
      [3 / total, 1 / total],
    ];
    const r1k = [(4 / total) * 0.5, (4 / total) * -0.5];
    const r2 = [
      [3 / total, 1 / total],
      [1 / total, 3 / total],
    ];
    // (1 - Q)^-1 by the 2 x 2 cofactor formula.
    const a = 1 - q[0][0];
    const b = -q[0][1];
    const c = -q[1][0];
    const d = 1 - q[1][1];
    const det = a * d - b * c;
    const inv = [
      [d / det, -b / det],
      [-c / det, a / det],
    ];
    const g1 = [inv[0][0] * r1k[0] + inv[0][1] * r1k[1], inv[1][0] * r1k[0] + inv[1][1] * r1k[1]];
    const bMat = [0, 1].map((x) => [0, 1].map((y) => inv[x][0] * r2[0][y] + inv[x][1] * r2[1][y]));
    const p2 = [0, 1].map((x) => g1[x] + bMat[x][0] * g1[0] + bMat[x][1] * g1[1]);
    // By hand: g1(H) = 0.25 / (7/8 + 3/8) = 0.2, B = [[0.6, 0.4], [0.4, 0.6]], P^2 - M = 0.2 + 0.04.
    expect(g1[0]).toBeCloseTo(0.2, 12);
    expect(p2[0]).toBeCloseTo(0.24, 12);

    const high: Touch = [100, 3, 101, 1];
    const low: Touch = [100, 1, 101, 3];
    const one = new MicroPriceEstimator({ imbalanceBuckets: 2, maxSpreadTicks: 1, refreshEvery: stream.length, iterations: 1 });
    feed(one, stream);
    expect(offset(one, high)).toBeCloseTo(g1[0], 12);
    expect(offset(one, low)).toBeCloseTo(g1[1], 12);
    const two = new MicroPriceEstimator({ imbalanceBuckets: 2, maxSpreadTicks: 1, refreshEvery: stream.length, iterations: 2 });
    feed(two, stream);
    expect(offset(two, high)).toBeCloseTo(p2[0], 12);
    expect(offset(two, low)).toBeCloseTo(p2[1], 12);
  });

  it('rejects options that are not positive integers, and a move cap off the half-tick grid', () => {
    expect(() => new MicroPriceEstimator({ ...DEFAULTS, imbalanceBuckets: 0 })).toThrow(/imbalanceBuckets/);
    expect(() => new MicroPriceEstimator({ ...DEFAULTS, iterations: 1.5 })).toThrow(/iterations/);
    expect(() => new MicroPriceEstimator({ ...DEFAULTS, maxMoveTicks: 0.3 })).toThrow(/maxMoveTicks/);
  });
});
