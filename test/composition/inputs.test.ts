import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { paperConfig } from '../../composition/config.ts';
import { configForInputs, inputFees, replayInputs, streamsOf } from '../../composition/inputs.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const data = join(root, '../shared/data/binance');
const present = existsSync(data);
if (!present) console.warn(`skipping the Binance input settings over the captures: ${data} is absent`);
const sample = join(root, 'test/fixtures/btcusdt-sample.jsonl');

describe('fees by venue', () => {
  it('Bybit linear non-VIP, Binance USD-M VIP 0, Binance spot regular', () => {
    expect(inputFees({ venue: 'bybit', symbol: null, depth: null })).toEqual({ makerPpm: 200, takerPpm: 550 });
    expect(inputFees({ venue: 'binance', market: 'usdm', symbol: 'BTCUSDT' })).toEqual({ makerPpm: 200, takerPpm: 500 });
    expect(inputFees({ venue: 'binance', market: 'spot', symbol: 'BTCUSDT' })).toEqual({ makerPpm: 1000, takerPpm: 1000 });
  });
});

describe.skipIf(!present)('a run over Binance files', () => {
  const base = paperConfig({ input: sample, db: 'pglite:memory' }, {});

  it('takes the venue fees unless a flag sets them', () => {
    const usdm = replayInputs([join(data, 'usdm-btcusdt-20240718.gz'), join(data, 'usdm-btcusdt-20240719.gz')]);
    expect(configForInputs(base, usdm, {}).fees).toEqual({ makerPpm: 200, takerPpm: 500 });
    const flagged = configForInputs(paperConfig({ input: sample, db: 'pglite:memory', 'taker-fee-ppm': '400' }, {}), usdm, { 'taker-fee-ppm': '400' });
    expect(flagged.fees).toEqual({ makerPpm: 200, takerPpm: 400 });
  });

  it('trades spot on the spot grid, sizes carried over exactly', () => {
    const spot = replayInputs([join(data, 'spot-btcusdt-20240808.gz')]);
    const config = configForInputs(base, spot, {});
    expect(config.instrument.tickSize).toBe('0.01');
    // 0.010 BTC and 0.002 BTC at lots of 0.000001.
    expect([config.maxPositionLots, config.orderLots]).toEqual([10_000, 2_000]);
    expect(config.fees).toEqual({ makerPpm: 1000, takerPpm: 1000 });
  });

  it('groups files into streams: a file without a snapshot continues the one before it', () => {
    const files = ['usdm-btcusdt-20240718.gz', 'usdm-btcusdt-20240719.gz', 'usdm-btcusdt-20240808-depth-trade-bookticker.gz'].map((f) => join(data, f));
    expect(streamsOf(replayInputs(files))).toEqual([files.slice(0, 2), files.slice(2)]);
  });
});
