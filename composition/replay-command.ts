import type { MarketDataFeed } from '../application/ports/market-data-feed.ts';
import { MarketData, bybitSyncConfig } from '../application/market-data.ts';
import { replayBook, type TopOfBook } from '../application/replay-book.ts';
import { silentLogger } from '../application/ports/logger.ts';
import { lotsToQty, ticksToPrice, type Instrument } from '../domain/values/instrument.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { createPinoLogger } from '../adapters/log/pino-logger.ts';
import { FileReplayFeed } from '../adapters/replay/file-feed.ts';
import { readFrameLines } from '../adapters/replay/frame-reader.ts';
import { scanningDecoder } from '../adapters/bybit/frame-decoder.ts';
import { z } from 'zod';
import { ConfigError } from './config.ts';
import { LOG_LEVELS, PAPER_SETTINGS } from './run-settings.ts';
import { flag, helpLines, int, named, oneOf, optionTable, readSettings, setting, text, type Setting } from './settings.ts';
import { openNatsSource } from './nats-source.ts';
import { resolveInstrument } from './instruments.ts';
import { replayInputs } from './inputs.ts';
import type { InputFormat } from '../adapters/replay/input-format.ts';
import { checkInputFile, prescanInput } from './input-check.ts';
import { EXIT, printable } from './user-error.ts';
import { parseCommandLine } from './args.ts';

/** `ladder replay`'s settings, declared as the trading commands' are (run-settings.ts); --speed and --stale-after are paper's. */
const REPLAY_SETTINGS = {
  input: {
    type: 'string',
    multiple: true,
    schema: z.array(z.string()).optional(),
    arg: 'FILE…',
    help: 'recorder lines ("<µs> <frame>"), bare frame lines, a Bybit dump (.data; gzip or zip), or a Binance USD-M or spot capture ("<ns> <combined-stream frame>"); several files or a glob are read in order as one stream. The format is told from the first lines',
  } as Setting<z.ZodOptional<z.ZodArray<z.ZodString>>> & { readonly multiple: true },
  source: setting(text(), { arg: 'nats://HOST:PORT/STREAM', help: 'instead: the frames a JetStream stream holds (first to last; see docs/scale-out.md)' }),
  emit: setting(oneOf(['top', 'none']), { arg: 'top|none', default: 'top', help: 'one JSON line per book frame applied with the touch and the book state, or none' }),
  speed: { ...PAPER_SETTINGS.speed, help: 'pace at N x the recorded speed, or as fast as possible' },
  'stale-after': PAPER_SETTINGS['stale-after'],
  depth: setting(int(1, 10_000), { arg: 'N', help: 'keep the best N levels a side; default: the depth in the topic name' }),
  symbol: setting(named('a symbol'), { arg: 'S', help: 'the instrument; default: the symbol of the first book frame' }),
  category: setting(oneOf(['linear', 'spot']), { arg: 'C', help: "linear (default) or spot, for the instrument's grid (a Binance capture: its own)" }),
  'tick-size': setting(text(), { arg: 'X', help: 'price step, for a symbol without a known grid' }),
  'lot-size': setting(text(), { arg: 'X', help: 'quantity step, likewise' }),
  'log-level': setting(oneOf(LOG_LEVELS), { arg: 'L', default: 'warn', help: 'logs on standard error' }),
  help: flag('this text', 'h'),
};

export const REPLAY_HELP = `ladder replay — run recorded frames through the parser, the book and its integrity checks

Flags:
${helpLines(REPLAY_SETTINGS, Object.keys(REPLAY_SETTINGS).filter((k) => k !== 'help'))}

The last line is {"summary":{…}} with frames, book frames, trades, gaps, resyncs, malformed and crossed.`;

/** `ladder replay --input FILE [--emit top|none] …` */
export async function replayCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseCommandLine('replay', {
    args,
    allowPositionals: true,
    options: optionTable(REPLAY_SETTINGS),
  });
  if (values.help === true) {
    out(REPLAY_HELP);
    return 0;
  }
  const settings = readSettings(REPLAY_SETTINGS, values);
  const nats = values.source?.startsWith('nats://') === true ? values.source : null;
  if (values.source !== undefined && nats === null) throw new ConfigError('--source', `"${values.source}" is not a nats:// address; a file goes with --input`);
  if (nats === null && values.input === undefined) throw new ConfigError('--input', 'required: a file of recorded frames');
  if (nats !== null && values.input !== undefined) throw new ConfigError('--input', 'give --input or --source nats://…, not both');
  const inputs = nats === null ? replayInputs([...(values.input ?? []), ...positionals]) : null;
  const input = inputs?.paths[0] ?? nats ?? '';
  const format: InputFormat = inputs?.format ?? { venue: 'bybit', symbol: null, depth: null };
  if (inputs !== null) {
    for (const path of inputs.paths) checkInputFile('--input', path);
    await prescanInput('--input', inputs.paths[0]);
  }
  const { emit, speed } = settings;
  const category = settings.category ?? 'linear';
  const clock = new SystemClock();

  // Binance's grid follows from its market (USD-M: linear, spot: spot); Bybit's from --category.
  // A JetStream stream is read once: its symbol is the default one unless --symbol says otherwise.
  const first = nats !== null ? { symbol: 'BTCUSDT', depth: null } : format.venue === 'binance' ? { symbol: format.symbol ?? undefined, depth: null } : format.symbol !== null ? format : await firstBookTopic(input);
  const symbol = values.symbol ?? first?.symbol ?? undefined;
  if (symbol === undefined) throw new ConfigError('--input', `${printable(input)} holds no order-book frame (a Bybit v5 orderbook topic); --symbol names the instrument of a file that has them`);
  const grid = format.venue === 'binance' && values.category === undefined ? (format.market === 'usdm' ? 'linear' : 'spot') : category;
  const instrument = resolveInstrument({ symbol, category: grid, tickSize: values['tick-size'], lotSize: values['lot-size'] });
  const depth = settings.depth ?? first?.depth ?? null;

  const logLevel = settings['log-level'];
  const logger = logLevel === 'silent' ? silentLogger : createPinoLogger({ level: logLevel });
  const feed = inputs === null || nats !== null
    ? await openNatsSource(nats ?? '', instrument, logger)
    : new FileReplayFeed(inputs.paths, clock, { speed, decoder: scanningDecoder(instrument), format: format.venue === 'binance' ? { ...format, symbol } : format });
  const market = new MarketData({ instrument, bookDepth: depth, sync: bybitSyncConfig(depth, settings['stale-after']) }, feed, logger);
  const lines = new LineBuffer(out);
  const counters = await replayBook(feed, market, emit === 'top' ? (top) => lines.push(formatTop(instrument, top)) : null);
  lines.flush();
  const { frames, bookFrames, trades, gaps, resyncs, malformed, crossed, stalePeriods } = counters;
  const incomplete = (feed as MarketDataFeed).incomplete ?? null;
  out(JSON.stringify({ summary: { frames, bookFrames, bookUpdates: counters.bookUpdates, trades, gaps, resyncs, malformed, crossed, stalePeriods, state: market.state, ...(incomplete === null ? {} : { incomplete }) } }));
  if (incomplete !== null) {
    console.error(`ladder: --input: ${printable(incomplete, 300)}; the ${frames} frames before the cut were replayed`);
    return EXIT.inputCut;
  }
  return EXIT.completed;
}

function formatTop(instrument: Instrument, t: TopOfBook): string {
  const bid = t.bid === null ? null : ticksToPrice(instrument, t.bid);
  const ask = t.ask === null ? null : ticksToPrice(instrument, t.ask);
  return JSON.stringify({
    seq: t.seq,
    u: t.u,
    ts: t.ts / 1000,
    bid,
    bidQty: lotsToQty(instrument, t.bidQty),
    ask,
    askQty: lotsToQty(instrument, t.askQty),
    levels: [t.bidLevels, t.askLevels],
    state: t.state,
  });
}

/** Gathers output lines and writes them in blocks: a write per frame would dominate the replay. */
class LineBuffer {
  private lines: string[] = [];
  constructor(private readonly out: (text: string) => void) {}
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length >= 1024) this.flush();
  }
  flush(): void {
    if (this.lines.length > 0) this.out(this.lines.join('\n'));
    this.lines = [];
  }
}

/** The symbol and depth of the first order-book topic in the file (`orderbook.500.XRPUSDT`), if any. */
async function firstBookTopic(path: string): Promise<{ symbol: string; depth: number | null } | null> {
  try {
    for await (const line of readFrameLines(path, { truncated: 'end' })) {
      const at = line.text.indexOf('"topic":"orderbook.');
      if (at < 0) continue;
      const topic = line.text.slice(at + 9, line.text.indexOf('"', at + 9));
      const [, depth, symbol] = topic.split('.');
      if (symbol === undefined) continue;
      const n = Number(depth);
      return { symbol, depth: Number.isSafeInteger(n) && n > 0 ? n : null };
    }
  } catch (error) {
    throw new ConfigError('--input', printable((error as Error).message, 300));
  }
  return null;
}
