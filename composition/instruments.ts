import { createInstrument, type Instrument, type InstrumentSpec } from '../domain/values/instrument.ts';
import { ConfigError } from './config.ts';

/**
 * Grids of the instruments the replay knows without being told, from Bybit's v5
 * `/v5/market/instruments-info` (priceFilter.tickSize, lotSizeFilter.qtyStep and minOrderQty).
 * A live run takes them from the exchange at start-up; a replay of anything else passes
 * `--tick-size` and `--lot-size`.
 */
const KNOWN: Readonly<Record<string, InstrumentSpec>> = {
  'linear:BTCUSDT': { symbol: 'BTCUSDT', tickSize: '0.10', lotSize: '0.001', minQty: '0.001' },
  'linear:ETHUSDT': { symbol: 'ETHUSDT', tickSize: '0.01', lotSize: '0.01', minQty: '0.01' },
  'linear:XRPUSDT': { symbol: 'XRPUSDT', tickSize: '0.0001', lotSize: '1', minQty: '1' },
  'linear:SOLUSDT': { symbol: 'SOLUSDT', tickSize: '0.010', lotSize: '0.1', minQty: '0.1' },
  'spot:BTCUSDT': { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.000001', minQty: '0.000048' },
};

export type Category = 'linear' | 'spot';

export interface InstrumentFlags {
  readonly symbol: string;
  readonly category: Category;
  readonly tickSize?: string;
  readonly lotSize?: string;
}

/** The instrument for a replay: the flags' grid if given, else the known grid of the symbol. */
export function resolveInstrument(flags: InstrumentFlags): Instrument {
  const known = KNOWN[`${flags.category}:${flags.symbol}`];
  const tickSize = flags.tickSize ?? known?.tickSize;
  const lotSize = flags.lotSize ?? known?.lotSize;
  if (tickSize === undefined || lotSize === undefined) {
    const names = Object.keys(KNOWN).join(', ');
    throw new ConfigError('--tick-size', `no known grid for ${flags.category} ${flags.symbol} (known: ${names}); pass --tick-size and --lot-size`);
  }
  const spec: InstrumentSpec = { symbol: flags.symbol, tickSize, lotSize, minQty: flags.lotSize ?? known?.minQty ?? lotSize };
  const instrument = createInstrument(spec);
  if (!instrument.ok) {
    const field = instrument.error.field === 'lotSize' || instrument.error.field === 'minQty' ? '--lot-size' : '--tick-size';
    throw new ConfigError(field, instrument.error.reason);
  }
  return instrument.value;
}
