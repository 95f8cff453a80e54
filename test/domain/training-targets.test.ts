import { describe, expect, it } from 'vitest';
import { FEATURES } from '../../domain/features/definitions.ts';
import { selectFeatures, selectionWarmupMicros, trainingSelection } from '../../domain/features/registry.ts';
import { unwrap } from '../../domain/result.ts';
import { meanOf, netMoveTarget, roundTripBps } from '../../domain/model/targets.ts';
import { auc, edgeBps } from '../../domain/model/validation/metrics.ts';

describe('netMoveTarget', () => {
  it('is the de-meaned move beyond the cost, 0 within it', () => {
    expect(netMoveTarget(10, 2, 4)).toBe(4);
    expect(netMoveTarget(-10, 2, 4)).toBe(-8);
    expect(netMoveTarget(5, 2, 4)).toBe(0);
    expect(netMoveTarget(-2, 2, 4)).toBe(0);
    expect(netMoveTarget(3, 0, 0)).toBe(3);
  });

  it('takes the mean of the known rows only, 0 when there is none', () => {
    expect(meanOf([1, NaN, 3, 100], [0, 1, 2])).toBe(2);
    expect(meanOf([NaN], [0])).toBe(0);
  });

  it('prices a round trip at a fee a side: 200 ppm maker is 4 bps, 550 ppm taker 11', () => {
    expect(roundTripBps(200)).toBe(4);
    expect(roundTripBps(550)).toBe(11);
  });
});

describe('auc and edgeBps', () => {
  it('ranks up moves above down moves; ties count half; rows that did not move are left out', () => {
    expect(auc([3, 2, 1, 0], [1, 1, -1, -1])).toBe(1);
    expect(auc([0, 1, 2, 3], [1, 1, -1, -1])).toBe(0);
    expect(auc([1, 1, 1, 1], [1, -1, 1, -1])).toBe(0.5);
    expect(auc([5, 1, 2], [0, 1, -1])).toBe(0);
    expect(auc([1, 2], [1, 1])).toBeNaN();
  });

  it('is the mean move in the signal direction less the cost, over nonzero scores', () => {
    expect(edgeBps([1, -1, 0], [6, -2, 100], 3)).toBe(1);
    expect(edgeBps([1, 1], [6, 2], 0, [true, false])).toBe(6);
    expect(edgeBps([0], [1], 0)).toBeNaN();
  });
});

describe('stationarity in the registry', () => {
  it('marks price levels as not stationary and leaves them out of a training selection', () => {
    const byName = new Map(FEATURES.map((f) => [f.name, f]));
    expect(byName.get('mid_price')!.stationary).toBe(false);
    expect(byName.get('spread_bps')!.stationary).toBe(false);
    expect(byName.get('depth_imbalance_1')!.stationary).toBe(true);
    const { kept, left } = trainingSelection(FEATURES);
    expect(left.map((f) => f.name)).toContain('mid_price');
    expect(kept.some((f) => !f.stationary)).toBe(false);
    expect(kept.length + left.length).toBe(FEATURES.length);
  });

  it("gives a selection's warm-up: its longest feature's", () => {
    const some = unwrap(selectFeatures({ features: ['depth_imbalance_1', 'ofi_5s', 'rv_30s_bps'] }));
    expect(selectionWarmupMicros(some)).toBe(30_000_000);
    expect(selectionWarmupMicros([])).toBe(0);
  });
});
