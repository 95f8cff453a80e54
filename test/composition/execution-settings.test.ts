import { describe, expect, it } from 'vitest';
import { executionSettings } from '../../composition/execution-settings.ts';
import type { Lots } from '../../domain/values/units.ts';

describe('execution settings', () => {
  it('turns the order-type chooser on with the venue\'s fees', () => {
    const settings = executionSettings({ policy: 'smart', capitalUsdt: 10_000, maxPositionLots: 10 as Lots, threshold: 0.5, fees: { makerPpm: 200, takerPpm: 550 } });
    expect(settings.chooser).toEqual({ makerPpm: 200, takerPpm: 550 });
    expect(executionSettings({ policy: 'smart', capitalUsdt: 10_000, maxPositionLots: 10 as Lots, threshold: 0.5 }).chooser).toBeUndefined();
  });
});
