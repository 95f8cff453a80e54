import { bybitSyncConfig, MarketData } from '../application/market-data.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { createPinoLogger } from '../adapters/log/pino-logger.ts';
import { BybitLiveFeed } from '../adapters/bybit/live-feed.ts';
import { FrameRecorder } from '../adapters/recorder/frame-recorder.ts';
import { scanningDecoder } from '../adapters/bybit/frame-decoder.ts';
import { ConfigError, streamUrl } from './config.ts';
import { LOG_LEVELS, PAPER_SETTINGS } from './run-settings.ts';
import { duration, flag, helpLines, int, named, oneOf, optionTable, readSettings, setting, text } from './settings.ts';
import { resolveInstrument } from './instruments.ts';
import { openPublisher, PUBLISH_FLAGS_HELP, PUBLISH_OPTIONS } from './nats-publish.ts';
import type { NatsFramePublisher } from '../adapters/nats/frame-publisher.ts';
import { parseCommandLine } from './args.ts';

/**
 * `ladder record`'s settings, declared as the trading commands' are (run-settings.ts); the bus flags
 * (--publish and its retention) are nats-publish.ts's table, shared with ladder publish.
 */
const RECORD_SETTINGS = {
  out: setting(named('a file'), { arg: 'FILE', help: 'where to write; FILE.gz writes gzip. Lines are "<receive µs> <frame text>"' }),
  symbol: setting(named('a symbol'), { arg: 'S', default: 'BTCUSDT', help: 'linear perpetual to record' }),
  'stale-after': PAPER_SETTINGS['stale-after'],
  depth: setting(int(1, 1000), { arg: 'N', default: '50', help: 'order-book depth: 1, 50, 200 or 1000' }),
  duration: setting(duration(), { arg: 'D', help: 'stop after D, with its unit (90s, 15m, 1h); default: until Ctrl-C' }),
  'rotate-mb': setting(int(1, 1_000_000), { arg: 'N', help: 'start a new file every N MB written' }),
  'rotate-hourly': flag('start a new file every hour'),
  testnet: flag("Bybit's testnet stream instead of mainnet"),
  url: setting(text(), { arg: 'U', help: 'another v5 public linear stream' }),
  progress: setting(int(1, 3600), { arg: 'S', default: '5', help: 'seconds between progress lines on standard error' }),
  'log-level': setting(oneOf(LOG_LEVELS), { arg: 'LEVEL', default: 'warn', help: 'logs on standard error' }),
  help: flag('this text', 'h'),
};

export const RECORD_HELP = `ladder record — record Bybit's public order book and trades, every frame exactly as received

Flags:
${helpLines(RECORD_SETTINGS, ['out'])}
${PUBLISH_FLAGS_HELP}
                         (--out, --publish or both; consumers read it with --source nats://HOST:PORT/STREAM)
${helpLines(RECORD_SETTINGS, ['symbol', 'stale-after', 'depth', 'duration', 'rotate-mb', 'rotate-hourly', 'testnet', 'url', 'progress', 'log-level'])}

Ctrl-C (SIGINT) or SIGTERM stops it after writing everything received. Replay with "ladder replay".`;

/** `ladder record --out FILE[.gz] …` */
export async function recordCommand(args: string[]): Promise<number> {
  const { values } = parseCommandLine('record', {
    args,
    options: { ...optionTable(RECORD_SETTINGS), ...PUBLISH_OPTIONS },
  });
  if (values.help === true) {
    console.log(RECORD_HELP);
    return 0;
  }
  if (values.out === undefined && values.publish === undefined) throw new ConfigError('--out', 'required: the file to record to (or --publish nats://…)');
  const settings = readSettings(RECORD_SETTINGS, values);
  const { symbol, depth, progress: progressSeconds } = settings;
  const instrument = resolveInstrument({ symbol, category: 'linear' });
  const durationMs = settings.duration ?? null;
  const rotateMb = settings['rotate-mb'] ?? null;
  const url = streamUrl(settings.url, settings.testnet);

  const clock = new SystemClock();
  const logger = createPinoLogger({ level: settings['log-level'] });
  const feed = BybitLiveFeed.create({ url, symbol, depth, clock, logger, decoder: scanningDecoder(instrument) });
  if (!feed.ok) throw new ConfigError(`--${feed.error.field}`, feed.error.reason);
  const out = values.out;
  const recorder = out === undefined ? null : await FrameRecorder.open({
    path: out,
    clock,
    ...(rotateMb === null && !settings['rotate-hourly']
      ? {}
      : { rotate: { ...(rotateMb === null ? {} : { maxBytes: rotateMb * 1_000_000 }), everyHour: settings['rotate-hourly'] } }),
  }).catch((error: unknown) => {
    throw new ConfigError('--out', (error as Error).message);
  });
  const publisher: NatsFramePublisher | null = values.publish === undefined ? null : await openPublisher(values, '--publish', logger).catch(async (error: unknown) => {
    await recorder?.close();
    throw error;
  });
  // Consumers of the stream whose book broke ask for a fresh one: the snapshot a resubscription brings reaches them all.
  publisher?.onResyncRequest((reason) => feed.value.resync(`a consumer asked: ${reason}`));
  // Every text the socket delivers is written before it is parsed: what was received is what is kept.
  feed.value.onRawFrame((text, recvTime) => {
    recorder?.write(text, recvTime);
    publisher?.publish(text, recvTime);
  });
  const market = new MarketData({ instrument, bookDepth: depth, sync: bybitSyncConfig(depth, settings['stale-after']) }, feed.value, logger);

  const stop = (): void => void feed.value.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = durationMs === null ? null : setTimeout(stop, durationMs);
  const progress = setInterval(() => console.error(progressLine(recorder, publisher, market)), progressSeconds * 1000);
  try {
    for await (const event of feed.value.events()) market.process(event);
  } catch (error) {
    throw new ConfigError('--url', `Bybit's market data cannot be reached at ${url}: ${(error as Error).message}`);
  } finally {
    if (timer !== null) clearTimeout(timer);
    clearInterval(progress);
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    await recorder?.close();
    await publisher?.close();
  }
  console.error(progressLine(recorder, publisher, market));
  console.log(JSON.stringify({
    recorded: {
      ...(recorder === null ? {} : { ...recorder.stats, paths: recorder.paths }),
      ...(publisher === null ? {} : { bus: { ...publisher.stats, stream: publisher.description } }),
      gaps: market.counters.gaps,
      resyncs: market.counters.resyncs,
    },
  }));
  return 0;
}

function progressLine(recorder: FrameRecorder | null, publisher: NatsFramePublisher | null, market: MarketData): string {
  const c = market.counters;
  const file = recorder === null ? '' : `${recorder.stats.frames} frames, ${(recorder.stats.bytes / 1e6).toFixed(1)} MB, `;
  const p = publisher?.stats;
  const bus = p === undefined ? '' : `${p.published} published (${p.unconfirmed} unconfirmed, ${p.dropped} dropped), `;
  return `recording: ${file}${bus}${c.gaps} gaps, ${c.resyncs} resyncs, book ${market.state}`;
}
