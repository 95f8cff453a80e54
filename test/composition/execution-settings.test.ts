import { describe, expect, it } from 'vitest';
import { executionSettings, roundTripCostBps } from '../../composition/execution-settings.ts';
import { BYBIT_LINEAR_FEES } from '../../domain/trading/fees.ts';
import type { Lots } from '../../domain/values/units.ts';

describe('execution settings', () => {
  it('judges signals against a taker round trip at the run\'s own fees', () => {
    expect(roundTripCostBps(BYBIT_LINEAR_FEES)).toBeCloseTo(11, 12);
    expect(roundTripCostBps({ takerPpm: 400 })).toBeCloseTo(8, 12);
  });

  it('turns the order-type chooser on with the venue\'s fees', () => {
    const settings = executionSettings({ policy: 'smart', capitalUsdt: 10_000, maxPositionLots: 10 as Lots, threshold: 0.5, fees: { makerPpm: 200, takerPpm: 550 } });
    expect(settings.chooser).toEqual({ makerPpm: 200, takerPpm: 550 });
    expect(executionSettings({ policy: 'smart', capitalUsdt: 10_000, maxPositionLots: 10 as Lots, threshold: 0.5 }).chooser).toBeUndefined();
  });
});
