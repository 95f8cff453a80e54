import { bybitSyncConfig, MarketData } from '../application/market-data.ts';
import { silentLogger } from '../application/ports/logger.ts';
import { scanningDecoder } from '../adapters/bybit/frame-decoder.ts';
import type { Instrument } from '../domain/values/instrument.ts';
import type { Micros } from '../domain/values/units.ts';

export interface ReplayBenchResult {
  readonly framesPerSec: number;
  readonly levelUpdatesPerSec: number;
  readonly jsonParsePerSec: number;
  readonly frames: number;
}

/**
 * The replay path as `ladder replay` runs it, without the file: every order-book frame text of the
 * capture → scanning decoder → market-data stage (book + integrity state machine, LIVE) → best bid and
 * ask read; against JSON.parse alone on the same texts. Each is timed in alternating slices of at least
 * `sliceMs`, for `seconds` in all, and the median slice rate is reported.
 */
export function benchReplay(captureText: string, instrument: Instrument, seconds = 2, sliceMs = 100): ReplayBenchResult {
  const texts = captureText.split('\n').filter((l) => l.includes('"topic":"orderbook.'));
  let levels = 0;
  for (const t of texts) levels += (t.match(/\],\[|\[\[/g) ?? []).length;
  const decode = scanningDecoder(instrument);
  let sink = 0;
  const replayPass = (): void => {
    const market = new MarketData({ instrument, bookDepth: null, sync: bybitSyncConfig(200) }, { resync: () => undefined }, silentLogger);
    for (let k = 0; k < texts.length; k++) {
      market.process(decode(texts[k], (k * 100_000) as Micros));
      sink += market.book.bestBid() ?? 0;
    }
    if (market.state !== 'LIVE') throw new Error(`benchReplay: the book ended ${market.state}`);
  };
  const parsePass = (): void => {
    for (let k = 0; k < texts.length; k++) sink += (JSON.parse(texts[k]) as { ts: number }).ts & 1;
  };
  const rate = (pass: () => void): number => {
    const t0 = performance.now();
    let passes = 0;
    while (performance.now() - t0 < sliceMs) {
      pass();
      passes++;
    }
    return (passes * texts.length) / ((performance.now() - t0) / 1000);
  };
  replayPass();
  parsePass();
  const replay: number[] = [];
  const parse: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    replay.push(rate(replayPass));
    parse.push(rate(parsePass));
  }
  if (sink === 42) console.log('');
  const framesPerSec = median(replay);
  return { framesPerSec, levelUpdatesPerSec: (framesPerSec * levels) / texts.length, jsonParsePerSec: median(parse), frames: texts.length };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
