import { describe, expect, it } from 'vitest';
import { CALIBRATED_INFORMED_SHARE } from '../../adapters/synthetic/market-params.ts';
import { informedShareFlag } from '../../composition/backtest-command.ts';

describe('--informed-share', () => {
  it('takes a share from 0 to 1, or the calibrated market\'s by name, with the synthetic market only', () => {
    expect(informedShareFlag(undefined, 'synthetic')).toBeUndefined();
    expect(informedShareFlag('0.35', 'synthetic')).toBe(0.35);
    expect(informedShareFlag('calibrated', 'synthetic')).toBe(CALIBRATED_INFORMED_SHARE);
    expect(CALIBRATED_INFORMED_SHARE).toBeGreaterThan(0);
    expect(() => informedShareFlag('1.5', 'synthetic')).toThrow(/--informed-share.*from 0 to 1 or calibrated, not "1.5"/);
    expect(() => informedShareFlag('', 'synthetic')).toThrow(/--informed-share/);
    expect(() => informedShareFlag('calibrate', 'synthetic')).toThrow(/not "calibrate"/);
    expect(() => informedShareFlag('calibrated', 'replay')).toThrow(/synthetic only/);
  });
});
