import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BinanceLineDecoder } from '../../adapters/binance/line-decoder.ts';
import { parseBinanceLine } from '../../adapters/binance/parse.ts';
import { detectInputFormat, inspectInput } from '../../adapters/replay/input-format.ts';
import { readInputLines } from '../../adapters/replay/input-lines.ts';
import { MarketData, bybitSyncConfig } from '../../application/market-data.ts';
import { resolveInstrument } from '../../composition/instruments.ts';
import type { MarketEvent, Ticker } from '../../domain/market/market-event.ts';
import { priceToTicks, type Instrument } from '../../domain/values/instrument.ts';
import type { Micros } from '../../domain/values/units.ts';
import { RecordingLogger } from '../support/fakes.ts';

/*
 * The real Binance captures in ../shared: the book rebuilt from the REST snapshot and the diffs must
 * show, at every book ticker that can be placed between two diffs, exactly the ticker's best bid and ask.
 */

const dataDir = fileURLToPath(new URL('../../../shared/data/binance/', import.meta.url));
const present = existsSync(dataDir);
if (!present) console.warn(`Binance capture tests skipped: ${dataDir} is absent (the real Binance captures live in ../shared)`);

const USDM_480 = ['usdm-btcusdt-20240718.gz', 'usdm-btcusdt-20240719.gz'].map((f) => dataDir + f);
const USDM_345 = [dataDir + 'usdm-btcusdt-20240808-depth-trade-bookticker.gz'];
const SPOT_651 = ['spot-btcusdt-20240808.gz', 'spot-btcusdt-20240809.gz'].map((f) => dataDir + f);

interface TickerCheck {
  readonly checked: number;
  readonly mismatches: string[];
  /** Tickers whose update id falls inside a diff's range (U..u): a state the diffs never show. */
  readonly insideDiff: number;
  readonly beforeLive: number;
  readonly data: MarketData;
  readonly decoder: BinanceLineDecoder;
  readonly firstRecv: Micros | null;
}

/**
 * Replays the files as one stream through the Binance decoder and MarketData. A ticker with update id
 * t is compared with the book once the next diff arrives: if the book's last `u` <= t < that diff's `U`,
 * no update lies between the book and the ticker, so they must agree.
 */
async function checkTickers(paths: readonly string[], market: 'usdm' | 'spot', instrument: Instrument): Promise<TickerCheck> {
  const decoder = new BinanceLineDecoder(market, 'BTCUSDT');
  const data = new MarketData({ instrument, bookDepth: null, sync: bybitSyncConfig(null) }, { resync: () => undefined }, new RecordingLogger());
  const mismatches: string[] = [];
  let pending: Ticker[] = [];
  let checked = 0;
  let insideDiff = 0;
  let beforeLive = 0;
  let firstRecv: Micros | null = null;
  const settle = (nextFirstId: number): void => {
    const waiting: Ticker[] = [];
    for (const t of pending) {
      if (!data.sync.live) beforeLive++;
      else if (t.cs < data.book.lastU) insideDiff++;
      else if (t.cs >= nextFirstId) waiting.push(t);
      else {
        checked++;
        const bid = priceToTicks(instrument, t.bid1Price ?? '');
        const ask = priceToTicks(instrument, t.ask1Price ?? '');
        if (!bid.ok || !ask.ok || bid.value !== data.book.bestBid() || ask.value !== data.book.bestAsk()) {
          mismatches.push(`u ${t.cs}: ticker ${t.bid1Price}/${t.ask1Price}, book ${data.book.bestBid()}/${data.book.bestAsk()}`);
        }
      }
    }
    pending = waiting;
  };
  const out: MarketEvent[] = [];
  for await (const line of readInputLines(paths)) {
    firstRecv ??= line.recvTime;
    const message = parseBinanceLine(line.text, 0 as Micros);
    if (message.kind === 'diff') settle(message.diff.firstId);
    decoder.decode(line.text, line.recvTime, out);
    for (const event of out) {
      data.process(event);
      if (event.kind === 'ticker') pending.push(event.ticker);
    }
    out.length = 0;
  }
  return { checked, mismatches, insideDiff, beforeLive, data, decoder, firstRecv };
}

describe.skipIf(!present)('the real Binance captures', () => {
  const linear = resolveInstrument({ symbol: 'BTCUSDT', category: 'linear' });
  const spotGrid = resolveInstrument({ symbol: 'BTCUSDT', category: 'spot' });

  it('tells each format from the first lines; only the first file of a split capture starts a book', () => {
    expect(detectInputFormat(USDM_480[0])).toEqual({ venue: 'binance', market: 'usdm', symbol: 'BTCUSDT' });
    expect(detectInputFormat(SPOT_651[0])).toEqual({ venue: 'binance', market: 'spot', symbol: 'BTCUSDT' });
    expect([...USDM_480, ...SPOT_651].map((p) => inspectInput(p).startsBook)).toEqual([true, false, true, false]);
  });

  it('reads the ns receive stamps as µs', async () => {
    for await (const line of readInputLines(USDM_480)) {
      // The first line is stamped 1721347020984480942 ns.
      expect(line.recvTime).toBe(1_721_347_020_984_480);
      break;
    }
  });

  it('480 s USD-M, two files as one stream: the rebuilt book agrees with every placeable book ticker; no gap', { timeout: 120_000 }, async () => {
    const r = await checkTickers(USDM_480, 'usdm', linear);
    expect(r.mismatches).toEqual([]);
    expect(r.checked).toBeGreaterThan(500);
    expect(r.data.counters).toMatchObject({ gaps: 0, resyncs: 0, malformed: 0, crossed: 0 });
    expect(r.data.state).toBe('LIVE');
    // Every diff is applied but those the REST snapshot already held.
    expect(r.decoder.sync.counters.breaks).toBe(0);
    expect(r.decoder.sync.counters.applied + r.decoder.sync.counters.dropped).toBe(r.decoder.sync.counters.diffs);
    expect(r.data.counters.trades).toBeGreaterThan(10_000);
  });

  it('345 s USD-M: the same agreement', { timeout: 120_000 }, async () => {
    const r = await checkTickers(USDM_345, 'usdm', linear);
    expect(r.mismatches).toEqual([]);
    expect(r.checked).toBeGreaterThan(500);
    expect(r.data.counters).toMatchObject({ gaps: 0, resyncs: 0, malformed: 0, crossed: 0 });
  });

  it('651 s spot, two files, 8-decimal prices on the 0.01 grid: the same agreement', { timeout: 120_000 }, async () => {
    const r = await checkTickers(SPOT_651, 'spot', spotGrid);
    expect(r.mismatches).toEqual([]);
    expect(r.checked).toBeGreaterThan(500);
    expect(r.data.counters).toMatchObject({ gaps: 0, resyncs: 0, malformed: 0, crossed: 0 });
  });

  it('the second file alone has no snapshot: the book never leaves SYNCING', { timeout: 120_000 }, async () => {
    const r = await checkTickers([USDM_480[1]], 'usdm', linear);
    expect(r.data.state).toBe('SYNCING');
    expect(r.data.counters.bookUpdates).toBe(0);
    expect(r.checked).toBe(0);
  });
});
