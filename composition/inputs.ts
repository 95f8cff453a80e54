import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { inspectInput, type InputFormat, type InputHead } from '../adapters/replay/input-format.ts';
import { VENUE_FEES, type FeeVenue } from '../adapters/sim/venue-fees.ts';
import type { FeeSchedule } from '../domain/trading/fees.ts';
import { lotsToQty, qtyToLots, type Instrument } from '../domain/values/instrument.ts';
import type { Lots } from '../domain/values/units.ts';
import { ConfigError, type PaperConfig } from './config.ts';
import { resolveInstrument } from './instruments.ts';

/** Recorded files to replay: in the order given (a glob's matches sorted by name), their format told from their first lines. */
export interface ReplayInputs {
  readonly paths: readonly string[];
  /** The format of every file (they must agree). */
  readonly format: InputFormat;
  /** Per file: a book snapshot among its first lines (it can start a book on its own). */
  readonly startsBook: readonly boolean[];
}

/**
 * `--input` values (each a file or a glob such as `data/usdm-btcusdt-202407*.gz`) as files, checked:
 * every one exists, is a file, and holds frames of the same venue and market as the first.
 */
export function replayInputs(given: readonly string[]): ReplayInputs {
  const paths = given.flatMap(expandGlob);
  if (paths.length === 0) throw new ConfigError('--input', 'required: one or more files of recorded frames');
  const heads: InputHead[] = [];
  for (const path of paths) {
    if (!existsSync(path)) throw new ConfigError('--input', `file not found: ${path}`);
    if (!statSync(path).isFile()) throw new ConfigError('--input', `not a file: ${path}`);
    try {
      heads.push(inspectInput(path));
    } catch (error) {
      throw new ConfigError('--input', (error as Error).message);
    }
  }
  const format = heads[0].format;
  heads.forEach((head, i) => {
    if (describeFormat(head.format) !== describeFormat(format)) {
      throw new ConfigError('--input', `${paths[i]} holds ${describeFormat(head.format)} frames, ${paths[0]} ${describeFormat(format)}: one stream is one venue's`);
    }
  });
  return { paths, format, startsBook: heads.map((h) => h.startsBook) };
}

/**
 * The files as independent streams: a file with a book snapshot among its first lines starts a stream
 * of its own (a day recorded by itself); a file without one continues the file before it (a capture
 * split at midnight: its diffs mean nothing without the book the first file started).
 */
export function streamsOf(inputs: ReplayInputs): string[][] {
  const streams: string[][] = [];
  inputs.paths.forEach((path, i) => {
    if (inputs.startsBook[i] || streams.length === 0) streams.push([path]);
    else streams[streams.length - 1].push(path);
  });
  return streams;
}

export function describeFormat(format: InputFormat): string {
  return format.venue === 'bybit' ? 'Bybit v5' : `Binance ${format.market === 'usdm' ? 'USD-M' : 'spot'}`;
}

/**
 * The instrument a recorded market trades on: Binance USD-M BTCUSDT is on Bybit's linear grid (tick
 * 0.1, lot 0.001), Binance spot on the spot grid; a Bybit file keeps `fallback` (the configured one).
 */
export function inputInstrument(format: InputFormat, fallback: Instrument): Instrument {
  if (format.venue === 'bybit') return fallback;
  return resolveInstrument({ symbol: format.symbol ?? fallback.symbol, category: format.market === 'usdm' ? 'linear' : 'spot' });
}

/** The simulated exchange's default fees for the venue the data comes from (adapters/sim/venue-fees.ts). */
export function inputFees(format: InputFormat): FeeSchedule {
  const venue: FeeVenue = format.venue === 'bybit' ? 'bybit-linear' : format.market === 'usdm' ? 'binance-usdm' : 'binance-spot';
  return VENUE_FEES[venue];
}

/** A path whose file name holds `*` or `?` as the files of its directory that match, sorted; otherwise the path. */
function expandGlob(pattern: string): string[] {
  const name = basename(pattern);
  if (!/[*?]/.test(name)) return [pattern];
  const dir = dirname(pattern);
  if (/[*?]/.test(dir)) throw new ConfigError('--input', `${pattern}: a wildcard may only stand in the file name`);
  if (!existsSync(dir)) throw new ConfigError('--input', `directory not found: ${dir}`);
  const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const matches = readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f));
  if (matches.length === 0) throw new ConfigError('--input', `no file matches ${pattern}`);
  return matches;
}

/** Flags that set fees; absent ones take the venue's. */
interface FeeFlags {
  readonly 'taker-fee-ppm'?: string;
  readonly 'maker-fee-ppm'?: string;
}

/**
 * A run's configuration over `inputs`: the files as one stream, the instrument of the data's venue
 * (sizes carried over exactly from the configured grid), and the venue's fees unless flags set them.
 */
export function configForInputs<C extends PaperConfig>(config: C, inputs: { readonly paths: readonly string[]; readonly format: InputFormat }, flags: FeeFlags): C {
  const instrument = inputInstrument(inputs.format, config.instrument);
  const venue = inputFees(inputs.format);
  const relot = (lots: Lots, field: string): Lots => {
    const text = lotsToQty(config.instrument, lots);
    const moved = qtyToLots(instrument, text);
    if (!moved.ok) throw new ConfigError(field, `${text} is not on the ${instrument.lotSize} grid of ${describeFormat(inputs.format)} ${instrument.symbol}`);
    return moved.value;
  };
  return {
    ...config,
    input: inputs.paths[0],
    inputs: inputs.paths,
    inputFormat: inputs.format,
    instrument,
    maxPositionLots: relot(config.maxPositionLots, '--max-position'),
    orderLots: relot(config.orderLots, '--order-size'),
    fees: {
      takerPpm: flags['taker-fee-ppm'] === undefined ? venue.takerPpm : config.fees.takerPpm,
      makerPpm: flags['maker-fee-ppm'] === undefined ? venue.makerPpm : config.fees.makerPpm,
    },
  };
}
