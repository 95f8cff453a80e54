import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBybitFrame } from '../../adapters/bybit/parse.ts';
import { generateSyntheticFrames } from '../../adapters/replay/synthetic-frames.ts';
import { MarketData, bybitSyncConfig } from '../../application/market-data.ts';
import { FeedQualityMonitor } from '../../application/feed-quality-monitor.ts';
import type { MarketEvent } from '../../domain/market/market-event.ts';
import { TickerCheck } from '../../domain/market/ticker-check.ts';
import type { Micros, Ticks } from '../../domain/values/units.ts';
import { btc } from '../support/builders.ts';
import { RecordingLogger } from '../support/fakes.ts';

const dataDir = fileURLToPath(new URL('../../../shared/data/bybit/', import.meta.url));
const linear = `${dataDir}linear-BTCUSDT-orderbook200-trades-tickers.jsonl`;
if (!existsSync(linear)) console.warn(`skipping the ticker check over the real Bybit capture: ${linear} is absent`);

describe('TickerCheck', () => {
  it('compares a ticker with the top after the last frame at or before its cross sequence', () => {
    const c = new TickerCheck();
    c.onBook(10, 100, 101);
    c.onBook(15, 99, 101);
    c.onTicker(12, 100, 101); // the top after seq 10
    c.onTicker(15, 99, null); // a delta naming the bid alone
    expect([c.checked, c.mismatches]).toEqual([2, 0]);
    c.onTicker(14, 99, 101); // the book at 14 still had 100 as its best bid
    expect([c.checked, c.mismatches]).toEqual([3, 1]);
  });

  it('holds a ticker that is ahead of the depth stream until a frame at or beyond its sequence comes', () => {
    const c = new TickerCheck();
    c.onBook(10, 100, 101);
    c.onTicker(20, 102, 103);
    c.onTicker(30, 102, 104);
    expect(c.checked).toBe(0);
    c.onBook(20, 102, 103); // the first ticker's own frame
    expect([c.checked, c.mismatches]).toEqual([1, 0]);
    c.onBook(31, 105, 106); // beyond the second: the top after 20 was the book at 30, and its ask was 103
    expect([c.checked, c.mismatches]).toEqual([2, 1]);
  });

  it('checks nothing before a top, older than the tops kept, or after a reset', () => {
    const c = new TickerCheck();
    c.onTicker(5, 1, 2);
    for (let s = 100; s < 100 + TickerCheck.MAX_TOPS; s++) c.onBook(s, 50, 51);
    c.onTicker(99, 1, 2);
    c.onTicker(120, 70, 71);
    c.reset();
    c.onBook(500, 50, 51);
    c.onTicker(300, 1, 2);
    expect([c.checked, c.mismatches]).toEqual([1, 1]);
  });
});

/** The events of frame lines as the replay reads them: `<recv µs> <json>`. */
function events(lines: readonly string[]): MarketEvent[] {
  return lines.map((line) => {
    const space = line.indexOf(' ');
    return parseBybitFrame(line.slice(space + 1), Number(line.slice(0, space)) as Micros);
  });
}

describe('the ticker check in MarketData, into the feed-quality score', () => {
  it('finds every synthetic ticker agreeing with its book, and counts each one made to disagree', () => {
    const lines = generateSyntheticFrames({ instrument: btc, seed: 3, bookFrames: 3_000, startMs: 1_700_000_040_000, startPrice: 900_000 as Ticks, depth: 50 });
    const run = (tamper: boolean) => {
      const market = new MarketData({ instrument: btc, bookDepth: 50, sync: bybitSyncConfig(200) }, { resync: () => undefined }, new RecordingLogger());
      const monitor = new FeedQualityMonitor();
      let nth = 0;
      for (const e of events(lines)) {
        // Every third ticker shows a best bid one tick below the book's.
        const event: MarketEvent = tamper && e.kind === 'ticker' && e.ticker.bid1Price !== null && nth++ % 3 === 0
          ? { kind: 'ticker', ticker: { ...e.ticker, bid1Price: (Number(e.ticker.bid1Price) - 0.1).toFixed(1) } }
          : e;
        market.process(event);
        const at = event.kind === 'book' ? event.frame.recvTime : event.kind === 'ticker' ? event.ticker.recvTime : null;
        if (at !== null) monitor.observe(at, () => market.counters, market.state === 'LIVE');
      }
      return { counters: market.counters, minutes: monitor.minutes };
    };
    const clean = run(false);
    expect(clean.counters.tickerChecks).toBeGreaterThan(250);
    expect(clean.counters.tickerMismatches).toBe(0);
    const tampered = run(true);
    expect(tampered.counters.tickerChecks).toBe(clean.counters.tickerChecks);
    expect(tampered.counters.tickerMismatches).toBe(Math.ceil(clean.counters.tickerChecks / 3));
    // Each minute's score carries its share of them (2 points each, at most 10).
    expect(tampered.minutes.map((m) => m.minute.tickerMismatches).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    for (const m of tampered.minutes) expect(m.penalties.tickerMismatches).toBe(Math.min(10, 2 * m.minute.tickerMismatches));
    expect(Math.max(...tampered.minutes.map((m) => m.score))).toBeLessThan(Math.min(...clean.minutes.map((m) => m.score)));
  });

  it.skipIf(!existsSync(linear))('finds the real linear capture\'s tickers all agreeing with its book', () => {
    const lines = readFileSync(linear, 'utf8').split('\n').filter(Boolean);
    const market = new MarketData({ instrument: btc, bookDepth: 200, sync: bybitSyncConfig(200) }, { resync: () => undefined }, new RecordingLogger());
    for (const text of lines) market.process(parseBybitFrame(text, 0 as Micros));
    expect(market.counters.gaps).toBe(0);
    expect(market.counters.tickerChecks).toBeGreaterThanOrEqual(100);
    expect(market.counters.tickerMismatches).toBe(0);
  });
});
