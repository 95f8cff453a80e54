import { describe, expect, it } from 'vitest';
import { priorsFor } from '../../composition/choice-priors.ts';
import { DEFAULT_CHOICE_PRIORS } from '../../domain/execution/choice-priors.ts';

describe('the chooser\'s priors for a run', () => {
  it('leave out the capture the run reads, so that no run is judged on data that set its expectations', () => {
    const held = priorsFor(['/data/binance/usdm-btcusdt-20240718.gz', '/data/binance/usdm-btcusdt-20240719.gz'], 'held-out');
    expect(held.source).toBe('probes of Binance USD-M 2024-08-08, Binance spot 2024-08-08/09 (left out: Binance USD-M 2024-07-18/19)');
    expect(held.alternatives).toHaveLength(2);
    expect(priorsFor(['/x/spot-btcusdt-20240809.gz'], 'held-out').source).toMatch(/left out: Binance spot 2024-08-08\/09/);
  });

  it('pool every capture for data no probe measured, or when asked to (in-sample)', () => {
    expect(priorsFor([], 'held-out')).toEqual(DEFAULT_CHOICE_PRIORS);
    expect(priorsFor(['/data/bybit/linear-BTCUSDT-orderbook200-trades-tickers.jsonl'], 'held-out')).toEqual(DEFAULT_CHOICE_PRIORS);
    expect(priorsFor(['/data/binance/usdm-btcusdt-20240718.gz'], 'all')).toEqual(DEFAULT_CHOICE_PRIORS);
  });
});
